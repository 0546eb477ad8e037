"""Catalog views: the learner's dashboard, the catalogue, module and lesson pages, the glossary."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..clock import now_utc
from ..extensions import db
from ..i18n import current_language
from ..assessment import review
from ..assessment import services as assessment
from ..assessment.forms import StartQuizForm
from ..cohorts.services import assignments_for_learner
from ..credentials.services import issue_due_certificates
from . import services
from .forms import CompleteLessonForm
from .models import Module

bp = Blueprint("catalog", __name__, template_folder="templates")


def _percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


@bp.get("/dashboard")
@login_required
def dashboard():
    language = current_language()
    modules = services.module_progress(current_user.id)
    completed, total = services.overall_progress(modules)
    activity = services.recent_activity(current_user.id, language)
    attempts = assessment.latest_attempts(current_user.id, results=5)
    now = now_utc()
    return render_template(
        "catalog/dashboard.html",
        reviews_due=review.due_count(current_user.id, now=now),
        results=attempts.results, open_attempts=attempts.open,
        assignments=assignments_for_learner(current_user.id), today=now.date(),
        modules=modules,
        overall=(completed, total, _percent(completed, total)),
        competencies=services.competency_progress(modules),
        resume=services.continue_lesson(current_user.id, language, activity),
        activity=activity,
        percent=_percent,
    )


@bp.get("/modules")
@login_required
def catalogue():
    return render_template("catalog/catalogue.html", modules=services.module_progress(current_user.id),
                           percent=_percent)


@bp.get("/modules/<module_id>")
@login_required
def module(module_id: str):
    module = db.get_or_404(Module, module_id)
    if module.retired_at is not None:
        abort(404)
    lessons = services.module_lessons(module.id, current_user.id, current_language())
    done = sum(1 for lesson in lessons if lesson.completed_at)
    return render_template("catalog/module.html", module=module, lessons=lessons, quiz_form=StartQuizForm(),
                           has_questions=services.has_questions(module_id=module.id),
                           module_completed=module.id in assessment.completed_module_ids(current_user.id),
                           counts=(done, len(lessons), _percent(done, len(lessons))))


@bp.get("/lessons/<lesson_id>")
@login_required
def lesson(lesson_id: str):
    lesson = services.lesson_page(lesson_id, current_user.id, current_language())
    if lesson is None:
        abort(404)
    completed_at = services.record_view(current_user.id, lesson.id, now=now_utc())
    page = render_template("catalog/lesson.html", lesson=lesson, completed_at=completed_at,
                           form=CompleteLessonForm(), quiz_form=StartQuizForm())
    db.session.commit()  # after rendering: a commit expires the learner, whom the page would load again
    return page


@bp.post("/lessons/<lesson_id>/complete")
@login_required
def complete(lesson_id: str):
    lesson = services.visible_lesson(lesson_id, current_user.id)
    if lesson is None:
        abort(404)
    form = CompleteLessonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.complete_lesson(current_user.id, lesson, now=now_utc())
    except services.LessonRetired:
        db.session.rollback()
        abort(409, description=_("This lesson has been retired from the course, so it can no longer be completed. "
                                 "Nothing was changed."))
    issued = issue_due_certificates(current_user.id, now=now_utc())
    db.session.commit()
    flash(_("Lesson completed. Well done!"), "success")
    if issued:
        flash(_("You have earned a certificate! Find it under Certificates and credentials."), "success")
    _previous, following = services.lesson_neighbours(lesson.id, current_language())
    if following is not None and request.form.get("then") == "next":
        return redirect(url_for("catalog.lesson", lesson_id=following.id))
    return redirect(url_for("catalog.lesson", lesson_id=lesson.id))


@bp.get("/glossary")
@login_required
def glossary():
    search = request.args.get("q", "").strip()
    terms = services.glossary(current_language())
    if search:
        needle = search.casefold()
        terms = [t for t in terms if needle in t["term"].casefold() or needle in t.get("en", "").casefold()
                 or needle in t["definition"].casefold()]
    return render_template("catalog/glossary.html", terms=terms, search=search)
