"""Catalog rules: importing the course files, reading lessons, recording and aggregating progress.

Plain functions over the session: they flush, never commit. Progress figures are aggregate
SQL queries whose count does not grow with the number of modules, lessons or learners.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Callable, NamedTuple

from sqlalchemy import and_, bindparam, case, func, or_, select
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
# Lesson texts joined under other names: the learner's language and English (a title with its
# fallback), and the one text a lesson page shows. Made once: building an alias copies every column
# of the table, which cost about half a millisecond in every query that made its own.
_LOCAL_TEXT = aliased(LessonText, name="local_text")
_ENGLISH_TEXT = aliased(LessonText, name="english_text")
_PAGE_TEXT = aliased(LessonText, name="page_text")


def _with_titles(query, language: str):
    """The query with a `title` column: the lesson's title in `language`, else in English."""
    return (query.add_columns(func.coalesce(_LOCAL_TEXT.title, _ENGLISH_TEXT.title).label("title"))
            .outerjoin(_LOCAL_TEXT, and_(_LOCAL_TEXT.lesson_id == Lesson.id, _LOCAL_TEXT.language == language))
            .outerjoin(_ENGLISH_TEXT, and_(_ENGLISH_TEXT.lesson_id == Lesson.id, _ENGLISH_TEXT.language == "en")))


def _may_open(retired_at: datetime | None, seen: bool) -> bool:
    """A learner may open a lesson that is active, or retired but already in their history."""
    return retired_at is None or seen


def visible_lesson(lesson_id: str, user_id: int) -> Lesson | None:
    """The lesson, if the learner may open it (see _may_open)."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None:
        return None
    if lesson.retired_at is not None:
        seen = db.session.scalar(select(LessonProgress.id).where(LessonProgress.user_id == user_id,
                                                                 LessonProgress.lesson_id == lesson_id))
        if not _may_open(lesson.retired_at, seen is not None):
            return None
    return lesson


class LessonLink(NamedTuple):
    id: str
    title: str


@dataclass(frozen=True)
class LessonPage:
    """Everything the lesson page shows but the learner's completion."""

    id: str
    module_id: str
    module_titles: dict
    minutes: int
    retired_at: datetime | None
    language: str  # of the text shown
    fell_back: bool  # no text in the learner's language, so the English one
    title: str
    objectives: list
    key_terms: list
    toc: list
    body_html: str
    previous: LessonLink | None  # the lesson before it in course order
    following: LessonLink | None
    has_questions: bool

    def module_title(self, language: str) -> str:
        return self.module_titles.get(language) or self.module_titles["en"]


def _course_order():
    """Active lessons in course order, each with the id and title of the lessons before and after it,
    titles in :language (else English). :lesson_id takes its place among them even when retired, so
    a lesson read from history has neighbours too."""
    title = func.coalesce(_LOCAL_TEXT.title, _ENGLISH_TEXT.title)
    order = (Module.position, Lesson.position, Lesson.id)
    return (select(Lesson.id,
                   func.lag(Lesson.id).over(order_by=order).label("previous_id"),
                   func.lag(title).over(order_by=order).label("previous_title"),
                   func.lead(Lesson.id).over(order_by=order).label("next_id"),
                   func.lead(title).over(order_by=order).label("next_title"))
            .join(Module, Module.id == Lesson.module_id)
            .outerjoin(_LOCAL_TEXT, and_(_LOCAL_TEXT.lesson_id == Lesson.id,
                                         _LOCAL_TEXT.language == bindparam("language")))
            .outerjoin(_ENGLISH_TEXT, and_(_ENGLISH_TEXT.lesson_id == Lesson.id, _ENGLISH_TEXT.language == "en"))
            .where(or_(and_(Lesson.retired_at.is_(None), Module.retired_at.is_(None)),
                       Lesson.id == bindparam("lesson_id")))
            .subquery("course_order"))


@cache
def _lesson_page_statement():
    # Built once, with bound parameters: building this statement took longer than running it.
    from ..assessment.models import Question  # catalog does not depend on assessment at import time

    order, text, language = _course_order(), _PAGE_TEXT, bindparam("language")
    return (select(Lesson.id, Lesson.module_id, Module.titles, Lesson.minutes, Lesson.retired_at, text.language,
                   text.title, text.objectives, text.key_terms, text.toc, text.body_html, order.c.previous_id,
                   order.c.previous_title, order.c.next_id, order.c.next_title,
                   select(Question.id).where(Question.lesson_id == Lesson.id, Question.retired_at.is_(None))
                   .exists().label("has_questions"),
                   select(LessonProgress.id).where(LessonProgress.lesson_id == Lesson.id,
                                                   LessonProgress.user_id == bindparam("user_id"))
                   .exists().label("seen"))
            .join(Module, Module.id == Lesson.module_id)
            .join(text, and_(text.lesson_id == Lesson.id, or_(text.language == language, text.language == "en")))
            .join(order, order.c.id == Lesson.id)
            .where(Lesson.id == bindparam("lesson_id"))
            .order_by(case((text.language == language, 0), else_=1)).limit(1))


def lesson_page(lesson_id: str, user_id: int, language: str) -> LessonPage | None:
    """The lesson as its page shows it, if the learner may open it (see _may_open): its text in
    `language` (else English), its module's titles, its neighbours, whether it has a quiz.
    One statement and no ORM entities: this is the page learners read most."""
    row = db.session.execute(_lesson_page_statement(),
                             {"lesson_id": lesson_id, "user_id": user_id, "language": language}).first()
    if row is None or not _may_open(row.retired_at, row.seen):
        return None
    return LessonPage(id=row.id, module_id=row.module_id, module_titles=row.titles, minutes=row.minutes,
                      retired_at=row.retired_at, language=row.language, fell_back=row.language != language,
                      title=row.title, objectives=row.objectives, key_terms=row.key_terms, toc=row.toc,
                      body_html=row.body_html,
                      previous=LessonLink(row.previous_id, row.previous_title) if row.previous_id else None,
                      following=LessonLink(row.next_id, row.next_title) if row.next_id else None,
                      has_questions=row.has_questions)


def module_lessons(module_id: str, user_id: int, language: str) -> list:
    """Active lessons of a module in order, with title, minutes and the learner's completion time."""
    query = (select(Lesson.id, Lesson.position, Lesson.minutes, LessonProgress.completed_at)
             .outerjoin(LessonProgress, and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id))
             .where(Lesson.module_id == module_id, Lesson.retired_at.is_(None))
             .order_by(Lesson.position))
    return db.session.execute(_with_titles(query, language)).all()


def lesson_neighbours(lesson_id: str, language: str) -> tuple[LessonLink | None, LessonLink | None]:
    """(previous, next) active lessons in course order, each None at an end."""
    order = _course_order()
    row = db.session.execute(select(order).where(order.c.id == bindparam("lesson_id")),
                             {"lesson_id": lesson_id, "language": language}).first()
    if row is None:
        return None, None
    return (LessonLink(row.previous_id, row.previous_title) if row.previous_id else None,
            LessonLink(row.next_id, row.next_title) if row.next_id else None)


# Recording progress
def _insert(model):
    return (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(model)


@cache
def _record_view_statement(dialect: str):
    # On the table, not the entity: the session then runs it as plain SQL, without the ORM's
    # bulk-insert bookkeeping (half the statement's time).
    progress, now = LessonProgress.__table__, bindparam("now")
    insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(progress).values(
        user_id=bindparam("user_id"), lesson_id=bindparam("lesson_id"), first_viewed_at=now, last_viewed_at=now)
    return (insert.on_conflict_do_update(index_elements=["user_id", "lesson_id"], set_={"last_viewed_at": now})
            .returning(progress.c.completed_at))


def record_view(user_id: int, lesson_id: str, *, now: datetime) -> datetime | None:
    """Note that the learner opened the lesson (for "continue where you left off"). Returns when they
    completed it (None if not yet), which the page shows: one statement for both."""
    return db.session.execute(_record_view_statement(db.engine.dialect.name),
                              {"user_id": user_id, "lesson_id": lesson_id, "now": now}).scalar_one()


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
# Statements on the dashboard and the catalogue are built once, with bound parameters (functools.cache):
# building one took about a third of the time of running it.
@cache
def _module_progress_statement():
    # On the tables, not the entities: plain rows, without the ORM's per-execution work (a quarter
    # of this statement's time; it is on the dashboard and the catalogue).
    modules, lessons, progress = Module.__table__.c, Lesson.__table__.c, LessonProgress.__table__.c
    done = and_(progress.lesson_id == lessons.id, progress.user_id == bindparam("user_id"),
                progress.completed_at.is_not(None))
    return (select(modules.id, modules.position, modules.titles, modules.summaries, modules.area, modules.competency,
                   func.count(lessons.id).label("lessons"),
                   func.count(progress.id).label("completed"),
                   func.coalesce(func.sum(lessons.minutes), 0).label("minutes"))
            .select_from(Module.__table__)
            .outerjoin(Lesson.__table__, and_(lessons.module_id == modules.id, lessons.retired_at.is_(None)))
            .outerjoin(LessonProgress.__table__, done)
            .where(modules.retired_at.is_(None))
            # Grouping by the primary key is enough: the other columns depend on it (and PostgreSQL
            # cannot group by JSON columns).
            .group_by(modules.id)
            .order_by(modules.position))


def module_progress(user_id: int) -> list:
    """Per active module: id, position, titles, area, competency, lessons, completed, minutes."""
    return db.session.execute(_module_progress_statement(), {"user_id": user_id}).all()


def overall_progress(modules: list) -> tuple[int, int]:
    """(completed, total) active lessons, summed from module_progress's rows."""
    return sum(m.completed for m in modules), sum(m.lessons for m in modules)


class CompetencyProgress(NamedTuple):
    competency: str
    lessons: int
    completed: int


def competency_progress(modules: list) -> list[CompetencyProgress]:
    """Per exam competency taught by some module's active lessons, summed from module_progress's rows."""
    totals: dict[str, list[int]] = {}
    for m in modules:
        if m.competency is not None and m.lessons:
            counts = totals.setdefault(m.competency, [0, 0])
            counts[0] += m.lessons
            counts[1] += m.completed
    return [CompetencyProgress(code, lessons, completed) for code, (lessons, completed) in sorted(totals.items())]


@cache
def _continue_statements():
    user_id, language = bindparam("user_id"), bindparam("language")
    recent = _with_titles(
        select(Lesson.id, Lesson.module_id)
        .join(LessonProgress, and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id))
        .where(LessonProgress.completed_at.is_(None), Lesson.retired_at.is_(None))
        .order_by(LessonProgress.last_viewed_at.desc()).limit(1), language)
    first_open = _with_titles(
        select(Lesson.id, Lesson.module_id)
        .join(Module, and_(Module.id == Lesson.module_id, Module.retired_at.is_(None)))
        .outerjoin(LessonProgress, and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id))
        .where(Lesson.retired_at.is_(None), LessonProgress.completed_at.is_(None))
        .order_by(Module.position, Lesson.position).limit(1), language)
    return recent, first_open


def continue_lesson(user_id: int, language: str, activity: list | None = None):
    """Where to continue: the most recently opened unfinished lesson, else the first unfinished one
    in course order, else None (everything done). Returns (id, module_id, title) or None.
    `activity`, the learner's recent_activity() when the caller has it, usually holds the answer
    already (a statement saved on the dashboard)."""
    for row in activity or ():
        if row.completed_at is None and row.retired_at is None:
            return row
    recent, first_open = _continue_statements()
    params = {"user_id": user_id, "language": language}
    return db.session.execute(recent, params).first() or db.session.execute(first_open, params).first()


@cache
def _recent_activity_statement():
    return _with_titles(
        select(Lesson.id, Lesson.module_id, Lesson.retired_at, LessonProgress.last_viewed_at,
               LessonProgress.completed_at)
        .join(LessonProgress, and_(LessonProgress.lesson_id == Lesson.id,
                                   LessonProgress.user_id == bindparam("user_id")))
        .order_by(LessonProgress.last_viewed_at.desc()).limit(bindparam("limit")), bindparam("language"))


def recent_activity(user_id: int, language: str, limit: int = 5) -> list:
    """The learner's latest lesson activity: (id, module_id, retired_at, last_viewed_at, completed_at, title)."""
    return db.session.execute(_recent_activity_statement(),
                              {"user_id": user_id, "language": language, "limit": limit}).all()


def glossary(language: str) -> list[dict]:
    """Every key term of the active lessons in `language` (English where a lesson lacks it), sorted."""
    local, english = _LOCAL_TEXT, _ENGLISH_TEXT
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


def module_titles(language: str) -> dict[str, str]:
    """Every module's title in `language` (else English), by id, retired ones too: certificates
    and reminders name the module they were issued for."""
    return {row.id: row.titles.get(language) or row.titles["en"]
            for row in db.session.execute(select(Module.id, Module.titles))}


def has_questions(*, module_id: str | None = None, lesson_id: str | None = None) -> bool:
    """Whether a quiz can be drawn for this module or lesson (any active question)."""
    from ..assessment.models import Question  # catalog does not depend on assessment at import time

    query = select(Question.id).where(Question.retired_at.is_(None))
    if module_id:
        query = query.where(Question.module_id == module_id)
    if lesson_id:
        query = query.where(Question.lesson_id == lesson_id)
    return db.session.scalar(query.limit(1)) is not None
