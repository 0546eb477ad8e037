"""Lesson drafts (unpublished edits) and revisions (every published text, who and when)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now_utc
from ..dbtypes import UTCDateTime
from ..extensions import db


class LessonRevision(db.Model):
    """One published text of a lesson in one language. Imports and browser saves both add one."""

    __tablename__ = "lesson_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    objectives: Mapped[list] = mapped_column(JSON)
    key_terms: Mapped[list] = mapped_column(JSON)
    body_markdown: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # "browser" or "import"
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class LessonDraft(db.Model):
    """Unpublished edits of a lesson in one language: invisible to learners until published."""

    __tablename__ = "lesson_drafts"
    __table_args__ = (UniqueConstraint("lesson_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id"))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    objectives: Mapped[list] = mapped_column(JSON)
    key_terms: Mapped[list] = mapped_column(JSON)
    body_markdown: Mapped[str] = mapped_column(Text)
    base_revision_id: Mapped[int | None] = mapped_column(ForeignKey("lesson_revisions.id"))
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
