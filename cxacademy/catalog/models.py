"""Modules, lessons (with their text per language) and each learner's progress through them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from flask_babel import lazy_gettext as _l

from ..clock import now_utc
from ..dbtypes import UTCDateTime
from ..extensions import db

AREAS = ("fundamentals", "culture", "voc", "adoption", "strategy", "design", "metrics", "5d")
COMPETENCIES = ("insights", "strategy", "metrics", "design", "culture_accountability")
CONTENT_LANGUAGES = ("en", "tr")

COMPETENCY_LABELS = {
    "insights": _l("Customer Insights and Understanding"),
    "strategy": _l("Customer Experience Strategy"),
    "metrics": _l("Metrics, Measurement and ROI"),
    "design": _l("Design, Implementation and Innovation"),
    "culture_accountability": _l("Culture and Accountability"),
}


def competency_label(code: str | None):
    return COMPETENCY_LABELS.get(code, code or "")


class Module(db.Model):
    __tablename__ = "modules"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int]
    area: Mapped[str] = mapped_column(String(16))
    competency: Mapped[str | None] = mapped_column(String(32))
    certificate_validity_months: Mapped[int | None]
    pass_mark: Mapped[int] = mapped_column(default=70)
    titles: Mapped[dict] = mapped_column(JSON)  # {"en": ..., "tr": ...}
    summaries: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    def title(self, language: str) -> str:
        return self.titles.get(language) or self.titles["en"]

    def summary(self, language: str) -> str:
        return self.summaries.get(language) or self.summaries["en"]


class Lesson(db.Model):
    __tablename__ = "lessons"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    module_id: Mapped[str] = mapped_column(ForeignKey("modules.id"), index=True)
    position: Mapped[int]
    minutes: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    # A lesson removed from the files is retired: hidden from new learners, history kept.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A lesson created in the browser and not yet published is held back exactly like a retired one
    # (retired_at is set, so every learner query already excludes it); this flag tells the two apart.
    is_draft: Mapped[bool] = mapped_column(default=False, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class LessonText(db.Model):
    """A lesson in one language: Markdown source and the sanitised HTML rendered from it at import."""

    __tablename__ = "lesson_texts"
    __table_args__ = (UniqueConstraint("lesson_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id"))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    objectives: Mapped[list] = mapped_column(JSON)
    key_terms: Mapped[list] = mapped_column(JSON)  # [{"term", "definition", "en"?}]
    toc: Mapped[list] = mapped_column(JSON)  # [{"level", "anchor", "text"}]
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)


class LessonProgress(db.Model):
    """One row per learner and lesson: when they first and last opened it, and when they completed it."""

    __tablename__ = "lesson_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id"),
        Index("ix_lesson_progress_user_last_viewed", "user_id", "last_viewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id"), index=True)
    first_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
