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


def fields_from_form(form: LessonEditForm):
    from .services import LessonFields

    objectives = [line.strip() for line in (form.objectives.data or "").splitlines() if line.strip()]
    terms = []
    for line in (form.key_terms.data or "").splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        term = {"term": parts[0], "definition": parts[1] if len(parts) > 1 else ""}
        if len(parts) > 2 and parts[2]:
            term["en"] = parts[2]
        terms.append(term)
    return LessonFields(form.title.data or "", objectives, terms, form.body_markdown.data or "")


def fill_form(form: LessonEditForm, fields, token: str) -> None:
    form.token.data = token
    form.title.data = fields.title
    form.objectives.data = "\n".join(fields.objectives)
    form.key_terms.data = "\n".join(" | ".join(filter(None, [t.get("term"), t.get("definition"), t.get("en")]))
                                    for t in fields.key_terms)
    form.body_markdown.data = fields.body_markdown
