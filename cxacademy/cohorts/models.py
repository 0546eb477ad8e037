"""Cohorts, their members and their assignments."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now_utc
from ..dbtypes import UTCDateTime
from ..extensions import db


class Cohort(db.Model):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    trainer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class CohortMember(db.Model):
    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class Assignment(db.Model):
    """Work given to a cohort with a due date: a module to complete, or a mock exam to sit."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "module" or "mock"
    module_id: Mapped[str | None] = mapped_column(ForeignKey("modules.id"))
    blueprint_id: Mapped[str | None] = mapped_column(String(32))
    due_on: Mapped[date] = mapped_column(Date(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
