"""Turning questions read from Moodle/CSV files into our questions, and ours into Moodle's formats."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..assessment.models import Question, QuestionVersion
from ..catalog.models import CONTENT_LANGUAGES
from ..extensions import db
from . import formats
from .questions import QuestionDraft, QuestionInvalid, save_question

PARSERS = {"gift": formats.parse_gift, "moodle_xml": formats.parse_moodle_xml, "aiken": formats.parse_aiken,
           "csv": formats.parse_csv}
OPTION_IDS = "abcdef"  # the editor has six option slots; the parsers refuse questions with more


def parse_upload(kind: str, data: bytes) -> formats.ParseResult:
    """Decode (UTF-8 with or without BOM, or Windows-1254) and parse; FormatError for unreadable files."""
    return PARSERS[kind](formats.decode_upload(data))


def _rationale(correct: bool, language: str) -> str:
    with force_locale(language):
        return _("Right: this is a correct answer.") if correct else _("Wrong: this is not a correct answer.")


def to_draft(imported, *, question_id: str, module_id: str, lesson_id: str, competency: str,
             language: str) -> QuestionDraft:
    """The file holds one language; the other gets the same text, to translate in the editor. Options
    without feedback get a generic rationale, which the preview points out."""
    if imported.type == "true_false":
        option_ids = ["true", "false"]
    else:
        option_ids = list(OPTION_IDS[:len(imported.options)])
    options = {oid: {"text": o.text, "rationale": o.rationale or _rationale(o.correct, language)}
               for oid, o in zip(option_ids, imported.options)}
    text = {"stem": imported.stem, "explanation": imported.explanation or imported.stem, "options": options}
    return QuestionDraft(id=question_id, module_id=module_id, lesson_id=lesson_id, type=imported.type,
                         competency=competency, dimension=None, difficulty=2, scenario=False,
                         option_ids=option_ids, correct=[oid for oid, o in zip(option_ids, imported.options) if o.correct],
                         texts={lang: text for lang in CONTENT_LANGUAGES})


def next_ids(module_id: str, count: int) -> list[str]:
    prefix = f"{module_id}-imp-"
    taken = set(db.session.scalars(select(Question.id).where(Question.id.like(prefix + "%"))))
    ids, n = [], 1
    while len(ids) < count:
        if f"{prefix}{n:03d}" not in taken:
            ids.append(f"{prefix}{n:03d}")
        n += 1
    return ids


@dataclass
class ImportOutcome:
    created: list[str]
    refused: list[tuple[int, str]]


def import_questions(result: formats.ParseResult, *, module_id: str, lesson_id: str, competency: str,
                     language: str, now: datetime) -> ImportOutcome:
    """Create every readable question; one that breaks our rules (e.g. a duplicate stem) is refused
    with its line, the others still go in."""
    outcome = ImportOutcome([], [])
    for imported, question_id in zip(result.questions, next_ids(module_id, len(result.questions))):
        draft = to_draft(imported, question_id=question_id, module_id=module_id, lesson_id=lesson_id,
                         competency=competency, language=language)
        savepoint = db.session.begin_nested()
        try:
            save_question(draft, new=True, now=now)
        except QuestionInvalid as invalid:
            savepoint.rollback()
            outcome.refused.append((imported.source_line, ", ".join(sorted(invalid.errors.values()))))
        else:
            savepoint.commit()
            outcome.created.append(question_id)
    return outcome


def module_questions_for_export(module_id: str, language: str) -> list:
    """The module's active questions as objects the exporters take (type, stem, options, explanation)."""
    rows = db.session.execute(select(QuestionVersion).join(Question, Question.current_version_id == QuestionVersion.id)
                              .where(Question.module_id == module_id, Question.retired_at.is_(None))
                              .order_by(Question.id)).scalars().all()
    exported = []
    for version in rows:
        text = version.text(language)
        exported.append(SimpleNamespace(
            type=version.type, stem=text["stem"], explanation=text["explanation"],
            options=[SimpleNamespace(text=text["options"][oid]["text"], correct=oid in version.correct,
                                     rationale=text["options"][oid]["rationale"]) for oid in version.option_ids]))
    return exported
