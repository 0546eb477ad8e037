"""Attempts: drawing questions, saving answers, grading, deadlines, reports. Plain functions that
flush and never commit. Time always comes in as `now`; randomness as `rng`."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from sqlalchemy import and_, bindparam, case, func, select, union_all, update

from ..catalog.models import Lesson, LessonProgress, Module
from ..extensions import db
from . import review
from .models import Attempt, AttemptItem, ExamBlueprint, Question, QuestionVersion
from .question_types import QUESTION_TYPES, AnswerInvalid

LESSON_QUIZ_SIZE = 5
MODULE_QUIZ_SIZE = 15
PRACTICE_SIZES = (5, 10, 20, 30, 50)
REVIEW_SESSION_SIZE = 20


class AssessmentError(Exception):
    """A rule was broken. `code` selects the user-facing message; `details` fill it in."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.code = code
        self.details = details


# Drawing questions
@dataclass(frozen=True)
class Candidate:
    question_id: str
    version_id: int
    competency: str
    option_ids: list  # in the version's natural order; shuffled per attempt


def _candidates(*filters, limit: int | None = None) -> list[Candidate]:
    """Active questions matching `filters`, in random order (drawn by the database, so the cost
    does not grow with the bank), at most `limit` of them."""
    query = (select(Question.id, Question.current_version_id, Question.competency, QuestionVersion.option_ids)
             .join(Module, Module.id == Question.module_id)
             .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
             .where(Question.retired_at.is_(None), Question.current_version_id.is_not(None), *filters)
             .order_by(func.random()))
    if limit is not None:
        query = query.limit(limit)
    return [Candidate(*row) for row in db.session.execute(query)]


def _wrong_last_time(user_id: int):
    """Questions whose latest graded answer by this learner was wrong."""
    latest = (select(AttemptItem.question_id, func.max(AttemptItem.answered_at).label("at"))
              .join(Attempt, Attempt.id == AttemptItem.attempt_id)
              .where(Attempt.user_id == user_id, AttemptItem.is_correct.is_not(None))
              .group_by(AttemptItem.question_id).subquery())
    return (select(AttemptItem.question_id)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .join(latest, and_(latest.c.question_id == AttemptItem.question_id, latest.c.at == AttemptItem.answered_at))
            .where(Attempt.user_id == user_id, AttemptItem.is_correct.is_(False)))


def draw_for_blueprint(blueprint: ExamBlueprint, rng: random.Random) -> list[Candidate]:
    """Exactly blueprint.counts questions per competency (or six-area module), drawn at random.
    Two statements whatever the size of the bank: the pool sizes, then the draw."""
    group_column = Question.competency if blueprint.by == "competency" else Module.area
    active = (Question.retired_at.is_(None), Question.current_version_id.is_not(None),
              group_column.in_(list(blueprint.counts)))
    available = dict(db.session.execute(
        select(group_column, func.count()).select_from(Question).join(Module, Module.id == Question.module_id)
        .where(*active).group_by(group_column)).all())
    shortfall = {code: (need, available.get(code, 0)) for code, need in blueprint.counts.items()
                 if available.get(code, 0) < need}
    if shortfall:
        raise AssessmentError("bank_too_small", shortfall=shortfall)
    # One random top-N per group, glued with UNION ALL: the database shuffles only narrow
    # (id, version) rows and reads the option lists of the few it keeps.
    parts = []
    for code, need in blueprint.counts.items():
        part = select(Question.id, Question.current_version_id, Question.competency).where(*active, group_column == code)
        if blueprint.by != "competency":
            part = part.join(Module, Module.id == Question.module_id)
        parts.append(select(part.order_by(func.random()).limit(need).subquery()))
    picked = union_all(*parts).subquery()
    rows = db.session.execute(select(picked.c.id, picked.c.current_version_id, picked.c.competency,
                                     QuestionVersion.option_ids)
                              .join(QuestionVersion, QuestionVersion.id == picked.c.current_version_id)).all()
    drawn = [Candidate(*row) for row in rows]
    rng.shuffle(drawn)
    return drawn


def _draw(filters: list, count: int) -> list[Candidate]:
    drawn = _candidates(*filters, limit=count)
    if not drawn:
        raise AssessmentError("no_questions")
    return drawn


def _create_attempt(user, kind: str, mode: str, drawn: list[Candidate], *, now: datetime, rng: random.Random,
                    **fields) -> Attempt:
    attempt = Attempt(user_id=user.id, kind=kind, mode=mode, started_at=now, question_count=len(drawn), **fields)
    db.session.add(attempt)
    db.session.flush()
    rows = []
    for position, candidate in enumerate(drawn, start=1):
        order = list(candidate.option_ids)
        if order not in (["true", "false"], ["false", "true"]):
            rng.shuffle(order)  # true/false keeps its natural order
        rows.append({"attempt_id": attempt.id, "user_id": user.id, "position": position,
                     "question_version_id": candidate.version_id,
                     "question_id": candidate.question_id, "competency": candidate.competency,
                     "option_order": order, "flagged": False})
    db.session.execute(AttemptItem.__table__.insert(), rows)
    return attempt


def start_lesson_quiz(user, lesson_id: str, mode: str, *, now: datetime, rng: random.Random) -> Attempt:
    drawn = _draw([Question.lesson_id == lesson_id], LESSON_QUIZ_SIZE)
    module_id = db.session.scalar(select(Lesson.module_id).where(Lesson.id == lesson_id))
    return _create_attempt(user, "lesson_quiz", mode, drawn, now=now, rng=rng, lesson_id=lesson_id, module_id=module_id)


def start_module_quiz(user, module: Module, mode: str, *, now: datetime, rng: random.Random) -> Attempt:
    drawn = _draw([Question.module_id == module.id], MODULE_QUIZ_SIZE)
    return _create_attempt(user, "module_quiz", mode, drawn, now=now, rng=rng, module_id=module.id,
                           pass_mark=module.pass_mark)


def exam_deadline(started_at: datetime, minutes: int, extra_time_percent: int) -> datetime:
    """The server's deadline: the blueprint's time plus the learner's accommodation, fixed at start."""
    return started_at + timedelta(minutes=minutes * (100 + max(0, extra_time_percent)) / 100)


def start_mock_exam(user, blueprint: ExamBlueprint, *, now: datetime, rng: random.Random) -> Attempt:
    drawn = draw_for_blueprint(blueprint, rng)
    return _create_attempt(user, "mock", "exam", drawn, now=now, rng=rng, blueprint=blueprint.id,
                           deadline_at=exam_deadline(now, blueprint.minutes, user.extra_time_percent))


def start_practice(user, *, count: int, competency: str | None = None, module_id: str | None = None,
                   dimension: str | None = None, wrong_only: bool = False, now: datetime,
                   rng: random.Random) -> Attempt:
    filters = []
    if competency:
        filters.append(Question.competency == competency)
    if module_id:
        filters.append(Question.module_id == module_id)
    if dimension:
        filters.append(Question.dimension == dimension)
    if wrong_only:
        filters.append(Question.id.in_(_wrong_last_time(user.id)))
    drawn = _draw(filters, count)
    return _create_attempt(user, "practice", "study", drawn, now=now, rng=rng)


def start_review(user, *, now: datetime, rng: random.Random) -> Attempt:
    due = review.due_question_ids(user.id, now=now, limit=REVIEW_SESSION_SIZE)
    drawn = _candidates(Question.id.in_(due))
    if not drawn:
        raise AssessmentError("nothing_due")
    rng.shuffle(drawn)
    return _create_attempt(user, "review", "study", drawn, now=now, rng=rng)


# Answering
def get_attempt_for(user_id: int, attempt_id: int) -> Attempt | None:
    """The attempt if it belongs to this learner; None otherwise (callers answer 404 either way)."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        return None
    return attempt


def finalise_if_overdue(attempt: Attempt, *, now: datetime) -> bool:
    """Submit an attempt whose deadline has passed (on the next request that touches it)."""
    if attempt.is_overdue(now):
        submit(attempt, now=now, finished_by="deadline")
        return True
    return False


# Statements on the question page and the autosave are built once, with bound parameters:
# building one took about a third of the time of running it.
_AT_POSITION = (AttemptItem.attempt_id == bindparam("attempt_id"), AttemptItem.position == bindparam("position"))


@cache
def _item_statement():
    return select(AttemptItem).where(*_AT_POSITION)


def _item(attempt: Attempt, position: int) -> AttemptItem:
    item = db.session.scalar(_item_statement(), {"attempt_id": attempt.id, "position": position})
    if item is None:
        raise AssessmentError("not_in_attempt")
    return item


def save_answer(attempt: Attempt, position: int, chosen: list[str], *, now: datetime,
                retention: float = review.DEFAULT_RETENTION) -> AttemptItem:
    """Save (or, in exam mode, change) the answer at `position`. Graded on the server at once;
    the grade is shown only when the mode allows. Re-sending the same answer changes nothing."""
    if finalise_if_overdue(attempt, now=now):
        raise AssessmentError("after_deadline")
    if attempt.is_submitted:
        raise AssessmentError("already_submitted")
    item = _item(attempt, position)
    version = db.session.get(QuestionVersion, item.question_version_id)
    try:
        answer = QUESTION_TYPES[version.type].validate([str(c) for c in chosen], version.option_ids)
    except AnswerInvalid as exc:
        raise AssessmentError("invalid_answer", reason=str(exc)) from None
    if item.chosen == answer:
        return item
    if attempt.mode == "study" and item.chosen is not None:
        raise AssessmentError("answer_locked")
    item.chosen = answer
    item.is_correct = QUESTION_TYPES[version.type].score(answer, set(version.correct))
    item.answered_at = now
    attempt.last_position = position
    if attempt.mode == "study":
        review.record_answer(attempt.user_id, item.question_id, item.is_correct, now=now, retention=retention)
    db.session.flush()
    return item


def set_flag(attempt: Attempt, position: int, flagged: bool, *, now: datetime) -> AttemptItem:
    if finalise_if_overdue(attempt, now=now):
        raise AssessmentError("after_deadline")
    if attempt.is_submitted:
        raise AssessmentError("already_submitted")
    item = _item(attempt, position)
    item.flagged = flagged
    db.session.flush()
    return item


def submit(attempt: Attempt, *, now: datetime, finished_by: str = "learner",
           retention: float = review.DEFAULT_RETENTION) -> Attempt:
    """Finish the attempt and score it. Submitting twice changes nothing."""
    if attempt.is_submitted:
        return attempt
    claimed = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(submitted_at=now, finished_by=finished_by).execution_options(synchronize_session=False))
    if claimed.rowcount == 0:  # another request submitted it first
        db.session.refresh(attempt)
        return attempt
    correct = db.session.scalar(select(func.count()).select_from(AttemptItem)
                                .where(AttemptItem.attempt_id == attempt.id, AttemptItem.is_correct.is_(True)))
    attempt.submitted_at, attempt.finished_by, attempt.correct_count = now, finished_by, correct
    if attempt.pass_mark is not None:
        attempt.passed = 100 * correct >= attempt.pass_mark * attempt.question_count
    if attempt.mode == "exam":
        answered = db.session.execute(select(AttemptItem.question_id, AttemptItem.is_correct)
                                      .where(AttemptItem.attempt_id == attempt.id,
                                             AttemptItem.is_correct.is_not(None))).all()
        for question_id, is_correct in answered:
            review.record_answer(attempt.user_id, question_id, is_correct, now=now, retention=retention)
    db.session.flush()
    return attempt


def finalise_overdue(*, now: datetime) -> int:
    """Submit every attempt whose deadline has passed (for cron). Returns how many."""
    overdue = db.session.scalars(select(Attempt).where(Attempt.is_overdue(now))).all()
    for attempt in overdue:
        submit(attempt, now=now, finished_by="deadline")
    return len(overdue)


# Reading attempts
def attempt_items(attempt: Attempt) -> list:
    """Every item with its version, in order: one statement."""
    return db.session.execute(
        select(AttemptItem, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id)
        .where(AttemptItem.attempt_id == attempt.id).order_by(AttemptItem.position)).all()


@cache
def _navigator_statement():
    return (select(AttemptItem.position, AttemptItem.chosen.is_not(None).label("answered"), AttemptItem.flagged)
            .where(AttemptItem.attempt_id == bindparam("attempt_id")).order_by(AttemptItem.position))


def navigator(attempt: Attempt) -> list:
    """(position, answered, flagged) for every item: one statement, no question text."""
    return db.session.execute(_navigator_statement(), {"attempt_id": attempt.id}).all()


@cache
def _item_with_version_statement():
    return (select(AttemptItem, QuestionVersion)
            .join(QuestionVersion, QuestionVersion.id == AttemptItem.question_version_id).where(*_AT_POSITION))


def item_with_version(attempt: Attempt, position: int):
    row = db.session.execute(_item_with_version_statement(), {"attempt_id": attempt.id, "position": position}).first()
    if row is None:
        raise AssessmentError("not_in_attempt")
    return row


# Reports
def competency_scores(attempt: Attempt) -> list:
    """Per competency in this attempt: (competency, questions, correct), weakest first."""
    correct = func.sum(case((AttemptItem.is_correct.is_(True), 1), else_=0))
    rows = db.session.execute(
        select(AttemptItem.competency, func.count().label("questions"), correct.label("correct"))
        .where(AttemptItem.attempt_id == attempt.id).group_by(AttemptItem.competency)).all()
    return sorted(rows, key=lambda r: (r.correct / r.questions, r.competency))


@dataclass(frozen=True)
class Readiness:
    competency: str
    answered: int
    correct: int
    estimate: float
    low: float
    high: float


def wilson_interval(correct: int, total: int, z: float = 1.645) -> tuple[float, float, float]:
    """Share correct with a 90% Wilson score interval: honest for small samples, never outside 0..1."""
    if total == 0:
        return 0.0, 0.0, 1.0
    p = correct / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return p, max(0.0, centre - half), min(1.0, centre + half)


def readiness(user_id: int) -> list[Readiness]:
    """Per competency over every submitted mock exam of the learner: share correct and its interval."""
    correct = func.sum(case((AttemptItem.is_correct.is_(True), 1), else_=0))
    rows = db.session.execute(
        select(AttemptItem.competency, func.count(), correct)
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .where(Attempt.user_id == user_id, Attempt.kind == "mock", Attempt.submitted_at.is_not(None))
        .group_by(AttemptItem.competency)).all()
    result = []
    for competency, answered, right in rows:
        estimate, low, high = wilson_interval(int(right), int(answered))
        result.append(Readiness(competency, int(answered), int(right), estimate, low, high))
    return sorted(result, key=lambda r: (r.estimate, r.competency))


def mock_trend(user_id: int, limit: int = 20) -> list:
    """The learner's submitted mock exams, oldest first: (id, submitted_at, correct, questions)."""
    rows = db.session.execute(
        select(Attempt.id, Attempt.submitted_at, Attempt.correct_count, Attempt.question_count, Attempt.blueprint)
        .where(Attempt.user_id == user_id, Attempt.kind == "mock", Attempt.submitted_at.is_not(None))
        .order_by(Attempt.submitted_at.desc()).limit(limit)).all()
    return list(reversed(rows))


class LatestAttempts(NamedTuple):
    results: list  # submitted, newest first
    open: list  # not yet submitted, newest first


@cache
def _latest_attempts_statement():
    # Built once, with bound parameters, on the table (it is on the dashboard and the practice hub):
    # building it took about a third of the time of running it, the ORM's per-execution work a
    # quarter. Both lists in one statement.
    a = Attempt.__table__.c
    columns = (a.id, a.kind, a.started_at, a.deadline_at, a.submitted_at, a.correct_count, a.question_count, a.passed,
               a.module_id, a.lesson_id, a.blueprint)
    results = (select(*columns).where(a.user_id == bindparam("user_id"), a.submitted_at.is_not(None))
               .order_by(a.submitted_at.desc()).limit(bindparam("results")))
    still_open = (select(*columns).where(a.user_id == bindparam("user_id"), a.submitted_at.is_(None))
                  .order_by(a.started_at.desc()).limit(5))
    return union_all(select(results.subquery()), select(still_open.subquery()))


def latest_attempts(user_id: int, results: int = 5) -> LatestAttempts:
    """The learner's latest `results` submitted attempts and up to five open ones, newest first."""
    rows = db.session.execute(_latest_attempts_statement(), {"user_id": user_id, "results": results}).all()
    return LatestAttempts(sorted((r for r in rows if r.submitted_at is not None), key=lambda r: r.submitted_at,
                                 reverse=True),
                          sorted((r for r in rows if r.submitted_at is None), key=lambda r: r.started_at,
                                 reverse=True))


def completed_module_ids(user_id: int) -> set[str]:
    """Modules the learner has completed: every active lesson done and a passed module quiz."""
    lessons_left = (select(Lesson.module_id)
                    .outerjoin(LessonProgress, and_(LessonProgress.lesson_id == Lesson.id,
                                                    LessonProgress.user_id == user_id,
                                                    LessonProgress.completed_at.is_not(None)))
                    .where(Lesson.retired_at.is_(None), LessonProgress.id.is_(None)))
    passed = (select(Attempt.module_id).where(Attempt.user_id == user_id, Attempt.kind == "module_quiz",
                                               Attempt.passed.is_(True)))
    return set(db.session.scalars(passed.where(Attempt.module_id.not_in(lessons_left)).distinct()))
