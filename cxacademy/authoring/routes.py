"""Authoring views for trainers: lesson list, editor with preview, drafts, publishing, history, restore."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import role_required
from ..catalog.models import CONTENT_LANGUAGES, Lesson, Module
from ..catalog.rendering import render_markdown
from ..clock import now_utc
from ..extensions import db
from ..i18n import current_language
from . import services
from .forms import ERROR_MESSAGES, LessonEditForm, fields_from_form, fill_form
from .models import LessonDraft, LessonRevision

bp = Blueprint("authoring", __name__, url_prefix="/authoring", template_folder="templates")


@bp.get("/lessons")
@role_required("trainer")
def lessons():
    language = current_language()
    modules = db.session.scalars(select(Module).where(Module.retired_at.is_(None)).order_by(Module.position)).all()
    lessons = db.session.execute(select(Lesson.id, Lesson.module_id, Lesson.position, Lesson.version)
                                 .where(Lesson.retired_at.is_(None)).order_by(Lesson.position)).all()
    drafts = set(db.session.execute(select(LessonDraft.lesson_id, LessonDraft.language)).all())
    return render_template("authoring/lessons.html", modules=modules, lessons=lessons, drafts=drafts,
                           languages=CONTENT_LANGUAGES, language=language)


def _lesson_or_404(lesson_id: str, language: str) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or language not in CONTENT_LANGUAGES:
        abort(404)
    return lesson


def _editor(lesson, language, form, *, status=200, preview=None, conflict=None, is_draft=False):
    return render_template("authoring/edit.html", lesson=lesson, language=language, form=form, preview=preview,
                           conflict=conflict, is_draft=is_draft, languages=CONTENT_LANGUAGES), status


@bp.get("/lessons/<lesson_id>/<language>")
@role_required("trainer")
def edit(lesson_id: str, language: str):
    lesson = _lesson_or_404(lesson_id, language)
    services.ensure_baseline(lesson.id, language, now=now_utc())
    db.session.commit()
    fields, is_draft = services.current_fields(lesson.id, language)
    form = LessonEditForm()
    fill_form(form, fields, services.edit_token(lesson.id, language))
    return _editor(lesson, language, form, is_draft=is_draft)


@bp.post("/lessons/<lesson_id>/<language>")
@role_required("trainer")
def save(lesson_id: str, language: str):
    lesson = _lesson_or_404(lesson_id, language)
    form = LessonEditForm()
    if not form.validate_on_submit():
        return _editor(lesson, language, form, status=422)
    fields = fields_from_form(form)
    now = now_utc()
    if form.preview.data:
        # Rendered by the same sanitising renderer the learner's page uses; nothing is saved.
        return _editor(lesson, language, form, preview=render_markdown(fields.body_markdown).html)
    try:
        if form.publish.data:
            services.publish(lesson, language, fields, token=form.token.data, user_id=current_user.id, now=now)
            message = _("Published: learners now see this version.")
        else:
            services.save_draft(lesson, language, fields, token=form.token.data, user_id=current_user.id, now=now)
            message = _("Draft saved. Learners see it only after you publish.")
    except services.EditConflict as conflict:
        db.session.rollback()
        # The trainer's text stays in the form; the other save is shown next to it.
        return _editor(lesson, language, form, status=409, conflict=conflict)
    except services.LessonInvalid as invalid:
        db.session.rollback()
        for field, code in invalid.errors.items():
            getattr(form, field).errors.append(ERROR_MESSAGES[code])
        return _editor(lesson, language, form, status=422)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("authoring.edit", lesson_id=lesson.id, language=language))


@bp.get("/lessons/<lesson_id>/<language>/history")
@role_required("trainer")
def lesson_history(lesson_id: str, language: str):
    lesson = _lesson_or_404(lesson_id, language)
    return render_template("authoring/history.html", lesson=lesson, language=language,
                           revisions=services.history(lesson.id, language))


@bp.get("/revisions/<int:revision_id>")
@role_required("trainer")
def revision(revision_id: int):
    revision = db.get_or_404(LessonRevision, revision_id)
    return render_template("authoring/revision.html", revision=revision,
                           html=render_markdown(revision.body_markdown).html)


@bp.post("/revisions/<int:revision_id>/restore")
@role_required("trainer")
def restore(revision_id: int):
    revision = db.get_or_404(LessonRevision, revision_id)
    services.restore(revision, user_id=current_user.id, now=now_utc())
    db.session.commit()
    flash(_("The earlier version is now your draft. Publish it to make it current."), "success")
    return redirect(url_for("authoring.edit", lesson_id=revision.lesson_id, language=revision.language))
