"""Trainer views: cohorts, members and invitations, assignments, reports, item analysis."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..accounts.access import role_required
from ..accounts.emails import send_invitation
from ..accounts.models import User
from ..accounts.services import make_reset_token, set_extra_time
from ..assessment.models import ExamBlueprint
from ..catalog.models import Module, competency_label
from ..clock import now_utc
from ..credentials.services import expiring_within
from ..extensions import db
from ..i18n import current_language
from ..security import spreadsheet_safe
from . import analysis, services
from .forms import ERROR_MESSAGES, AssignmentForm, CohortForm, ExtraTimeForm, MembersForm

bp = Blueprint("cohorts", __name__, url_prefix="/trainer", template_folder="templates")
INVALID = 422


def _cohort_or_404(cohort_id: int):
    cohort = services.get_cohort_for(current_user, cohort_id)
    if cohort is None:
        abort(404)
    return cohort


def _assignment_form() -> AssignmentForm:
    language = current_language()
    form = AssignmentForm()
    form.module.choices = [SelectChoice(m.id, m.title(language)) for m in
                           db.session.scalars(select(Module).where(Module.retired_at.is_(None)).order_by(Module.position))]
    form.blueprint.choices = [SelectChoice(b.id, b.title(language)) for b in
                              db.session.scalars(select(ExamBlueprint).order_by(ExamBlueprint.position))]
    return form


@bp.route("/cohorts", methods=["GET", "POST"])
@role_required("trainer")
def cohorts():
    form = CohortForm()
    if form.validate_on_submit():
        cohort = services.create_cohort(current_user, form.name.data)
        db.session.commit()
        return redirect(url_for("cohorts.cohort", cohort_id=cohort.id))
    status = INVALID if form.is_submitted() else 200
    return render_template("cohorts/cohorts.html", cohorts=services.cohorts_for(current_user), form=form), status


def _cohort_page(cohort, members_form=None, assignment_form=None, status=200, member_report=None):
    today = now_utc().date()
    return render_template("cohorts/cohort.html", cohort=cohort, members=services.members(cohort),
                           members_form=members_form or MembersForm(),
                           assignment_form=assignment_form or _assignment_form(),
                           assignments=services.assignment_status(cohort, today=today), time_form=ExtraTimeForm(),
                           member_report=member_report, messages=ERROR_MESSAGES), status


@bp.get("/cohorts/<int:cohort_id>")
@role_required("trainer")
def cohort(cohort_id: int):
    return _cohort_page(_cohort_or_404(cohort_id))


@bp.post("/cohorts/<int:cohort_id>/members")
@role_required("trainer")
def add_members(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    form = MembersForm()
    if not form.validate_on_submit():
        abort(400)
    text = (form.emails.data or "").strip()
    upload = form.csv_file.data
    if upload and upload.filename:
        raw = upload.read(1024 * 1024 + 1)
        upload.close()
        # A NUL byte means binary (or UTF-16); PostgreSQL text could not hold it either.
        if b"\x00" in raw:
            form.csv_file.errors.append(ERROR_MESSAGES["not_text"])
            return _cohort_page(cohort, members_form=form, status=INVALID)
        try:
            # Line numbers in the report then match the file's own when only a file is sent.
            text += ("\n" if text else "") + raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.csv_file.errors.append(ERROR_MESSAGES["not_text"])
            return _cohort_page(cohort, members_form=form, status=INVALID)
    secret, max_age = current_app.config["SECRET_KEY"], current_app.config["INVITATION_MAX_AGE"]
    now = now_utc()
    report = services.add_members(cohort, text, make_token=lambda user: make_reset_token(
        user, secret_key=secret, now=now, max_age=max_age))
    db.session.commit()
    for user, token in report.invited:
        try:
            send_invitation(user, token, inviter=current_user.name, cohort=cohort.name)
        except Exception:  # the account exists; the trainer can resend by adding the address again
            current_app.logger.exception("invitation mail to user %s failed", user.id)
    if report.added:
        flash(_("%(count)d learner(s) added.", count=len(report.added)), "success")
    status = INVALID if report.problems and not report.added else 200
    return _cohort_page(cohort, member_report=report, status=status)


@bp.post("/cohorts/<int:cohort_id>/assignments")
@role_required("trainer")
def add_assignment(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    form = _assignment_form()
    if form.validate_on_submit():
        try:
            services.add_assignment(cohort, kind=form.kind.data, module_id=form.module.data,
                                    blueprint_id=form.blueprint.data, due_on=form.due_on.data, today=now_utc().date())
        except services.CohortError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(ERROR_MESSAGES[error.code])
        else:
            db.session.commit()
            flash(_("Assignment added."), "success")
            return redirect(url_for("cohorts.cohort", cohort_id=cohort.id))
    return _cohort_page(cohort, assignment_form=form, status=INVALID)


@bp.post("/cohorts/<int:cohort_id>/members/<int:user_id>/extra-time")
@role_required("trainer")
def extra_time(cohort_id: int, user_id: int):
    cohort = _cohort_or_404(cohort_id)
    if user_id not in {m.id for m in services.members(cohort)}:
        abort(404)
    form = ExtraTimeForm()
    if not form.validate_on_submit():
        flash(form.extra_time_percent.errors[0] if form.extra_time_percent.errors else _("Enter a whole number from 0 to 200."), "error")
        return _cohort_page(cohort, status=INVALID)
    learner = db.session.get(User, user_id)
    set_extra_time(learner, form.extra_time_percent.data)
    db.session.commit()
    flash(_("Extra exam time for %(name)s: %(percent)d%%.", name=learner.name, percent=learner.extra_time_percent), "success")
    return redirect(url_for("cohorts.cohort", cohort_id=cohort.id))


def _csv(rows: list[list], filename: str) -> Response:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    # The byte-order mark makes Excel read the file as UTF-8, so Turkish letters survive.
    return Response("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/cohorts/<int:cohort_id>/report")
@role_required("trainer")
def report(cohort_id: int):
    cohort = _cohort_or_404(cohort_id)
    language = current_language()
    today = now_utc().date()
    learners, modules, data = services.progress_matrix(cohort)
    heat = services.competency_heat_map(cohort)
    assignments = services.assignment_status(cohort, today=today)
    member_ids = select(services.CohortMember.user_id).where(services.CohortMember.cohort_id == cohort.id)
    expiring = expiring_within(today, 90, learner_ids=member_ids)
    table = request.args.get("format") == "csv" and request.args.get("table", "progress")
    if table == "progress":
        rows = [[_("Learner"), _("Email")] + [m.titles.get(language) or m.titles["en"] for m in modules] + [_("Last activity")]]
        for learner in learners:
            cells = []
            for m in modules:
                cell = data["cells"].get((learner.id, m.id), {"done": 0})
                cells.append(f"{cell['done']}/{m.lessons}" + (f" ({cell['best']}%)" if "best" in cell else ""))
            last = data["last"].get(learner.id)
            rows.append([learner.name, learner.email] + cells + [last.date().isoformat() if last else ""])
        return _csv(rows, f"cohort-{cohort.id}-progress.csv")
    if table == "competencies":
        codes = sorted({c for _u, c in heat})
        rows = [[_("Learner")] + [str(competency_label(c)) for c in codes]]
        for learner in learners:
            rows.append([learner.name] + [
                f"{round(100 * heat[(learner.id, c)][1] / heat[(learner.id, c)][0])}%" if (learner.id, c) in heat else ""
                for c in codes])
        return _csv(rows, f"cohort-{cohort.id}-competencies.csv")
    if table == "overdue":
        rows = [[_("Learner"), _("Email"), _("Assignment"), _("Due date")]]
        rows += [[row.name, row.email, row.module_id or row.blueprint_id, row.due_on.isoformat()]
                 for row, done, overdue in assignments if overdue]
        return _csv(rows, f"cohort-{cohort.id}-overdue.csv")
    if table == "expiring":
        rows = [[_("Learner"), _("Email"), _("What"), _("Expires on")]]
        rows += [[r.name, r.email, r.what or _("programme"), r.expires_on.isoformat()] for r in expiring]
        return _csv(rows, f"cohort-{cohort.id}-expiring.csv")
    codes = sorted({c for _u, c in heat})
    return render_template("cohorts/report.html", cohort=cohort, learners=learners, modules=modules, data=data,
                           heat=heat, competencies=codes, overdue=[a for a in assignments if a[2]],
                           expiring=expiring, language=language)


@bp.get("/items")
@role_required("trainer")
def items():
    language = current_language()
    modules = db.session.scalars(select(Module).where(Module.retired_at.is_(None)).order_by(Module.position)).all()
    module_id = request.args.get("module") or (modules[0].id if modules else None)
    if module_id and module_id not in {m.id for m in modules}:
        abort(404)
    stats = analysis.item_analysis(module_id, services.visible_learner_ids(current_user)) if module_id else []
    return render_template("cohorts/items.html", modules=modules, module_id=module_id, stats=stats, language=language)
