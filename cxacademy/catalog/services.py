"""Catalog rules: importing the course files, reading lessons, recording and aggregating progress.

Plain functions over the session: they flush, never commit. Progress figures are aggregate
SQL queries whose count does not grow with the number of modules, lessons or learners.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from sqlalchemy import and_, case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from ..extensions import db
from .content import CourseFiles
from .models import Lesson, LessonProgress, LessonText, Module


# Import
@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    def merge(self, other: "ImportReport") -> None:
        for name in ("added", "changed", "unchanged", "retired"):
            getattr(self, name).extend(getattr(other, name))

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.retired)


def import_course(course: CourseFiles, *, now: datetime, on_item: Callable[[], None] | None = None) -> ImportReport:
    """Upsert modules and lessons by id; retire what the files no longer contain. Flushes only."""
    report = ImportReport()
    modules = {m.id: m for m in db.session.scalars(select(Module))}
    lessons = {l.id: l for l in db.session.scalars(select(Lesson))}
    texts = {(t.lesson_id, t.language): t for t in db.session.scalars(select(LessonText))}

    for module_file in course.modules:
        module = modules.get(module_file.id)
        fields = dict(position=module_file.position, area=module_file.area, competency=module_file.competency,
                      certificate_validity_months=module_file.certificate_validity_months,
                      pass_mark=module_file.pass_mark, titles=module_file.titles, summaries=module_file.summaries,
                      content_hash=module_file.content_hash)
        label = f"module {module_file.id}"
        if module is None:
            db.session.add(Module(id=module_file.id, updated_at=now, **fields))
            report.added.append(label)
        elif module.content_hash != module_file.content_hash or module.retired_at is not None:
            for key, value in fields.items():
                setattr(module, key, value)
            module.retired_at, module.updated_at = None, now
            report.changed.append(label)
        else:
            report.unchanged.append(label)
        if on_item:
            on_item()
    db.session.flush()

    for lesson_file in course.lessons:
        lesson = lessons.get(lesson_file.id)
        digest = lesson_file.content_hash
        label = f"lesson {lesson_file.id}"
        if lesson is None:
            lesson = Lesson(id=lesson_file.id, module_id=lesson_file.module_id, position=lesson_file.position,
                            minutes=lesson_file.minutes, content_hash=digest, version=1, updated_at=now)
            db.session.add(lesson)
            report.added.append(label)
        elif lesson.content_hash != digest or lesson.retired_at is not None:
            lesson.module_id, lesson.position, lesson.minutes = lesson_file.module_id, lesson_file.position, lesson_file.minutes
            if lesson.content_hash != digest:
                lesson.version += 1
            lesson.content_hash, lesson.retired_at, lesson.updated_at = digest, None, now
            report.changed.append(label)
        else:
            report.unchanged.append(label)
            if on_item:
                on_item()
            continue
        for language, text_file in lesson_file.texts.items():
            text = texts.get((lesson_file.id, language))
            if text is None:
                text = LessonText(lesson_id=lesson_file.id, language=language)
                db.session.add(text)
            text.title, text.objectives, text.key_terms = text_file.title, text_file.objectives, text_file.key_terms
            text.body_markdown, text.body_html, text.toc = text_file.body_markdown, text_file.body_html, text_file.toc
        if on_item:
            on_item()

    present_modules = {m.id for m in course.modules}
    present_lessons = {l.id for l in course.lessons}
    for lesson in lessons.values():
        if lesson.id not in present_lessons and lesson.retired_at is None:
            lesson.retired_at = now
            report.retired.append(f"lesson {lesson.id}")
    for module in modules.values():
        if module.id not in present_modules and module.retired_at is None:
            module.retired_at = now
            report.retired.append(f"module {module.id}")
    db.session.flush()
    return report


# Reading lessons
def _title_columns(language: str):
    """Outer-joined lesson texts in the learner's language and in English, for a fallback title."""
    local = aliased(LessonText)
    english = aliased(LessonText)
    title = func.coalesce(local.title, english.title)
    joins = [
        (local, and_(local.lesson_id == Lesson.id, local.language == language)),
        (english, and_(english.lesson_id == Lesson.id, english.language == "en")),
    ]
    return title, joins


def _with_titles(query, language: str):
    title, joins = _title_columns(language)
    query = query.add_columns(title.label("title"))
    for target, on in joins:
        query = query.outerjoin(target, on)
    return query


def visible_lesson(lesson_id: str, user_id: int) -> Lesson | None:
    """A lesson the learner may open: active, or retired but already in their history."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        return None
    if lesson.retired_at is not None:
        seen = db.session.scalar(select(LessonProgress.id).where(LessonProgress.user_id == user_id,
                                                                 LessonProgress.lesson_id == lesson_id))
        if seen is None:
            return None
    return lesson


def lesson_text(lesson_id: str, language: str) -> tuple[LessonText, bool]:
    """The lesson's text in `language`, else English; the flag says whether it fell back."""
    rows = {t.language: t for t in db.session.scalars(
        select(LessonText).where(LessonText.lesson_id == lesson_id, LessonText.language.in_({language, "en"})))}
    if language in rows:
        return rows[language], False
    return rows["en"], language != "en"


def module_lessons(module_id: str, user_id: int, language: str) -> list:
    """Active lessons of a module in order, with title, minutes and the learner's completion time."""
    query = (select(Lesson.id, Lesson.position, Lesson.minutes, LessonProgress.completed_at)
             .outerjoin(LessonProgress, and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id))
             .where(Lesson.module_id == module_id, Lesson.retired_at.is_(None))
             .order_by(Lesson.position))
    return db.session.execute(_with_titles(query, language)).all()


def lesson_neighbours(lesson: Lesson, language: str) -> tuple:
    """(previous, next) active lessons in course order, each (id, title) or None."""
    ordered = (select(Lesson.id, Module.position.label("module_position"), Lesson.position)
               .join(Module, Module.id == Lesson.module_id)
               .where(Lesson.retired_at.is_(None), Module.retired_at.is_(None)))
    here = (db.session.get(Module, lesson.module_id).position, lesson.position)
    key = (Module.position, Lesson.position)
    before = _with_titles(ordered.where(
        (Module.position < here[0]) | ((Module.position == here[0]) & (Lesson.position < here[1]))
    ).order_by(key[0].desc(), key[1].desc()).limit(1), language)
    after = _with_titles(ordered.where(
        (Module.position > here[0]) | ((Module.position == here[0]) & (Lesson.position > here[1]))
    ).order_by(key[0], key[1]).limit(1), language)
    return db.session.execute(before).first(), db.session.execute(after).first()


# Recording progress
def _insert(model):
    return (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(model)


def record_view(user_id: int, lesson_id: str, *, now: datetime) -> None:
    """Note that the learner opened the lesson (for "continue where you left off")."""
    statement = _insert(LessonProgress).values(user_id=user_id, lesson_id=lesson_id, first_viewed_at=now,
                                               last_viewed_at=now)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["user_id", "lesson_id"], set_={"last_viewed_at": now}))


class LessonRetired(Exception):
    """The lesson is retired: it can be read from history but not completed."""


def complete_lesson(user_id: int, lesson: Lesson, *, now: datetime) -> bool:
    """Mark the lesson complete. Idempotent and safe under double clicks: the first completion
    time is kept. Returns True when this call completed it."""
    if lesson.retired_at is not None:
        raise LessonRetired(lesson.id)
    statement = _insert(LessonProgress).values(user_id=user_id, lesson_id=lesson.id, first_viewed_at=now,
                                               last_viewed_at=now, completed_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=["user_id", "lesson_id"],
        set_={"completed_at": func.coalesce(LessonProgress.completed_at, statement.excluded.completed_at),
              "last_viewed_at": now},
    ).returning(LessonProgress.completed_at)
    completed_at = db.session.execute(statement).scalar_one()
    return completed_at == now


# Progress aggregates: one statement each, whatever the size of the course or the user base.
def module_progress(user_id: int) -> list:
    """Per active module: id, position, titles, area, competency, lessons, completed, minutes."""
    done = and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id,
                LessonProgress.completed_at.is_not(None))
    query = (select(Module.id, Module.position, Module.titles, Module.summaries, Module.area, Module.competency,
                    func.count(Lesson.id).label("lessons"),
                    func.count(LessonProgress.id).label("completed"),
                    func.coalesce(func.sum(Lesson.minutes), 0).label("minutes"))
             .outerjoin(Lesson, and_(Lesson.module_id == Module.id, Lesson.retired_at.is_(None)))
             .outerjoin(LessonProgress, done)
             .where(Module.retired_at.is_(None))
             # Grouping by the primary key is enough: the other columns depend on it (and PostgreSQL
             # cannot group by JSON columns).
             .group_by(Module.id)
             .order_by(Module.position))
    return db.session.execute(query).all()


def overall_progress(user_id: int) -> tuple[int, int]:
    """(completed, total) active lessons."""
    query = (select(func.count(Lesson.id), func.count(LessonProgress.id))
             .join(Module, and_(Module.id == Lesson.module_id, Module.retired_at.is_(None)))
             .outerjoin(LessonProgress, and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id,
                                             LessonProgress.completed_at.is_not(None)))
             .where(Lesson.retired_at.is_(None)))
    total, completed = db.session.execute(query).one()
    return completed, total


def competency_progress(user_id: int) -> list:
    """Per exam competency taught by some module: (competency, lessons, completed)."""
    query = (select(Module.competency, func.count(Lesson.id).label("lessons"),
                    func.count(LessonProgress.id).label("completed"))
             .join(Lesson, and_(Lesson.module_id == Module.id, Lesson.retired_at.is_(None)))
             .outerjoin(LessonProgress, and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id,
                                             LessonProgress.completed_at.is_not(None)))
             .where(Module.retired_at.is_(None), Module.competency.is_not(None))
             .group_by(Module.competency)
             .order_by(Module.competency))
    return db.session.execute(query).all()


def continue_lesson(user_id: int, language: str):
    """Where to continue: the most recently opened unfinished lesson, else the first unfinished one
    in course order, else None (everything done). Returns (id, title, module_id) or None."""
    recent = _with_titles(
        select(Lesson.id, Lesson.module_id)
        .join(LessonProgress, and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id))
        .where(LessonProgress.completed_at.is_(None), Lesson.retired_at.is_(None))
        .order_by(LessonProgress.last_viewed_at.desc()).limit(1), language)
    row = db.session.execute(recent).first()
    if row is not None:
        return row
    first_open = _with_titles(
        select(Lesson.id, Lesson.module_id)
        .join(Module, and_(Module.id == Lesson.module_id, Module.retired_at.is_(None)))
        .outerjoin(LessonProgress, and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id))
        .where(Lesson.retired_at.is_(None), LessonProgress.completed_at.is_(None))
        .order_by(Module.position, Lesson.position).limit(1), language)
    return db.session.execute(first_open).first()


def recent_activity(user_id: int, language: str, limit: int = 5) -> list:
    """The learner's latest lesson activity: (id, title, last_viewed_at, completed_at)."""
    query = _with_titles(
        select(Lesson.id, LessonProgress.last_viewed_at, LessonProgress.completed_at)
        .join(LessonProgress, and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id))
        .order_by(LessonProgress.last_viewed_at.desc()).limit(limit), language)
    return db.session.execute(query).all()


def glossary(language: str) -> list[dict]:
    """Every key term of the active lessons in `language` (English where a lesson lacks it), sorted."""
    local = aliased(LessonText)
    english = aliased(LessonText)
    rows = db.session.execute(
        select(Lesson.id, local.title, local.key_terms, english.title, english.key_terms)
        .join(Module, and_(Module.id == Lesson.module_id, Module.retired_at.is_(None)))
        .outerjoin(local, and_(local.lesson_id == Lesson.id, local.language == language))
        .outerjoin(english, and_(english.lesson_id == Lesson.id, english.language == "en"))
        .where(Lesson.retired_at.is_(None))).all()
    entries = {}
    for lesson_id, local_title, local_terms, en_title, en_terms in rows:
        for term in (local_terms if local_terms is not None else en_terms) or []:
            key = term["term"].casefold()
            entries.setdefault(key, {**term, "lesson_id": lesson_id, "lesson_title": local_title or en_title})
    return sorted(entries.values(), key=lambda t: t["term"].casefold())


def completion_time(user_id: int, lesson_id: str):
    """A statement for when the learner completed the lesson (None if not yet)."""
    return select(LessonProgress.completed_at).where(LessonProgress.user_id == user_id,
                                                     LessonProgress.lesson_id == lesson_id)


def has_questions(*, module_id: str | None = None, lesson_id: str | None = None) -> bool:
    """Whether a quiz can be drawn for this module or lesson (any active question)."""
    from ..assessment.models import Question  # catalog does not depend on assessment at import time

    query = select(Question.id).where(Question.retired_at.is_(None))
    if module_id:
        query = query.where(Question.module_id == module_id)
    if lesson_id:
        query = query.where(Question.lesson_id == lesson_id)
    return db.session.scalar(query.limit(1)) is not None
