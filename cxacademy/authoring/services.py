"""Authoring rules: drafts, publishing through the same checks and renderer as the files, history,
restore, and conflicts (two trainers, or a browser edit against a file import). Flush, never commit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..catalog.content import LessonFile, LessonTextFile, Problem
from ..catalog.models import CONTENT_LANGUAGES, Lesson, LessonText
from ..catalog.rendering import TOOL_PATHS, render_markdown
from ..extensions import db
from .models import LessonDraft, LessonRevision


class EditConflict(Exception):
    """Someone saved this lesson since the editor was opened."""

    def __init__(self, revision: LessonRevision | None, draft: LessonDraft | None):
        super().__init__("conflict")
        self.revision, self.draft = revision, draft


class LessonInvalid(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid")
        self.errors = errors


@dataclass
class LessonFields:
    title: str
    objectives: list[str]
    key_terms: list[dict]
    body_markdown: str


def latest_revision(lesson_id: str, language: str) -> LessonRevision | None:
    return db.session.scalars(select(LessonRevision).where(LessonRevision.lesson_id == lesson_id,
                                                           LessonRevision.language == language)
                              .order_by(LessonRevision.id.desc()).limit(1)).first()


def draft_of(lesson_id: str, language: str) -> LessonDraft | None:
    return db.session.scalar(select(LessonDraft).where(LessonDraft.lesson_id == lesson_id,
                                                       LessonDraft.language == language))


def ensure_baseline(lesson_id: str, language: str, *, now: datetime) -> LessonRevision | None:
    """Lessons imported before anyone edited them get their current text as revision one."""
    revision = latest_revision(lesson_id, language)
    if revision is not None:
        return revision
    text = db.session.scalar(select(LessonText).where(LessonText.lesson_id == lesson_id,
                                                      LessonText.language == language))
    if text is None:
        return None
    revision = LessonRevision(lesson_id=lesson_id, language=language, title=text.title, objectives=text.objectives,
                              key_terms=text.key_terms, body_markdown=text.body_markdown, source="import",
                              saved_at=now)
    db.session.add(revision)
    db.session.flush()
    return revision


def edit_token(lesson_id: str, language: str) -> str:
    """What the editor started from: the latest revision and draft. Saving against an older token is a conflict."""
    revision = latest_revision(lesson_id, language)
    draft = draft_of(lesson_id, language)
    return f"{revision.id if revision else 0}:{draft.id if draft else 0}:{draft.saved_at.timestamp() if draft else 0}"


def current_fields(lesson_id: str, language: str) -> tuple[LessonFields, bool]:
    """The text to edit (the draft if there is one) and whether it is a draft."""
    draft = draft_of(lesson_id, language)
    if draft is not None:
        return LessonFields(draft.title, draft.objectives, draft.key_terms, draft.body_markdown), True
    text = db.session.scalar(select(LessonText).where(LessonText.lesson_id == lesson_id,
                                                      LessonText.language == language))
    if text is None:
        return LessonFields("", [], [], ""), False
    return LessonFields(text.title, text.objectives, text.key_terms, text.body_markdown), False


def validate(fields: LessonFields, language: str) -> tuple[str, list]:
    """The checks `flask content check` applies to a lesson file, for one edited text.
    Returns the rendered HTML and table of contents."""
    errors: dict[str, str] = {}
    if not fields.title.strip():
        errors["title"] = "title_required"
    if not fields.objectives:
        errors["objectives"] = "objectives_required"
    for term in fields.key_terms:
        if not term.get("term") or not term.get("definition") or (language != "en" and not term.get("en")):
            errors["key_terms"] = "key_terms_format"
    if not fields.body_markdown.strip():
        errors["body_markdown"] = "body_required"
    rendered = render_markdown(fields.body_markdown)
    known = set(db.session.scalars(select(Lesson.id)))
    for kind, target, _line in rendered.internal_links:
        if (kind == "lesson" and target not in known) or (kind == "tool" and target not in TOOL_PATHS):
            errors["body_markdown"] = "broken_link"
    if errors:
        raise LessonInvalid(errors)
    return rendered.html, rendered.toc


def _check_token(lesson_id: str, language: str, token: str) -> None:
    if token != edit_token(lesson_id, language):
        raise EditConflict(latest_revision(lesson_id, language), draft_of(lesson_id, language))


def save_draft(lesson: Lesson, language: str, fields: LessonFields, *, token: str, user_id: int,
               now: datetime) -> LessonDraft:
    _check_token(lesson.id, language, token)
    draft = draft_of(lesson.id, language) or LessonDraft(lesson_id=lesson.id, language=language)
    draft.title, draft.objectives, draft.key_terms = fields.title.strip(), fields.objectives, fields.key_terms
    draft.body_markdown = fields.body_markdown
    revision = latest_revision(lesson.id, language)
    draft.base_revision_id = revision.id if revision else None
    draft.saved_by_id, draft.saved_at = user_id, now
    db.session.add(draft)
    db.session.flush()
    return draft


def publish(lesson: Lesson, language: str, fields: LessonFields, *, token: str, user_id: int,
            now: datetime) -> LessonRevision:
    """Render, store what learners read, record the revision, drop the draft, bump the version."""
    _check_token(lesson.id, language, token)
    html, toc = validate(fields, language)
    text = db.session.scalar(select(LessonText).where(LessonText.lesson_id == lesson.id,
                                                      LessonText.language == language))
    if text is None:
        text = LessonText(lesson_id=lesson.id, language=language)
        db.session.add(text)
    text.title, text.objectives, text.key_terms = fields.title.strip(), fields.objectives, fields.key_terms
    text.body_markdown, text.body_html, text.toc = fields.body_markdown, html, toc
    revision = LessonRevision(lesson_id=lesson.id, language=language, title=text.title, objectives=fields.objectives,
                              key_terms=fields.key_terms, body_markdown=fields.body_markdown, source="browser",
                              saved_by_id=user_id, saved_at=now)
    db.session.add(revision)
    draft = draft_of(lesson.id, language)
    if draft is not None:
        db.session.delete(draft)
    db.session.flush()
    lesson.version += 1
    if lesson.is_draft:
        # First publication of a lesson made in the browser: it joins the course once every
        # content language has its text; until then learners still do not see it.
        languages = set(db.session.scalars(select(LessonText.language).where(LessonText.lesson_id == lesson.id)))
        if languages >= set(CONTENT_LANGUAGES):
            lesson.is_draft, lesson.retired_at = False, None
    lesson.content_hash = database_hash(lesson)
    lesson.updated_at = now
    db.session.flush()
    return revision


def database_hash(lesson: Lesson) -> str:
    """The lesson's hash computed like the files' hash, so an import of identical files sees no change."""
    texts = db.session.scalars(select(LessonText).where(LessonText.lesson_id == lesson.id)).all()
    file = LessonFile(lesson.id, lesson.module_id, lesson.position, lesson.minutes,
                      {t.language: LessonTextFile(t.language, t.title, t.objectives, t.key_terms, t.body_markdown,
                                                  t.body_html, t.toc) for t in texts})
    return file.content_hash


def create_lesson(module_id: str, lesson_id: str, *, minutes: int, now: datetime) -> Lesson:
    """A new lesson at the end of a module, as an unpublished draft (learners cannot see it yet)."""
    import re

    errors = {}
    if not re.match(r"^[a-z0-9][a-z0-9-]{0,63}$", lesson_id or "") or db.session.get(Lesson, lesson_id) is not None:
        errors["lesson_id"] = "lesson_id_taken"
    if not 1 <= minutes <= 120:
        errors["minutes"] = "minutes_range"
    if errors:
        raise LessonInvalid(errors)
    last = db.session.scalar(select(func.max(Lesson.position)).where(Lesson.module_id == module_id)) or 0
    lesson = Lesson(id=lesson_id, module_id=module_id, position=last + 1, minutes=minutes, content_hash="",
                    version=0, retired_at=now, is_draft=True, updated_at=now)
    db.session.add(lesson)
    db.session.flush()
    return lesson


def history(lesson_id: str, language: str) -> list[LessonRevision]:
    return list(db.session.scalars(select(LessonRevision).where(LessonRevision.lesson_id == lesson_id,
                                                                LessonRevision.language == language)
                                   .order_by(LessonRevision.id.desc())))


def restore(revision: LessonRevision, *, user_id: int, now: datetime) -> LessonDraft:
    """Put an earlier revision into the draft; publishing it makes it current again (a new revision)."""
    fields = LessonFields(revision.title, revision.objectives, revision.key_terms, revision.body_markdown)
    return save_draft(db.session.get(Lesson, revision.lesson_id), revision.language, fields,
                      token=edit_token(revision.lesson_id, revision.language), user_id=user_id, now=now)


def browser_edit_conflicts(root, course) -> list[Problem]:
    """Lessons published in the browser whose files differ: importing would overwrite the edit."""
    from sqlalchemy.exc import SQLAlchemyError

    problems: list[Problem] = []
    try:
        edited = dict(db.session.execute(
            select(LessonRevision.lesson_id, LessonRevision.saved_at).where(LessonRevision.source == "browser")).all())
        hashes = dict(db.session.execute(select(Lesson.id, Lesson.content_hash)).all())
    except SQLAlchemyError:  # no database yet (checking files before the first upgrade)
        db.session.rollback()
        return problems
    in_files = {lesson.id for lesson in course.lessons}
    for lesson_id in sorted(set(edited) - in_files):
        problems.append(Problem("content/modules", 1, f"lesson {lesson_id!r} exists only in the browser "
                                "(published there, not in the files): export the course (flask content export) "
                                "into the files first, or the import would retire it"))
    for lesson in course.lessons:
        if lesson.id in edited and hashes.get(lesson.id) != lesson.content_hash:
            problems.append(Problem(f"content/modules/{lesson.module_id}/lessons/{lesson.position:02d}-{lesson.id}.*.md", 1,
                                    f"lesson {lesson.id!r} was edited in the browser ({edited[lesson.id]:%Y-%m-%d %H:%M} UTC) "
                                    "and the files differ: copy the edit (see its history in the authoring pages) into the files first, so it is not lost"))
    return problems


def no_import(course, *, now, on_item=None):
    from ..catalog.services import ImportReport

    return ImportReport()


MODULE_FIELDS = ("title_en", "title_tr", "summary_en", "summary_tr")


def save_module(module_id: str, *, position: int | None, area: str, competency: str | None, pass_mark: int,
                validity_months: int | None, titles: dict, summaries: dict, now: datetime, new: bool):
    """Create or edit a module with the checks module.yaml gets. Its content hash is recomputed like
    the files', so an export of the edit imports unchanged."""
    import re

    from ..catalog.content import ModuleFile
    from ..catalog.models import AREAS, COMPETENCIES, Module

    errors = {}
    module = db.session.get(Module, module_id)
    if new and (not re.match(r"^[a-z0-9][a-z0-9-]{0,63}$", module_id or "") or module is not None):
        errors["module_id"] = "lesson_id_taken"
    if area not in AREAS:
        errors["area"] = "unknown_area"
    if competency is not None and competency not in COMPETENCIES:
        errors["competency"] = "unknown_competency"
    if not 1 <= pass_mark <= 100:
        errors["pass_mark"] = "pass_mark_range"
    if validity_months is not None and not 1 <= validity_months <= 240:
        errors["validity"] = "validity_range"
    for language in CONTENT_LANGUAGES:
        if not (titles.get(language) or "").strip():
            errors[f"title_{language}"] = "title_required"
        if not (summaries.get(language) or "").strip():
            errors[f"summary_{language}"] = "body_required"
    if errors:
        raise LessonInvalid(errors)
    if module is None:
        last = db.session.scalar(select(func.max(Module.position))) or 0
        module = Module(id=module_id, position=position or last + 1, content_hash="", updated_at=now)
        db.session.add(module)
    module.area, module.competency, module.pass_mark = area, competency, pass_mark
    module.certificate_validity_months = validity_months
    module.titles = {k: v.strip() for k, v in titles.items()}
    module.summaries = {k: v.strip() for k, v in summaries.items()}
    module.updated_at = now
    module.content_hash = ModuleFile(module.id, module.position, area, competency, validity_months, pass_mark,
                                     module.titles, module.summaries).content_hash
    db.session.flush()
    return module
