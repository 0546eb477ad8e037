"""Authoring views for trainers: lesson list, editor with preview, drafts, publishing, history, restore."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
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
from .forms import ERROR_MESSAGES, LessonEditForm, QuestionCsrfForm, fields_from_form, fill_form
from .models import LessonDraft, LessonRevision

bp = Blueprint("authoring", __name__, url_prefix="/authoring", template_folder="templates")


@bp.get("/lessons")
@role_required("trainer")
def lessons():
    return lessons_page()


def lessons_page(status: int = 200):
    language = current_language()
    modules = db.session.scalars(select(Module).where(Module.retired_at.is_(None)).order_by(Module.position)).all()
    lessons = db.session.execute(select(Lesson.id, Lesson.module_id, Lesson.position, Lesson.version, Lesson.is_draft)
                                 .where((Lesson.retired_at.is_(None)) | Lesson.is_draft.is_(True))
                                 .order_by(Lesson.position)).all()
    drafts = set(db.session.execute(select(LessonDraft.lesson_id, LessonDraft.language)).all())
    return render_template("authoring/lessons.html", modules=modules, lessons=lessons, drafts=drafts,
                           languages=CONTENT_LANGUAGES, language=language, form=QuestionCsrfForm()), status


def _lesson_or_404(lesson_id: str, language: str) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or language not in CONTENT_LANGUAGES:
        abort(404)
    return lesson


def _editor(lesson, language, form, *, status=200, preview=None, conflict=None, is_draft=False):
    return render_template("authoring/edit.html", lesson=lesson, language=language, form=form, preview=preview,
                           conflict=conflict, is_draft=is_draft, languages=CONTENT_LANGUAGES), status


def _module_page(module, *, new: bool, errors=None, values=None, status=200):
    from ..catalog.models import AREAS, COMPETENCIES

    return render_template("authoring/module.html", module=module, new=new, errors=errors or {}, values=values or {},
                           areas=AREAS, competencies=COMPETENCIES, languages=CONTENT_LANGUAGES,
                           messages=ERROR_MESSAGES, form=QuestionCsrfForm()), status


def _int_or_none(raw):
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return -1  # out of every range: reported at the field


@bp.route("/modules/new", methods=["GET", "POST"])
@bp.route("/modules/<module_id>", methods=["GET", "POST"])
@role_required("trainer")
def module_edit(module_id: str | None = None):
    module = db.get_or_404(Module, module_id) if module_id else None
    if request.method == "GET":
        return _module_page(module, new=module is None)
    if not QuestionCsrfForm().validate_on_submit():
        abort(400)
    form = request.form
    try:
        saved = services.save_module(
            module.id if module else form.get("module_id", "").strip(), position=None, area=form.get("area", ""),
            competency=form.get("competency") or None, pass_mark=_int_or_none(form.get("pass_mark")) or 0,
            validity_months=_int_or_none(form.get("validity")),
            titles={lang: form.get(f"title_{lang}", "") for lang in CONTENT_LANGUAGES},
            summaries={lang: form.get(f"summary_{lang}", "") for lang in CONTENT_LANGUAGES},
            now=now_utc(), new=module is None)
    except services.LessonInvalid as invalid:
        db.session.rollback()
        return _module_page(module, new=module is None, errors=invalid.errors, values=form, status=422)
    db.session.commit()
    flash(_("Module saved."), "success")
    return redirect(url_for("authoring.module_edit", module_id=saved.id))


@bp.post("/lessons/new")
@role_required("trainer")
def lesson_new():
    if not QuestionCsrfForm().validate_on_submit():
        abort(400)
    module = db.get_or_404(Module, request.form.get("module", ""))
    try:
        minutes = int(request.form.get("minutes", "0"))
    except ValueError:
        minutes = 0
    try:
        lesson = services.create_lesson(module.id, request.form.get("lesson_id", "").strip(), minutes=minutes,
                                        now=now_utc())
    except services.LessonInvalid as invalid:
        db.session.rollback()
        for code in invalid.errors.values():
            flash(ERROR_MESSAGES[code], "error")
        return lessons_page(status=422)
    db.session.commit()
    flash(_("Lesson created as a draft: write it in English and Turkish and publish both; learners see it after that."),
          "success")
    return redirect(url_for("authoring.edit", lesson_id=lesson.id, language="en"))


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


@bp.post("/preview")
@role_required("trainer")
def preview():
    """Markdown to sanitised HTML for the live preview (CSRF checked on the X-CSRFToken header)."""
    from flask import jsonify

    payload = request.get_json(silent=True)
    markdown = payload.get("markdown", "") if isinstance(payload, dict) else None
    if not isinstance(markdown, str):
        abort(400)
    return jsonify({"html": render_markdown(markdown[:200_000]).html})


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


# Questions
from ..assessment.models import DIMENSIONS, Question  # noqa: E402
from ..assessment.question_types import QUESTION_TYPES  # noqa: E402
from ..catalog.models import COMPETENCIES  # noqa: E402
from . import questions as question_services  # noqa: E402
from .forms import QUESTION_ERRORS  # noqa: E402


@bp.get("/questions")
@role_required("trainer")
def question_list():
    language = current_language()
    modules = db.session.scalars(select(Module).where(Module.retired_at.is_(None)).order_by(Module.position)).all()
    module_id = request.args.get("module") or (modules[0].id if modules else None)
    rows = db.session.execute(select(Question.id, Question.type, Question.competency, Question.difficulty,
                                     Question.retired_at)
                              .where(Question.module_id == module_id).order_by(Question.id)).all()
    return render_template("authoring/questions.html", modules=modules, module_id=module_id, rows=rows,
                           language=language)


def _draft_from_request(module_id: str, question_id: str):
    form = request.form
    qtype = form.get("type", "single")
    if qtype == "true_false":
        option_ids = ["true", "false"]
    else:
        option_ids = [slot for slot in question_services.OPTION_SLOTS
                      if any(form.get(f"option_{slot}_{lang}", "").strip() for lang in CONTENT_LANGUAGES)]
    correct = [o for o in option_ids if form.get(f"correct_{o}")]
    texts = {}
    for lang in CONTENT_LANGUAGES:
        texts[lang] = {"stem": form.get(f"stem_{lang}", "").strip(), "explanation": form.get(f"explanation_{lang}", "").strip(),
                       "options": {o: {"text": form.get(f"option_{o}_{lang}", "").strip(),
                                       "rationale": form.get(f"rationale_{o}_{lang}", "").strip()} for o in option_ids}}
    try:
        difficulty = int(form.get("difficulty", "0"))
    except ValueError:
        difficulty = 0
    return question_services.QuestionDraft(
        id=question_id, module_id=module_id, lesson_id=form.get("lesson", ""), type=qtype,
        competency=form.get("competency", ""), dimension=form.get("dimension") or None, difficulty=difficulty,
        scenario=bool(form.get("scenario")), option_ids=option_ids, correct=correct, texts=texts)


def _question_editor(draft, *, new: bool, errors=None, status=200):
    lessons = db.session.execute(select(Lesson.id).where(Lesson.module_id == draft.module_id,
                                                         Lesson.retired_at.is_(None)).order_by(Lesson.position)).scalars().all()
    slots = ["true", "false"] if draft.type == "true_false" else list(question_services.OPTION_SLOTS)
    return render_template("authoring/question_edit.html", draft=draft, new=new, errors=errors or {},
                           messages=QUESTION_ERRORS, lessons=lessons, slots=slots, types=QUESTION_TYPES,
                           competencies=COMPETENCIES, dimensions=DIMENSIONS, languages=CONTENT_LANGUAGES,
                           form=QuestionCsrfForm()), status


@bp.route("/questions/new/<module_id>", methods=["GET", "POST"])
@role_required("trainer")
def question_new(module_id: str):
    module = db.get_or_404(Module, module_id)
    if request.method == "GET":
        empty = question_services.QuestionDraft("", module.id, "", "single", "insights", None, 2, False, [], [],
                                                {lang: {"stem": "", "explanation": "", "options": {}} for lang in CONTENT_LANGUAGES})
        return _question_editor(empty, new=True)
    draft = _draft_from_request(module.id, request.form.get("id", "").strip())
    return _save_question(draft, new=True)


@bp.route("/questions/<question_id>/edit", methods=["GET", "POST"])
@role_required("trainer")
def question_edit(question_id: str):
    question = db.get_or_404(Question, question_id)
    if request.method == "GET":
        return _question_editor(question_services.draft_from_question(question), new=False)
    return _save_question(_draft_from_request(question.module_id, question.id), new=False)


def _save_question(draft, *, new: bool):
    try:
        version = question_services.save_question(draft, new=new, now=now_utc())
    except question_services.QuestionInvalid as invalid:
        db.session.rollback()
        return _question_editor(draft, new=new, errors=invalid.errors, status=422)
    db.session.commit()
    if version is None:
        flash(_("No changes to save."), "info")
    else:
        flash(_("Saved as version %(n)d. Earlier attempts keep the version they showed.", n=version.version), "success")
    return redirect(url_for("authoring.question_edit", question_id=draft.id))


@bp.get("/export.zip")
@role_required("trainer")
def export():
    """The whole course, or one module (?module=id), as a zip in the content/ format."""
    from flask import Response

    from .export import ExportError, export_course, export_zip

    module_id = request.args.get("module")
    try:
        files = export_course([module_id] if module_id else None)
    except ExportError:
        abort(404)
    name = f"cxacademy-{module_id or 'course'}-{now_utc():%Y%m%d}.zip"
    return Response(export_zip(files), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# Question import (GIFT, Moodle XML, Aiken, CSV) with a preview, and export (GIFT, Moodle XML)
import base64  # noqa: E402
import binascii  # noqa: E402

IMPORT_FORMATS = {"gift": "GIFT", "moodle_xml": "Moodle XML", "aiken": "Aiken", "csv": "CSV"}


def _import_page(status=200, **context):
    language = current_language()
    modules = db.session.scalars(select(Module).where(Module.retired_at.is_(None)).order_by(Module.position)).all()
    lessons = db.session.execute(select(Lesson.id, Lesson.module_id).where(Lesson.retired_at.is_(None))
                                 .order_by(Lesson.module_id, Lesson.position)).all()
    return render_template("authoring/import.html", modules=modules, lessons=lessons, formats=IMPORT_FORMATS,
                           competencies=COMPETENCIES, languages=CONTENT_LANGUAGES, language=language,
                           form=QuestionCsrfForm(), **context), status


def _import_choices():
    form = request.form
    module = db.session.get(Module, form.get("module", ""))
    lesson = db.session.get(Lesson, form.get("lesson", ""))
    errors = {}
    if module is None:
        errors["module"] = _("Choose a module.")
    if lesson is None or (module is not None and lesson.module_id != module.id):
        errors["lesson"] = _("Choose a lesson of the chosen module.")
    if form.get("format") not in IMPORT_FORMATS:
        errors["format"] = _("Choose a file format.")
    if form.get("competency") not in COMPETENCIES:
        errors["competency"] = _("Choose a competency.")
    if form.get("language") not in CONTENT_LANGUAGES:
        errors["language"] = _("Choose the language of the file.")
    return errors


@bp.get("/questions/import")
@role_required("trainer")
def question_import():
    return _import_page()


@bp.post("/questions/import")
@role_required("trainer")
def question_import_preview():
    from . import formats, importing

    if not QuestionCsrfForm().validate_on_submit():
        abort(400)
    errors = _import_choices()
    upload = request.files.get("file")
    data = b""
    if request.form.get("payload"):
        try:
            data = base64.b64decode(request.form["payload"], validate=True)
        except (binascii.Error, ValueError):
            abort(400)
    elif upload is None or not upload.filename:
        errors["file"] = _("Choose a file to import.")
    else:
        data = upload.read(formats.MAX_BYTES + 1 if hasattr(formats, "MAX_BYTES") else 1024 * 1024 + 1)
        upload.close()
    if errors:
        return _import_page(422, errors=errors, chosen=request.form)
    try:
        result = importing.parse_upload(request.form["format"], data)
    except formats.FormatError as error:
        message = {"not_text": _("This is not a text file. Export the questions from Moodle as a text or XML file."),
                   "too_large": _("The file is larger than 1 MB.")}.get(error.args[0], str(error))
        return _import_page(422, errors={"file": message}, chosen=request.form)
    if request.form.get("confirm") != "yes":
        return _import_page(200, preview=result, chosen=request.form, payload=base64.b64encode(data).decode())
    outcome = importing.import_questions(result, module_id=request.form["module"], lesson_id=request.form["lesson"],
                                         competency=request.form["competency"], language=request.form["language"],
                                         now=now_utc())
    db.session.commit()
    flash(_("%(count)d question(s) created; set their competency, difficulty and translation in the editor.",
            count=len(outcome.created)), "success")
    return _import_page(200, outcome=outcome, chosen=request.form)


@bp.get("/questions/export/<module_id>.<kind>")
@role_required("trainer")
def question_export(module_id: str, kind: str):
    from flask import Response

    from . import formats, importing

    db.get_or_404(Module, module_id)
    questions = importing.module_questions_for_export(module_id, request.args.get("language", "en"))
    if kind == "gift":
        return Response(formats.export_gift(questions), content_type="text/plain; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{module_id}.gift.txt"'})
    if kind == "xml":
        return Response(formats.export_moodle_xml(questions), content_type="application/xml; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{module_id}.moodle.xml"'})
    abort(404)
