"""The lesson editor form: one language at a time."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

ERROR_MESSAGES = {
    "title_required": _l("The lesson needs a title."),
    "objectives_required": _l("Write at least one learning objective."),
    "key_terms_format": _l("Write each key term as: term | definition (Turkish lessons: term | definition | English term)."),
    "body_required": _l("The lesson text is empty."),
    "broken_link": _l("A lesson: or tool: link points to something that does not exist."),
    "lesson_id_taken": _l("Use a new id of lowercase letters, digits and hyphens."),
    "minutes_range": _l("Reading time is 1 to 120 minutes."),
    "unknown_area": _l("Choose an area."),
    "unknown_competency": _l("Choose a competency or none."),
    "pass_mark_range": _l("The pass mark is a percentage from 1 to 100."),
    "validity_range": _l("Validity is 1 to 240 months, or empty for none."),
}


class LessonEditForm(FlaskForm):
    token = HiddenField()
    title = StringField(_l("Title"), validators=[Length(max=200)])
    objectives = TextAreaField(_l("Learning objectives"), description=_l("One per line."))
    key_terms = TextAreaField(_l("Key terms"),
                              description=_l("One per line: term | definition (Turkish: term | definition | English term)."))
    body_markdown = TextAreaField(_l("Lesson text (Markdown)"),
                                  description=_l("Headings with ##; links to lessons as [text](lesson:id), to tools as [text](tool:metrics-lab)."))
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save draft"))
    publish = SubmitField(_l("Publish"))


def _lines(text: str | None) -> str:
    """Browsers send text areas with CRLF; files are read with plain newlines. Store what files hold."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def fields_from_form(form: LessonEditForm):
    from .services import LessonFields

    objectives = [line.strip() for line in _lines(form.objectives.data).splitlines() if line.strip()]
    terms = []
    for line in (form.key_terms.data or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        term = {"term": parts[0], "definition": parts[1] if len(parts) > 1 else ""}
        if len(parts) > 2 and parts[2]:
            term["en"] = parts[2]
        terms.append(term)
    return LessonFields((form.title.data or "").strip(), objectives, terms, _lines(form.body_markdown.data))


def fill_form(form: LessonEditForm, fields, token: str) -> None:
    form.token.data = token
    form.title.data = fields.title
    form.objectives.data = "\n".join(fields.objectives)
    form.key_terms.data = "\n".join(" | ".join(filter(None, [t.get("term"), t.get("definition"), t.get("en")]))
                                    for t in fields.key_terms)
    form.body_markdown.data = fields.body_markdown


QUESTION_ERRORS = {
    "id_taken_or_invalid": _l("Use a new id of lowercase letters, digits and hyphens."),
    "unknown_type": _l("Choose a question type."),
    "key_single": _l("A single-answer question needs exactly one correct option."),
    "key_true_false": _l("A true/false question needs exactly one correct option."),
    "key_multiple": _l("A multiple-answer question needs at least two correct options and at least one wrong one."),
    "unknown_competency": _l("Choose a competency."),
    "unknown_dimension": _l("Choose a 5D dimension or none."),
    "difficulty_range": _l("Difficulty is 1, 2 or 3."),
    "lesson_not_in_module": _l("Choose a lesson of this module."),
    "two_options": _l("A question needs at least two options."),
    "stem_required": _l("Write the question."),
    "stem_duplicate": _l("Another question already has this exact wording."),
    "explanation_required": _l("Write the explanation."),
    "option_incomplete": _l("Each option needs its text and a rationale saying why it is right or wrong."),
}


class QuestionCsrfForm(FlaskForm):
    """CSRF for the question editor; its fields are read by the route, since their number varies."""
