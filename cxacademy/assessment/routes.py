"""Assessment views: start quizzes, mock exams, practice and review; answer, flag, submit; reports."""
from __future__ import annotations

import random

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from ..catalog.models import Lesson, Module, competency_label
from ..clock import now_utc
from ..credentials.services import issue_due_certificates
from ..extensions import db
from ..i18n import current_language
from . import review, services
from .charts import trend_chart
from .forms import ActionForm, PracticeForm, StartMockForm, StartQuizForm
from .models import Attempt, ExamBlueprint
from .question_types import QUESTION_TYPES

bp = Blueprint("assessment", __name__, template_folder="templates")

MESSAGES = {
    "after_deadline": (409, _l("Time is up: the deadline of this exam has passed, so this answer was not saved. "
                               "Everything you saved before the deadline counts.")),
    "already_submitted": (409, _l("This attempt has already been submitted; answers can no longer change.")),
    "answer_locked": (409, _l("You have already answered this question in study mode; the answer is kept.")),
    "invalid_answer": (422, _l("That answer does not fit this question. Choose from the options shown.")),
    "not_in_attempt": (404, _l("There is no such question in this attempt.")),
    "no_questions": (409, _l("There are no questions for this choice yet. Try a wider selection.")),
    "nothing_due": (409, _l("No questions are due for review right now. Come back later.")),
}


def _rng() -> random.Random:
    return random.Random()


def _message(error: services.AssessmentError):
    if error.code == "bank_too_small":
        parts = ", ".join(_("%(code)s: needs %(need)d, has %(have)d", code=competency_label(code) if code in
                            {"insights", "strategy", "metrics", "design", "culture_accountability"} else code,
                            need=need, have=have) for code, (need, have) in error.details["shortfall"].items())
        return 409, _("The question bank is too small for this exam, so no attempt was started. Short: %(parts)s.",
                      parts=parts)
    status, message = MESSAGES[error.code]
    return status, str(message)


def _fail(error: services.AssessmentError, attempt: Attempt | None = None):
    """Roll back, then answer in the client's terms: JSON for the autosave script, a page otherwise."""
    status, message = _message(error)
    db.session.rollback()
    if error.code == "after_deadline" and attempt is not None:
        # The rollback undid the finalisation too; do it again on its own and keep it.
        attempt = db.session.get(Attempt, attempt.id)
        services.finalise_if_overdue(attempt, now=now_utc())
        db.session.commit()
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify({"error": error.code, "message": message}), status
    return render_template("errors/error.html", status=status, title=_("This cannot be done now"),
                           message=message), status


def _attempt_or_404(attempt_id: int) -> Attempt:
    attempt = services.get_attempt_for(current_user.id, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


def _resume_open(kind: str, **match) -> Attempt | None:
    """An open attempt of the same kind and target: a double click resumes it instead of starting twice."""
    query = select(Attempt).where(Attempt.user_id == current_user.id, Attempt.kind == kind,
                                  Attempt.submitted_at.is_(None))
    for column, value in match.items():
        query = query.where(getattr(Attempt, column) == value)
    attempt = db.session.scalars(query.order_by(Attempt.started_at.desc()).limit(1)).first()
    if attempt is not None and services.finalise_if_overdue(attempt, now=now_utc()):
        db.session.commit()
        return None
    return attempt


def _go(attempt: Attempt, position: int | None = None):
    return redirect(url_for("assessment.attempt", attempt_id=attempt.id, q=position or attempt.last_position))


# Hub
@bp.get("/practice")
@login_required
def hub():
    language = current_language()
    modules = [(m.id, m.title(language)) for m in db.session.scalars(
        select(Module).where(Module.retired_at.is_(None)).order_by(Module.position))]
    blueprints = db.session.scalars(select(ExamBlueprint).order_by(ExamBlueprint.position)).all()
    now = now_utc()
    attempts = services.latest_attempts(current_user.id, results=10)
    return render_template("assessment/hub.html", blueprints=blueprints, mock_form=StartMockForm(),
                           practice_form=PracticeForm().fill_choices(modules), action_form=ActionForm(),
                           due=review.due_count(current_user.id, now=now),
                           open_attempts=attempts.open, results=attempts.results)


@bp.post("/practice/mock")
@login_required
def start_mock():
    form = StartMockForm()
    if not form.validate_on_submit():
        abort(400)
    blueprint = db.get_or_404(ExamBlueprint, form.blueprint.data)
    attempt = _resume_open("mock", blueprint=blueprint.id)
    if attempt is None:
        try:
            attempt = services.start_mock_exam(current_user, blueprint, now=now_utc(), rng=_rng())
        except services.AssessmentError as error:
            return _fail(error)
        db.session.commit()
    return _go(attempt)


@bp.post("/practice/set")
@login_required
def start_practice():
    language = current_language()
    modules = [(m.id, m.title(language)) for m in db.session.scalars(select(Module).where(Module.retired_at.is_(None)))]
    form = PracticeForm().fill_choices(modules)
    if not form.validate_on_submit():
        return render_template("assessment/practice_invalid.html", form=form), 422
    try:
        attempt = services.start_practice(current_user, count=int(form.count.data), competency=form.competency.data or None,
                                          module_id=form.module.data or None, dimension=form.dimension.data or None,
                                          wrong_only=form.wrong_only.data, now=now_utc(), rng=_rng())
    except services.AssessmentError as error:
        return _fail(error)
    db.session.commit()
    return _go(attempt)


@bp.post("/practice/review")
@login_required
def start_review():
    if not ActionForm().validate_on_submit():
        abort(400)
    attempt = _resume_open("review")
    if attempt is None:
        try:
            attempt = services.start_review(current_user, now=now_utc(), rng=_rng())
        except services.AssessmentError as error:
            return _fail(error)
        db.session.commit()
    return _go(attempt)


@bp.post("/lessons/<lesson_id>/quiz")
@login_required
def start_lesson_quiz(lesson_id: str):
    lesson = db.get_or_404(Lesson, lesson_id)
    if lesson.retired_at is not None:
        abort(404)
    form = StartQuizForm()
    if not form.validate_on_submit():
        abort(400)
    attempt = _resume_open("lesson_quiz", lesson_id=lesson.id)
    if attempt is None:
        try:
            attempt = services.start_lesson_quiz(current_user, lesson.id, form.mode.data, now=now_utc(), rng=_rng())
        except services.AssessmentError as error:
            return _fail(error)
        db.session.commit()
    return _go(attempt)


@bp.post("/modules/<module_id>/quiz")
@login_required
def start_module_quiz(module_id: str):
    module = db.get_or_404(Module, module_id)
    if module.retired_at is not None:
        abort(404)
    form = StartQuizForm()
    if not form.validate_on_submit():
        abort(400)
    attempt = _resume_open("module_quiz", module_id=module.id)
    if attempt is None:
        try:
            attempt = services.start_module_quiz(current_user, module, form.mode.data, now=now_utc(), rng=_rng())
        except services.AssessmentError as error:
            return _fail(error)
        db.session.commit()
    return _go(attempt)


# Taking an attempt
@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    now = now_utc()
    if services.finalise_if_overdue(attempt, now=now):
        db.session.commit()
    if attempt.is_submitted:
        return redirect(url_for("assessment.report", attempt_id=attempt.id))
    position = request.args.get("q", type=int) or attempt.last_position
    if not 1 <= position <= attempt.question_count:
        abort(404)
    item, version = services.item_with_version(attempt, position)
    moved = attempt.last_position != position
    if moved:  # only then: an assignment marks the attempt changed even to the same value
        attempt.last_position = position
    show_feedback = attempt.mode == "study" and item.chosen is not None
    remaining = int((attempt.deadline_at - now).total_seconds()) if attempt.deadline_at else None
    page = render_template("assessment/attempt.html", attempt=attempt, item=item, version=version,
                           text=version.text(current_language()), qtype=QUESTION_TYPES[version.type],
                           show_feedback=show_feedback, navigator=services.navigator(attempt),
                           remaining=remaining, form=ActionForm())
    if moved:
        db.session.commit()  # after rendering: a commit expires the attempt and the learner, loaded again otherwise
    return page


def _chosen_from_request() -> tuple[int | None, list[str]]:
    if request.is_json:
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            return None, []
        position, chosen = payload.get("position"), payload.get("option", [])
        # Only a whole number is a position: a string, float, list or bool would reach the query.
        return (position if type(position) is int else None), chosen if isinstance(chosen, list) else [chosen]
    return request.form.get("position", type=int), request.form.getlist("option")


def _as_shown(chosen: list[str]) -> bool:
    """True when a form submit carries exactly the answer the page was rendered with."""
    shown = request.form.get("shown")
    return shown is not None and sorted(filter(None, shown.split(","))) == sorted(chosen)


@bp.post("/attempts/<int:attempt_id>/answer")
@login_required
def answer(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    position, chosen = _chosen_from_request()
    if position is None:
        abort(400)
    if not 1 <= position <= attempt.question_count:  # also keeps huge numbers away from the database
        return _fail(services.AssessmentError("not_in_attempt"))
    go_to = request.form.get("go", type=int)
    now = now_utc()
    if chosen and not request.is_json and _as_shown(chosen):
        # A navigation button resent the answer this page showed, which the learner did not touch
        # here: another tab may have changed it since, so the older copy must not overwrite it.
        chosen = []
    if chosen:
        try:
            item = services.save_answer(attempt, position, chosen, now=now, retention=current_user.review_retention)
        except services.AssessmentError as error:
            return _fail(error, attempt)
    else:
        item = None
        if services.finalise_if_overdue(attempt, now=now):
            db.session.commit()
            return _fail(services.AssessmentError("after_deadline"))
    db.session.commit()
    if request.is_json:
        return jsonify({"saved": item is not None, "position": position})
    if request.form.get("flag") in ("on", "off"):
        services.set_flag(attempt, position, request.form["flag"] == "on", now=now)
        db.session.commit()
        return _go(attempt, position)
    if attempt.mode == "study" and item is not None and not go_to:
        return _go(attempt, position)  # show the feedback for this answer
    return _go(attempt, go_to or position)


@bp.get("/attempts/<int:attempt_id>/finish")
@login_required
def finish(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    if services.finalise_if_overdue(attempt, now=now_utc()):
        db.session.commit()
    if attempt.is_submitted:
        return redirect(url_for("assessment.report", attempt_id=attempt.id))
    nav = services.navigator(attempt)
    return render_template("assessment/finish.html", attempt=attempt, navigator=nav,
                           unanswered=[n.position for n in nav if not n.answered],
                           flagged=[n.position for n in nav if n.flagged], form=ActionForm())


@bp.post("/attempts/<int:attempt_id>/submit")
@login_required
def submit(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    now = now_utc()
    if not services.finalise_if_overdue(attempt, now=now):
        services.submit(attempt, now=now, retention=current_user.review_retention)
    if attempt.kind == "module_quiz" and attempt.passed and issue_due_certificates(current_user.id, now=now):
        flash(_("You have earned a certificate! Find it under Certificates and credentials."), "success")
    db.session.commit()
    return redirect(url_for("assessment.report", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/report")
@login_required
def report(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    if services.finalise_if_overdue(attempt, now=now_utc()):
        db.session.commit()
    if not attempt.is_submitted:
        return redirect(url_for("assessment.attempt", attempt_id=attempt.id))
    language = current_language()
    scores = services.competency_scores(attempt)
    readiness = services.readiness(current_user.id) if attempt.kind == "mock" else []
    trend = services.mock_trend(current_user.id) if attempt.kind == "mock" else []
    lessons_by_competency = dict(db.session.execute(
        select(Module.competency, Module.id).where(Module.competency.is_not(None), Module.retired_at.is_(None))).all())
    return render_template("assessment/report.html", attempt=attempt, scores=scores, readiness=readiness,
                           trend_svg=trend_chart(trend) if len(trend) > 1 else None, trend=trend,
                           items=services.attempt_items(attempt), language=language,
                           modules_by_competency=lessons_by_competency, practice_form=PracticeForm(),
                           qtypes=QUESTION_TYPES)
