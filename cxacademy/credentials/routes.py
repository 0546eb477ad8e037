"""Credential views: my certificates and CCXP, credits and evidence, public verification,
notifications, and the trainers' expiring list."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts.access import role_required
from ..catalog.models import Module
from ..catalog.services import module_titles
from ..clock import now_utc
from ..extensions import db
from ..i18n import current_language
from ..security import spreadsheet_safe
from . import services
from .forms import (ActivityForm, CredentialForm, ReminderPreferencesForm, RenewalForm, RevokeForm, message_for,
                    revoke_form_for)
from .models import CERTIFICATE_STATUS_LABELS, Certificate, CreditActivity, CredentialRule, ExternalCredential, Notification
from .pdf import certificate_pdf
from .reminders import calendar_file, reminder_dates

bp = Blueprint("credentials", __name__, template_folder="templates")
INVALID = 422


def evidence_folder() -> Path:
    return Path(current_app.config.get("EVIDENCE_FOLDER") or Path(current_app.instance_path) / "evidence")


def _own_credential_or_404(credential_id: int) -> tuple[ExternalCredential, CredentialRule]:
    credential = db.session.get(ExternalCredential, credential_id)
    if credential is None or credential.user_id != current_user.id:
        abort(404)
    return credential, db.session.get(CredentialRule, credential.rule_id)


def _can_see_learner(user_id: int) -> bool:
    """The owner, trainers of a cohort the learner is in, and admins."""
    from ..cohorts.services import can_see_learner

    return user_id == current_user.id or can_see_learner(current_user, user_id)


@bp.get("/credentials")
@login_required
def index():
    language = current_language()
    today = now_utc().date()
    certificates = db.session.scalars(select(Certificate).where(Certificate.user_id == current_user.id)
                                      .order_by(Certificate.issued_at.desc())).all()
    modules = module_titles(language)
    credentials = db.session.scalars(select(ExternalCredential).where(ExternalCredential.user_id == current_user.id)
                                     .order_by(ExternalCredential.earned_on.desc())).all()
    rules = db.session.scalars(select(CredentialRule).order_by(CredentialRule.position)).all()
    rules_by_id = {r.id: r for r in rules}
    return render_template("credentials/index.html", certificates=certificates, modules=modules, today=today,
                           credentials=[(c, rules_by_id[c.rule_id], services.credential_status(c, rules_by_id[c.rule_id], today))
                                        for c in credentials],
                           form=CredentialForm().fill(rules, language), status_labels=CERTIFICATE_STATUS_LABELS,
                           preferences=ReminderPreferencesForm(
                               email_ccxp_reminders=int(current_user.email_ccxp_reminders),
                               email_certificate_reminders=int(current_user.email_certificate_reminders),
                               email_assignment_reminders=int(current_user.email_assignment_reminders)))


@bp.post("/credentials")
@login_required
def add_credential():
    language = current_language()
    rules = db.session.scalars(select(CredentialRule).order_by(CredentialRule.position)).all()
    form = CredentialForm().fill(rules, language)
    if form.validate_on_submit():
        rule = db.session.get(CredentialRule, form.rule.data)
        try:
            credential = services.record_credential(current_user.id, rule, earned_on=form.earned_on.data,
                                                    credential_number=form.credential_number.data,
                                                    today=now_utc().date())
        except services.CredentialError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(message_for(error))
        else:
            db.session.commit()
            flash(_("Your credential has been saved."), "success")
            return redirect(url_for("credentials.credential", credential_id=credential.id))
    flash(_("Please correct the marked fields."), "error")
    return render_template("credentials/add_invalid.html", form=form), INVALID


@bp.post("/credentials/preferences")
@login_required
def preferences():
    form = ReminderPreferencesForm()
    if not form.validate_on_submit():
        abort(400)
    current_user.email_ccxp_reminders = bool(form.email_ccxp_reminders.data)
    current_user.email_certificate_reminders = bool(form.email_certificate_reminders.data)
    current_user.email_assignment_reminders = bool(form.email_assignment_reminders.data)
    db.session.commit()
    flash(_("Your reminder settings have been saved."), "success")
    return redirect(url_for("credentials.index"))


def _credential_page(credential, rule, activity_form=None, renewal_form=None, status=200):
    language = current_language()
    today = now_utc().date()
    requirements = services.credit_progress(credential, rule)
    return render_template(
        "credentials/credential.html", credential=credential, rule=rule, today=today,
        status=services.credential_status(credential, rule, today), opens=services.renewal_opens_on(credential, rule),
        requirements=requirements, activities=services.activities(credential), renewals=services.renewals(credential),
        categories={c["id"]: c["titles"].get(language) or c["titles"]["en"] for c in rule.categories},
        activity_form=activity_form or ActivityForm().fill(rule, language),
        renewal_form=renewal_form or RenewalForm()), status


@bp.get("/credentials/ccxp/<int:credential_id>")
@login_required
def credential(credential_id: int):
    credential, rule = _own_credential_or_404(credential_id)
    return _credential_page(credential, rule)


@bp.post("/credentials/ccxp/<int:credential_id>/activities")
@login_required
def add_activity(credential_id: int):
    credential, rule = _own_credential_or_404(credential_id)
    form = ActivityForm().fill(rule, current_language())
    if form.validate_on_submit():
        stored = None
        try:
            upload = form.evidence.data
            if upload and upload.filename:
                try:
                    stored = services.store_evidence(upload.stream, upload.filename, evidence_folder())
                finally:
                    upload.close()
            services.add_activity(credential, rule, activity_on=form.activity_on.data, title=form.title.data,
                                  provider=form.provider.data, credits=form.credits.data, category=form.category.data,
                                  today=now_utc().date(), evidence=stored)
        except services.CredentialError as error:
            db.session.rollback()
            if stored:
                (evidence_folder() / stored[0]).unlink(missing_ok=True)  # nothing half-saved
            getattr(form, error.field).errors.append(message_for(error))
        else:
            db.session.commit()
            flash(_("Activity added."), "success")
            return redirect(url_for("credentials.credential", credential_id=credential.id))
    return _credential_page(credential, rule, activity_form=form, status=INVALID)


@bp.post("/credentials/ccxp/<int:credential_id>/renewal")
@login_required
def renew(credential_id: int):
    credential, rule = _own_credential_or_404(credential_id)
    form = RenewalForm()
    if form.validate_on_submit():
        try:
            services.record_renewal(credential, rule, renewed_on=form.renewed_on.data, today=now_utc().date())
        except services.CredentialError as error:
            db.session.rollback()
            form.renewed_on.errors.append(message_for(error))
        else:
            db.session.commit()
            flash(_("Renewal recorded: your new cycle has started."), "success")
            return redirect(url_for("credentials.credential", credential_id=credential.id))
    return _credential_page(credential, rule, renewal_form=form, status=INVALID)


@bp.get("/credentials/ccxp/<int:credential_id>/calendar.ics")
@login_required
def calendar(credential_id: int):
    credential, rule = _own_credential_or_404(credential_id)
    link = url_for("credentials.credential", credential_id=credential.id, _external=True)
    data = calendar_file(credential.expires_on, reminder_dates(credential.expires_on, rule.renewal_window_days),
                         _("CCXP expiry"), link)
    return Response(data, mimetype="text/calendar",
                    headers={"Content-Disposition": 'attachment; filename="ccxp-expiry.ics"'})


@bp.get("/credentials/evidence/<int:activity_id>")
@login_required
def evidence(activity_id: int):
    activity = db.session.get(CreditActivity, activity_id)
    credential = db.session.get(ExternalCredential, activity.credential_id) if activity else None
    if activity is None or activity.evidence_file is None or not _can_see_learner(credential.user_id):
        abort(404)
    return send_file(evidence_folder() / activity.evidence_file, mimetype=activity.evidence_type,
                     download_name=activity.evidence_name, as_attachment=True)


def _certificate_pdf_response(certificate: Certificate, language: str):
    from ..accounts.models import User

    learner = db.session.get(User, certificate.user_id)
    module = db.session.get(Module, certificate.module_id) if certificate.module_id else None
    verify_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("credentials.verify", code=certificate.code)
    with force_locale(language):
        what = module.title(language) if module else _("The CX Academy programme: every module")
        expiry = (_("Valid until: %(date)s", date=certificate.expires_on.isoformat())
                  if certificate.expires_on else None)
        data = certificate_pdf(heading=_("Certificate of completion"), learner_name=learner.name,
                               statement=_("This certifies that"), completed_what=what,
                               issued_line=_("Completed on: %(date)s", date=certificate.issued_at.date().isoformat()),
                               expiry_line=expiry, code_line=_("Verification code: %(code)s", code=certificate.code),
                               verify_url=verify_url,
                               footer=_("Check this certificate at the address above or by scanning the QR code."))
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="certificate-{certificate.code}.pdf"'})


@bp.get("/credentials/certificates/<int:certificate_id>.pdf")
@login_required
def certificate_download(certificate_id: int):
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not _can_see_learner(certificate.user_id):
        abort(404)
    return _certificate_pdf_response(certificate, current_language())


@bp.get("/verify/<code>")
def verify(code: str):
    certificate = services.certificate_by_code(code)
    if certificate is None:
        return render_template("credentials/verify_unknown.html"), 404
    from ..accounts.models import User

    learner = db.session.get(User, certificate.user_id)
    module = db.session.get(Module, certificate.module_id) if certificate.module_id else None
    status = certificate.status(now_utc().date())
    return render_template("credentials/verify.html", certificate=certificate, learner=learner, module=module,
                           status=status, status_labels=CERTIFICATE_STATUS_LABELS)


@bp.post("/certificates/<int:certificate_id>/revoke")
@role_required("trainer")
def revoke(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    if not _can_see_learner(certificate.user_id):
        abort(404)
    form = revoke_form_for(certificate.id)
    if not form.validate_on_submit():
        flash(form.reason.errors[0] if form.reason.errors else _("Give a reason for revoking."), "error")
        return redirect(url_for("credentials.expiring")), 303
    services.revoke_certificate(certificate, by_user_id=current_user.id, reason=form.reason.data, now=now_utc())
    db.session.commit()
    flash(_("The certificate has been revoked; its verification page now says so."), "success")
    return redirect(url_for("credentials.expiring"))


@bp.get("/notifications")
@login_required
def notifications():
    items = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                               .order_by(Notification.created_at.desc()).limit(50)).all()
    return render_template("credentials/notifications.html", items=items, form=RevokeForm())


@bp.post("/notifications/read")
@login_required
def notifications_read():
    # CSRFProtect has checked the token before this view runs.
    services.mark_all_read(current_user.id, now=now_utc())
    db.session.commit()
    return redirect(url_for("credentials.notifications"))


@bp.get("/trainer/expiring")
@role_required("trainer")
def expiring():
    today = now_utc().date()
    from ..cohorts.services import visible_learner_ids

    rows = services.expiring_within(today, 90, learner_ids=visible_learner_ids(current_user))
    modules = module_titles(current_language())

    def what(row) -> str:
        return modules.get(row.what, row.what.upper()) if row.what else _("programme")

    if request.args.get("format") == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_("Name"), _("Email"), _("What"), _("Expires on")])
        for row in rows:
            writer.writerow([spreadsheet_safe(cell) for cell in
                             (row.name, row.email, what(row), row.expires_on.isoformat())])
        # A byte-order mark tells Excel the file is UTF-8, so Turkish letters survive.
        return Response("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="expiring.csv"'})
    scope = visible_learner_ids(current_user)
    recent = select(Certificate).where(Certificate.revoked_at.is_(None))
    if scope is not None:
        recent = recent.where(Certificate.user_id.in_(scope))
    certificates = db.session.scalars(recent.order_by(Certificate.issued_at.desc()).limit(50)).all()
    return render_template("credentials/expiring.html", rows=rows, modules=modules, what=what,
                           revoke_forms=[(c, revoke_form_for(c.id, formdata=None)) for c in certificates])
