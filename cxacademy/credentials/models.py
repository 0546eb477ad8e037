"""Certificates we issue, external credentials learners hold, their renewal credits, reminders sent."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now_utc
from ..dbtypes import UTCDateTime
from ..extensions import db

# Renewal credits are stored in quarter credits: the rule allows 0.25 steps, and integers add up exactly.
QUARTERS = 4


class Certificate(db.Model):
    """A completion certificate: a module, or the whole programme (module_id is None)."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "kind", "module_id"), Index("ix_certificates_expires_on", "expires_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "module" or "programme"
    module_id: Mapped[str | None] = mapped_column(ForeignKey("modules.id"))
    code: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_on: Mapped[date | None] = mapped_column(Date())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def status(self, today: date) -> str:
        """valid, expired or revoked: the one definition the verify page, lists and reminders use."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_on is not None and self.expires_on < today:
            return "expired"
        return "valid"


class CredentialRule(db.Model):
    """A renewal rule for an external credential, imported from content/credential_rules.yaml."""

    __tablename__ = "credential_rules"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    titles: Mapped[dict] = mapped_column(JSON)
    validity_months: Mapped[int]
    credits_required: Mapped[int]
    min_realtime_credits: Mapped[int | None]
    min_categories: Mapped[int | None]
    renewal_window_days: Mapped[int | None]
    categories: Mapped[list] = mapped_column(JSON)  # [{"id", "titles", "realtime": bool}]
    is_default: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    def title(self, language: str) -> str:
        return self.titles.get(language) or self.titles["en"]


class ExternalCredential(db.Model):
    """A learner's CCXP (or similar) credential: earned date, current cycle, expiry."""

    __tablename__ = "external_credentials"
    __table_args__ = (Index("ix_external_credentials_expires_on", "expires_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rule_id: Mapped[str] = mapped_column(ForeignKey("credential_rules.id"))
    earned_on: Mapped[date] = mapped_column(Date())
    credential_number: Mapped[str | None] = mapped_column(String(64))
    cycle: Mapped[int] = mapped_column(default=1)  # 1 for the first validity period, +1 per renewal
    cycle_started_on: Mapped[date] = mapped_column(Date())
    expires_on: Mapped[date] = mapped_column(Date())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class CredentialRenewal(db.Model):
    __tablename__ = "credential_renewals"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("external_credentials.id"), index=True)
    renewed_on: Mapped[date] = mapped_column(Date())
    previous_expiry: Mapped[date] = mapped_column(Date())
    new_expiry: Mapped[date] = mapped_column(Date())
    cycle: Mapped[int]  # the cycle this renewal started


class CreditActivity(db.Model):
    """A renewal-credit activity: what, when, how many credits, and optional evidence."""

    __tablename__ = "credit_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("external_credentials.id"), index=True)
    activity_on: Mapped[date] = mapped_column(Date())
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    quarter_credits: Mapped[int]
    category: Mapped[str] = mapped_column(String(32))
    evidence_file: Mapped[str | None] = mapped_column(String(64))  # name under instance/evidence/
    evidence_name: Mapped[str | None] = mapped_column(String(200))
    evidence_type: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    @property
    def credits(self) -> float:
        return self.quarter_credits / QUARTERS


class Notification(db.Model):
    """The in-app notification centre."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReminderLog(db.Model):
    """One row per reminder sent: the unique key makes sending idempotent across runs and servers."""

    __tablename__ = "reminder_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    # e.g. "ccxp:12:cycle1:d90:email" or "certificate:7:cycle1:d30:app"
    key: Mapped[str] = mapped_column(String(120), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


CERTIFICATE_STATUS_LABELS = {"valid": _l("Valid"), "expired": _l("Expired"), "revoked": _l("Revoked")}
CREDENTIAL_STATUS_LABELS = {"valid": _l("Valid"), "renewal_open": _l("Valid: renewal window open"),
                            "expiring": _l("Expiring within 90 days"), "expired": _l("Expired")}


def credential_status_label(status: str):
    return CREDENTIAL_STATUS_LABELS.get(status, status)
