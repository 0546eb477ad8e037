"""Account rules as plain functions: they flush, never commit; the caller owns the transaction."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, func, or_, select

from ..extensions import db
from .models import ROLES, User, new_session_stamp, user_by_email

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0")


class AccountError(Exception):
    """A rule about accounts was broken; `field` names the form field it belongs to."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.code = code
        self.field = field


def normalise_email(raw: str) -> str:
    """Syntax-check an address and fold it to lower case: emails are unique case-insensitively."""
    try:
        # SMTPUTF8 addresses are refused: mail goes out over plain SMTP, which cannot carry them.
        result = validate_email(raw.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise AccountError("invalid_email", "email") from exc
    return result.normalized.lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def register_user(*, name: str, email: str, password: str, locale: str = "en", role: str = "learner") -> User:
    address = normalise_email(email)
    if user_by_email(address) is not None:
        raise AccountError("email_taken", "email")
    if role not in ROLES:
        raise AccountError("unknown_role", "role")
    user = User(name=name.strip(), email=address, password_hash=hash_password(password), locale=locale, role=role)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str, *, now: datetime) -> User | None:
    """The user whose email and password match, active or not (the caller tells them apart), else None."""
    try:
        address = normalise_email(email)
    except AccountError:
        address = email.strip().lower()
    user = user_by_email(address)
    if not password_matches(user, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.active:
        user.last_login_at = now
    db.session.flush()
    return user


def set_password(user: User, new_password: str) -> None:
    """Store a new password and end every other session of this user."""
    user.password_hash = hash_password(new_password)
    user.session_stamp = new_session_stamp()
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not password_matches(user, current_password):
        raise AccountError("wrong_password", "current_password")
    set_password(user, new_password)


def update_profile(user: User, *, name: str, locale: str, review_retention: float | None = None) -> None:
    user.name = name.strip()
    user.locale = locale
    if review_retention is not None:
        user.review_retention = review_retention
    db.session.flush()


def set_extra_time(user: User, percent: int) -> None:
    """Exam accommodation: extra time on timed exams started from now on (running ones keep their deadline)."""
    if not 0 <= percent <= 200:
        raise AccountError("extra_time_range", "extra_time_percent")
    user.extra_time_percent = percent
    db.session.flush()


# Password reset tokens: signed, expire after max_age seconds, and single-use because they
# carry a fingerprint of the password hash they were made for: a reset changes the hash.
def _reset_serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="password-reset")


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User, *, secret_key: str, now: datetime, max_age: int) -> str:
    expires = int((now + timedelta(seconds=max_age)).timestamp())
    return _reset_serializer(secret_key).dumps({"u": user.id, "f": _password_fingerprint(user), "e": expires})


def user_for_reset_token(token: str, *, secret_key: str, now: datetime) -> User:
    """The user a valid token belongs to; AccountError('reset_invalid'|'reset_expired') otherwise."""
    try:
        payload = _reset_serializer(secret_key).loads(token)
    except BadSignature:
        raise AccountError("reset_invalid") from None
    if not isinstance(payload, dict) or not {"u", "f", "e"} <= payload.keys():
        raise AccountError("reset_invalid")
    user = db.session.get(User, payload["u"])
    if user is None or not user.active or payload["f"] != _password_fingerprint(user):
        raise AccountError("reset_invalid")
    if now.timestamp() > payload["e"]:
        raise AccountError("reset_expired")
    return user


def reset_password(token: str, new_password: str, *, secret_key: str, now: datetime) -> User:
    user = user_for_reset_token(token, secret_key=secret_key, now=now)
    set_password(user, new_password)
    return user


# Administration
def users_query(search: str | None = None, role: str | None = None) -> Select:
    query = select(User).order_by(User.name, User.id)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(User.email).like(pattern), func.lower(User.name).like(pattern)))
    if role in ROLES:
        query = query.where(User.role == role)
    return query


def _count_active_admins() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True)))


def change_role(actor: User, user: User, role: str) -> None:
    if role not in ROLES:
        raise AccountError("unknown_role", "role")
    if user.id == actor.id and role != user.role:
        raise AccountError("own_role", "role")
    user.role = role
    db.session.flush()


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate or reactivate an account. Nothing of the user's is deleted."""
    if user.id == actor.id and not active:
        raise AccountError("deactivate_self")
    if not active and user.role == "admin" and _count_active_admins() <= 1:
        raise AccountError("last_admin")
    user.active = active
    if not active:
        user.session_stamp = new_session_stamp()  # signs them out everywhere
    db.session.flush()
