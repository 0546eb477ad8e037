"""Credential rules as plain functions (flush, never commit): certificates, CCXP cycles, credits, evidence."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from sqlalchemy import and_, bindparam, case, func, literal, select

from ..assessment.services import completed_module_ids
from ..catalog.models import Module
from ..extensions import db
from .dates import add_months
from .models import (QUARTERS, Certificate, CredentialRenewal, CredentialRule, CreditActivity, ExternalCredential,
                     Notification)

# The CXPA was founded on 27 April 2011; no CCXP can have been earned before it existed.
EARLIEST_EARNED_ON = date(2011, 4, 27)
EXPIRING_SOON_DAYS = 90
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# Evidence types recognised by their first bytes, never by the file name.
EVIDENCE_SIGNATURES = {b"%PDF-": ("pdf", "application/pdf"), b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
                       b"\xff\xd8\xff": ("jpeg", "image/jpeg")}


class CredentialError(Exception):
    def __init__(self, code: str, field: str | None = None, **details):
        super().__init__(code)
        self.code, self.field, self.details = code, field, details


# Certificates
def new_code() -> str:
    """An unguessable public verification code (about 96 bits)."""
    return secrets.token_urlsafe(12)


def issue_due_certificates(user_id: int, *, now: datetime) -> list[Certificate]:
    """Issue the certificates the learner has earned and not yet received: one per completed module,
    and one for the programme when every module is complete. Idempotent."""
    completed = completed_module_ids(user_id)
    held = set(db.session.execute(select(Certificate.kind, Certificate.module_id)
                                  .where(Certificate.user_id == user_id)).all())
    modules = {m.id: m for m in db.session.scalars(select(Module).where(Module.retired_at.is_(None)))}
    issued = []
    for module_id in sorted(completed):
        module = modules.get(module_id)
        if module is None or ("module", module_id) in held:
            continue
        expires = add_months(now.date(), module.certificate_validity_months) if module.certificate_validity_months else None
        issued.append(Certificate(user_id=user_id, kind="module", module_id=module_id, code=new_code(),
                                  issued_at=now, expires_on=expires))
    if modules and set(modules) <= completed and ("programme", None) not in held:
        issued.append(Certificate(user_id=user_id, kind="programme", module_id=None, code=new_code(), issued_at=now))
    for certificate in issued:
        db.session.add(certificate)
    db.session.flush()
    return issued


def certificate_by_code(code: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def revoke_certificate(certificate: Certificate, *, by_user_id: int, reason: str, now: datetime) -> None:
    if not reason.strip():
        raise CredentialError("reason_required", "reason")
    if certificate.revoked_at is None:
        certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by_id = now, reason.strip(), by_user_id
    db.session.flush()


# External credentials (CCXP)
def default_rule() -> CredentialRule | None:
    return db.session.scalar(select(CredentialRule).order_by(CredentialRule.is_default.desc(), CredentialRule.position))


def record_credential(user_id: int, rule: CredentialRule, *, earned_on: date, credential_number: str | None,
                      today: date) -> ExternalCredential:
    if earned_on > today:
        raise CredentialError("earned_in_future", "earned_on")
    if earned_on < EARLIEST_EARNED_ON:
        raise CredentialError("earned_too_early", "earned_on")
    credential = ExternalCredential(user_id=user_id, rule_id=rule.id, earned_on=earned_on,
                                    credential_number=(credential_number or "").strip() or None, cycle=1,
                                    cycle_started_on=earned_on, expires_on=add_months(earned_on, rule.validity_months))
    db.session.add(credential)
    db.session.flush()
    return credential


def renewal_opens_on(credential: ExternalCredential, rule: CredentialRule) -> date | None:
    return credential.expires_on - timedelta(days=rule.renewal_window_days) if rule.renewal_window_days else None


def credential_status(credential: ExternalCredential, rule: CredentialRule, today: date) -> str:
    """expired, expiring (within 90 days), renewal_open (inside the rule's renewal window) or valid."""
    if credential.expires_on < today:
        return "expired"
    if credential.expires_on - today <= timedelta(days=EXPIRING_SOON_DAYS):
        return "expiring"
    opens = renewal_opens_on(credential, rule)
    if opens is not None and today >= opens:
        return "renewal_open"
    return "valid"


def record_renewal(credential: ExternalCredential, rule: CredentialRule, *, renewed_on: date, today: date) -> CredentialRenewal:
    """Start the next cycle: it begins at the previous expiry and runs the rule's validity from there."""
    if renewed_on > today:
        raise CredentialError("renewed_in_future", "renewed_on")
    opens = renewal_opens_on(credential, rule) or credential.expires_on - timedelta(days=365)
    if renewed_on < opens:
        raise CredentialError("renewal_too_early", "renewed_on", opens=opens)
    previous = credential.expires_on
    credential.cycle += 1
    credential.cycle_started_on = previous
    credential.expires_on = add_months(previous, rule.validity_months)
    renewal = CredentialRenewal(credential_id=credential.id, renewed_on=renewed_on, previous_expiry=previous,
                                new_expiry=credential.expires_on, cycle=credential.cycle)
    db.session.add(renewal)
    db.session.flush()
    return renewal


def parse_credits(raw) -> int:
    """Credits as quarter credits: positive, in steps of 0.25."""
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise CredentialError("credits_not_number", "credits") from None
    if not value.is_finite():  # NaN cannot even be compared with 0
        raise CredentialError("credits_not_number", "credits")
    if value <= 0:
        raise CredentialError("credits_not_positive", "credits")
    quarters = value * QUARTERS
    if quarters != quarters.to_integral_value() or value > 1000:
        raise CredentialError("credits_not_quarter", "credits")
    return int(quarters)


def sniff_evidence(head: bytes) -> tuple[str, str] | None:
    for signature, kind in EVIDENCE_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    return None


def store_evidence(stream, filename: str, folder: Path) -> tuple[str, str, str]:
    """Check an uploaded file by its size and content and store it outside static/.
    Returns (stored name, original name, type)."""
    data = stream.read(MAX_EVIDENCE_BYTES + 1)
    if len(data) > MAX_EVIDENCE_BYTES:
        raise CredentialError("evidence_too_large", "evidence")
    if not data:
        raise CredentialError("evidence_empty", "evidence")
    kind = sniff_evidence(data[:16])
    if kind is None:
        raise CredentialError("evidence_type", "evidence")
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"{secrets.token_hex(16)}.{kind[0]}"
    (folder / stored).write_bytes(data)
    return stored, Path(filename or "evidence").name[:200], kind[1]


def add_activity(credential: ExternalCredential, rule: CredentialRule, *, activity_on: date, title: str,
                 provider: str, credits, category: str, today: date, evidence: tuple[str, str, str] | None = None
                 ) -> CreditActivity:
    quarters = parse_credits(credits)
    if activity_on > today:
        raise CredentialError("activity_in_future", "activity_on")
    if category not in {c["id"] for c in rule.categories}:
        raise CredentialError("unknown_category", "category")
    activity = CreditActivity(credential_id=credential.id, activity_on=activity_on, title=title.strip(),
                              provider=provider.strip(), quarter_credits=quarters, category=category)
    if evidence:
        activity.evidence_file, activity.evidence_name, activity.evidence_type = evidence
    db.session.add(activity)
    db.session.flush()
    return activity


@dataclass(frozen=True)
class Requirement:
    code: str  # "total", "realtime" or "categories"
    have: float
    need: float

    @property
    def met(self) -> bool:
        return self.have >= self.need

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.have / self.need)) if self.need else 100


def credit_progress(credential: ExternalCredential, rule: CredentialRule) -> list[Requirement]:
    """Progress per requirement of the rule, counting only activities inside the current cycle (SQL)."""
    realtime = [c["id"] for c in rule.categories if c["realtime"]] or ["-"]
    total, realtime_total, categories = db.session.execute(
        select(func.coalesce(func.sum(CreditActivity.quarter_credits), 0),
               func.coalesce(func.sum(case((CreditActivity.category.in_(realtime), CreditActivity.quarter_credits),
                                           else_=0)), 0),
               func.count(func.distinct(CreditActivity.category)))
        .where(CreditActivity.credential_id == credential.id,
               CreditActivity.activity_on >= credential.cycle_started_on,
               CreditActivity.activity_on <= credential.expires_on)).one()
    requirements = [Requirement("total", total / QUARTERS, rule.credits_required)]
    if rule.min_realtime_credits:
        requirements.append(Requirement("realtime", realtime_total / QUARTERS, rule.min_realtime_credits))
    if rule.min_categories:
        requirements.append(Requirement("categories", categories, rule.min_categories))
    return requirements


def activities(credential: ExternalCredential) -> list[CreditActivity]:
    return list(db.session.scalars(select(CreditActivity).where(CreditActivity.credential_id == credential.id)
                                   .order_by(CreditActivity.activity_on.desc(), CreditActivity.id.desc())))


def renewals(credential: ExternalCredential) -> list[CredentialRenewal]:
    return list(db.session.scalars(select(CredentialRenewal).where(CredentialRenewal.credential_id == credential.id)
                                   .order_by(CredentialRenewal.cycle)))


# Notifications
def notify(user_id: int, *, title: str, body: str, link: str | None, now: datetime) -> Notification:
    notification = Notification(user_id=user_id, title=title, body=body, link=link, created_at=now)
    db.session.add(notification)
    db.session.flush()
    return notification


@cache
def _unread_count_statement():
    # Built once, on the table: the count is in the header of every page, and building the
    # statement cost as much as running it.
    notifications = Notification.__table__
    return select(func.count()).where(notifications.c.user_id == bindparam("user_id"),
                                      notifications.c.read_at.is_(None))


def unread_count(user_id: int) -> int:
    return db.session.scalar(_unread_count_statement(), {"user_id": user_id})


def mark_all_read(user_id: int, *, now: datetime) -> None:
    db.session.execute(Notification.__table__.update()
                       .where(and_(Notification.user_id == user_id, Notification.read_at.is_(None)))
                       .values(read_at=now))


# Trainer view
def expiring_within(today: date, days: int, learner_ids=None) -> list:
    """Certificates and external credentials expiring between today and today + days (SQL)."""
    from ..accounts.models import User

    limit = today + timedelta(days=days)
    certificates = (select(User.name, User.email, Certificate.kind, Certificate.module_id.label("what"),
                           Certificate.expires_on)
                    .join(User, User.id == Certificate.user_id)
                    .where(Certificate.revoked_at.is_(None), Certificate.expires_on.is_not(None),
                           Certificate.expires_on >= today, Certificate.expires_on <= limit))
    credentials = (select(User.name, User.email, literal("credential").label("kind"),
                          ExternalCredential.rule_id.label("what"), ExternalCredential.expires_on)
                   .join(User, User.id == ExternalCredential.user_id)
                   .where(ExternalCredential.expires_on >= today, ExternalCredential.expires_on <= limit))
    if learner_ids is not None:
        certificates = certificates.where(User.id.in_(learner_ids))
        credentials = credentials.where(User.id.in_(learner_ids))
    rows = db.session.execute(certificates.union_all(credentials).order_by("expires_on")).all()
    return rows
