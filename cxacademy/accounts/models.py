"""The user account and its role."""
from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache

from flask_login import UserMixin
from sqlalchemy import String, bindparam, func, select
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now_utc
from ..dbtypes import UTCDateTime
from ..extensions import db, login_manager

ROLES = ("learner", "trainer", "admin")
# A role may do everything the roles before it may.
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


def new_session_stamp() -> str:
    return secrets.token_hex(8)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="learner", server_default="learner")
    locale: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    # Part of the login cookie's identity: changing it (password change or reset) ends other sessions.
    session_stamp: Mapped[str] = mapped_column(String(32), default=new_session_stamp)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Spaced review: the recall probability the scheduler aims for (FSRS desired retention).
    review_retention: Mapped[float] = mapped_column(default=0.9, server_default="0.9")
    # Exam accommodation: extra time on timed mock exams, in per cent, set by a trainer or admin.
    extra_time_percent: Mapped[int] = mapped_column(default=0, server_default="0")
    # Which expiry reminders also go out by email (they always appear in the notification centre).
    email_ccxp_reminders: Mapped[bool] = mapped_column(default=True, server_default="1")
    email_certificate_reminders: Mapped[bool] = mapped_column(default=True, server_default="1")
    email_assignment_reminders: Mapped[bool] = mapped_column(default=True, server_default="1")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses to log in inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_stamp}"

    def has_role(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


@cache
def _user_by_id():
    # Built once: every page a learner opens loads them first.
    return select(User).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    user_id, _, stamp = identity.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.scalars(_user_by_id(), {"user_id": int(user_id)}).first()
    if user is None or not user.active or user.session_stamp != stamp:
        return None
    return user


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
