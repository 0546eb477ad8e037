"""Question bank (versioned), attempts with their frozen items, and spaced-review cards."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now_utc
from ..dbtypes import UTCDateTime
from ..extensions import db

DIMENSIONS = ("product", "customer", "time", "price", "approach")
ATTEMPT_KINDS = ("lesson_quiz", "module_quiz", "mock", "practice", "review")
MODES = ("study", "exam")
ATTEMPT_KIND_LABELS = {
    "lesson_quiz": _l("Lesson quiz"),
    "module_quiz": _l("Module quiz"),
    "mock": _l("Mock exam"),
    "practice": _l("Practice"),
    "review": _l("Review session"),
}


def attempt_kind_label(kind: str):
    return ATTEMPT_KIND_LABELS.get(kind, kind)


class Question(db.Model):
    """A question's identity and tags; its text and key live in versions, which never change."""

    __tablename__ = "questions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    module_id: Mapped[str] = mapped_column(ForeignKey("modules.id"), index=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id"), index=True)
    type: Mapped[str] = mapped_column(String(16))
    competency: Mapped[str] = mapped_column(String(32), index=True)
    dimension: Mapped[str | None] = mapped_column(String(16))
    difficulty: Mapped[int]
    scenario: Mapped[bool] = mapped_column(default=False)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_versions.id", use_alter=True, name="fk_questions_current_version"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class QuestionVersion(db.Model):
    """One immutable version of a question: key, option ids and the text in every language.
    Attempts point here, so history and statistics never change under a learner."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id"), index=True)
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    option_ids: Mapped[list] = mapped_column(JSON)
    correct: Mapped[list] = mapped_column(JSON)
    # {"en": {"stem", "explanation", "options": {id: {"text", "rationale"}}}, "tr": {...}}
    texts: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    def text(self, language: str) -> dict:
        return self.texts.get(language) or self.texts["en"]


class Attempt(db.Model):
    """A quiz, mock exam, practice set or review session, with questions and option order frozen at start."""

    __tablename__ = "attempts"
    __table_args__ = (Index("ix_attempts_user_kind", "user_id", "kind"),
                      Index("ix_attempts_open_deadline", "submitted_at", "deadline_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(8))
    module_id: Mapped[str | None] = mapped_column(ForeignKey("modules.id"))
    lesson_id: Mapped[str | None] = mapped_column(ForeignKey("lessons.id"))
    blueprint: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # Fixed at start (blueprint time plus the learner's accommodation); the client's clock is never asked.
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_by: Mapped[str | None] = mapped_column(String(16))  # "learner" or "deadline"
    pass_mark: Mapped[int | None]
    question_count: Mapped[int]
    correct_count: Mapped[int | None]
    passed: Mapped[bool | None]
    last_position: Mapped[int] = mapped_column(default=1)

    items: Mapped[list["AttemptItem"]] = relationship(back_populates="attempt", order_by="AttemptItem.position",
                                                      lazy="raise")

    @hybrid_method
    def is_overdue(self, now: datetime) -> bool:
        """Open, timed, and past its deadline: the one definition used by views, jobs and queries."""
        return self.submitted_at is None and self.deadline_at is not None and self.deadline_at <= now

    @is_overdue.expression
    def is_overdue(cls, now: datetime):
        return cls.submitted_at.is_(None) & cls.deadline_at.is_not(None) & (cls.deadline_at <= now)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def score_percent(self) -> int | None:
        if self.correct_count is None or not self.question_count:
            return None
        return round(100 * self.correct_count / self.question_count)


class AttemptItem(db.Model):
    __tablename__ = "attempt_items"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),
                      # Item analysis reads each learner's first answer per question straight off this index.
                      Index("ix_attempt_items_question_user_answered", "question_id", "user_id", "answered_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    # Copied from the attempt at start (it never changes), so question statistics need no join.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    position: Mapped[int]
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"), index=True)
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id"), index=True)
    competency: Mapped[str] = mapped_column(String(32))  # copied at start so reports need no join
    option_order: Mapped[list] = mapped_column(JSON)
    chosen: Mapped[list | None] = mapped_column(JSON)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_correct: Mapped[bool | None]
    flagged: Mapped[bool] = mapped_column(default=False)

    attempt: Mapped[Attempt] = relationship(back_populates="items", lazy="raise")


class ReviewCard(db.Model):
    """A learner's spaced-repetition card for one question, scheduled by FSRS."""

    __tablename__ = "review_cards"
    __table_args__ = (UniqueConstraint("user_id", "question_id"),
                      Index("ix_review_cards_user_due", "user_id", "due_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id"), index=True)
    fsrs_card: Mapped[dict] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviews: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)
    is_leech: Mapped[bool] = mapped_column(default=False)
    last_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ExamBlueprint(db.Model):
    """A mock-exam blueprint imported from content/blueprints.yaml."""

    __tablename__ = "exam_blueprints"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    titles: Mapped[dict] = mapped_column(JSON)
    questions: Mapped[int]
    minutes: Mapped[int]
    by: Mapped[str] = mapped_column(String(16))
    counts: Mapped[dict] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(default=0)

    def title(self, language: str) -> str:
        return self.titles.get(language) or self.titles["en"]
