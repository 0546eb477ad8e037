"""Question authoring: the same rules as the question files, and a new immutable version on every change."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select

from ..assessment.content import QuestionFile
from ..assessment.models import DIMENSIONS, Question, QuestionVersion
from ..assessment.question_types import QUESTION_TYPES
from ..catalog.models import COMPETENCIES, CONTENT_LANGUAGES, Lesson
from ..extensions import db

OPTION_SLOTS = "abcdef"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


# What the editor holds is exactly what a question file entry holds: tags, key, and per language the
# stem, explanation and options. One type serves both, so the two can never drift apart.
QuestionDraft = QuestionFile


class QuestionInvalid(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid")
        self.errors = errors


def draft_from_question(question: Question) -> QuestionDraft:
    version = db.session.get(QuestionVersion, question.current_version_id)
    return QuestionDraft(question.id, question.module_id, question.lesson_id, question.type, question.competency,
                         question.dimension, question.difficulty, question.scenario, list(version.option_ids),
                         list(version.correct), {k: v for k, v in version.texts.items()})


def validate(draft: QuestionDraft, *, new: bool) -> None:
    """The checks `flask content check` applies to a question file entry."""
    errors: dict[str, str] = {}
    if new and (not ID_PATTERN.match(draft.id) or db.session.get(Question, draft.id) is not None):
        errors["id"] = "id_taken_or_invalid"
    qtype = QUESTION_TYPES.get(draft.type)
    if qtype is None:
        errors["type"] = "unknown_type"
    elif qtype.check_key(draft.option_ids, set(draft.correct)):
        errors["correct"] = "key_" + draft.type
    if draft.competency not in COMPETENCIES:
        errors["competency"] = "unknown_competency"
    if draft.dimension is not None and draft.dimension not in DIMENSIONS:
        errors["dimension"] = "unknown_dimension"
    if not 1 <= draft.difficulty <= 3:
        errors["difficulty"] = "difficulty_range"
    lesson_module = db.session.scalar(select(Lesson.module_id).where(Lesson.id == draft.lesson_id))
    if lesson_module != draft.module_id:
        errors["lesson"] = "lesson_not_in_module"
    if len(draft.option_ids) < 2:
        errors["options"] = "two_options"
    for language in CONTENT_LANGUAGES:
        text = draft.texts.get(language) or {}
        if not (text.get("stem") or "").strip():
            errors[f"stem_{language}"] = "stem_required"
        if not (text.get("explanation") or "").strip():
            errors[f"explanation_{language}"] = "explanation_required"
        for option_id in draft.option_ids:
            option = (text.get("options") or {}).get(option_id) or {}
            if not (option.get("text") or "").strip() or not (option.get("rationale") or "").strip():
                errors[f"option_{option_id}_{language}"] = "option_incomplete"
        stem = " ".join((text.get("stem") or "").casefold().split())
        if stem and _stem_taken(stem, language, draft.id):
            errors[f"stem_{language}"] = "stem_duplicate"
    if errors:
        raise QuestionInvalid(errors)


def _stem_taken(stem: str, language: str, question_id: str) -> bool:
    versions = db.session.execute(select(QuestionVersion.question_id, QuestionVersion.texts)
                                  .join(Question, Question.current_version_id == QuestionVersion.id)
                                  .where(Question.retired_at.is_(None), Question.id != question_id)).all()
    return any(" ".join(((texts.get(language) or {}).get("stem") or "").casefold().split()) == stem
               for _qid, texts in versions)


def save_question(draft: QuestionDraft, *, new: bool, now: datetime) -> QuestionVersion | None:
    """Store the question; a changed text or key gets a new version (attempts keep pointing at theirs).
    Returns the new version, or None when nothing changed."""
    validate(draft, new=new)
    question = db.session.get(Question, draft.id)
    if question is None:
        question = Question(id=draft.id, module_id=draft.module_id, lesson_id=draft.lesson_id, type=draft.type,
                            competency=draft.competency, difficulty=draft.difficulty)
        db.session.add(question)
        db.session.flush()
    question.lesson_id, question.type, question.competency = draft.lesson_id, draft.type, draft.competency
    question.dimension, question.difficulty, question.scenario = draft.dimension, draft.difficulty, draft.scenario
    digest = draft.content_hash  # the importer's own hash: an export of this edit imports unchanged
    current = db.session.get(QuestionVersion, question.current_version_id) if question.current_version_id else None
    if current is not None and current.content_hash == digest:
        db.session.flush()
        return None
    latest = db.session.scalar(select(func.max(QuestionVersion.version)).where(QuestionVersion.question_id == draft.id))
    version = QuestionVersion(question_id=draft.id, version=(latest or 0) + 1, content_hash=digest, type=draft.type,
                              option_ids=draft.option_ids, correct=draft.correct, texts=draft.texts, created_at=now)
    db.session.add(version)
    db.session.flush()
    question.current_version_id = version.id
    db.session.flush()
    return version
