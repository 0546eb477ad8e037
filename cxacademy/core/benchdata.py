"""Bench data for `flask bench seed`: a large, plausible learner base for load tests and query plans.

On top of the imported course it writes learners (a few of them known accounts with a known
password), trainers and their cohorts with members and assignments, lesson progress, attempts
(module quizzes and ccxp mock exams, most submitted, a few in progress) with their recorded
answers, and credentials (module and programme certificates, CCXP credentials). Rows are plain
dictionaries given to `insert()` in batches, never ORM objects, so a million answers take minutes.
Ids of users, cohorts and attempts are chosen here (rows that follow refer to them), and
PostgreSQL's sequences are moved past them at the end. Flushes only: the command commits.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from itertools import permutations
from typing import Callable, Iterable, Iterator

from sqlalchemy import func, select

from ..accounts.models import User, new_session_stamp
from ..assessment.models import Attempt, AttemptItem, ExamBlueprint, Question, QuestionVersion
from ..assessment.question_types import QUESTION_TYPES
from ..assessment.services import MODULE_QUIZ_SIZE, exam_deadline
from ..catalog.models import Lesson, LessonProgress, Module
from ..cohorts.models import Assignment, Cohort, CohortMember
from ..credentials.dates import add_months
from ..credentials.models import Certificate, CredentialRule, ExternalCredential
from ..credentials.services import new_code
from ..extensions import db

BENCH_PASSWORD = "bench-password-1"
KNOWN_EMAIL = "bench-learner{n}@example.com"
MOCK_BLUEPRINT = "ccxp"
COHORTS_PER_TRAINER = 20
OPEN_EVERY = 4  # one learner in four has their latest attempt still in progress (never a known account)
CCXP_EVERY = 10  # one credential in ten is a CCXP credential, the rest are certificates we issued
BATCH_ROWS = 10_000


class SeedError(Exception):
    """The sizes asked for cannot be met (or the course is missing); the message says why."""


@dataclass(frozen=True)
class BenchSizes:
    learners: int = 10_000
    cohorts: int = 200
    answers: int = 1_000_000
    attempts: int = 50_000
    credentials: int = 100_000
    known_accounts: int = 400


@dataclass
class SeedReport:
    rows: dict[str, int] = field(default_factory=dict)
    known_emails: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _BankQuestion:
    question_id: str
    module_id: str
    type: str
    competency: str
    version_id: int
    option_ids: list
    correct: list

    @cached_property
    def orders(self) -> list[tuple]:
        """Every order its options can be shown in (true/false keeps its own): choosing one of these
        is much cheaper than shuffling a million lists."""
        return [tuple(self.option_ids)] if self.type == "true_false" else list(permutations(self.option_ids))


def seed(sizes: BenchSizes, *, password_hash: str, now: datetime, rng: random.Random,
         progress: Callable[[str], None] = lambda label: None) -> SeedReport:
    """Write the bench data for `sizes`. Checks every size against the course before writing a row."""
    bank = [_BankQuestion(*row) for row in db.session.execute(
        select(Question.id, Question.module_id, Question.type, Question.competency, QuestionVersion.id,
               QuestionVersion.option_ids, QuestionVersion.correct)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.retired_at.is_(None)).order_by(Question.id))]
    modules = db.session.execute(select(Module.id, Module.pass_mark, Module.certificate_validity_months)
                                 .where(Module.retired_at.is_(None)).order_by(Module.position)).all()
    lessons = list(db.session.scalars(
        select(Lesson.id).join(Module, Module.id == Lesson.module_id)
        .where(Lesson.retired_at.is_(None), Module.retired_at.is_(None)).order_by(Module.position, Lesson.position)))
    blueprint = db.session.get(ExamBlueprint, MOCK_BLUEPRINT)
    rules = db.session.execute(select(CredentialRule.id, CredentialRule.validity_months)
                               .order_by(CredentialRule.is_default.desc(), CredentialRule.position)).all()
    if not bank or not modules or blueprint is None:
        raise SeedError("The course is not in the database (no questions, modules or ccxp blueprint): "
                        "run `flask content import` first.")
    pools: dict[str, list[_BankQuestion]] = {}
    for question in bank:
        pools.setdefault(question.module_id, []).append(question)
    quiz_modules = [m for m in modules if m.id in pools]
    _check(sizes, certificate_slots=len(modules) + 1, has_rules=bool(rules))
    plan = attempt_plan(sizes.attempts, sizes.answers, mock_size=blueprint.questions, quiz_size=MODULE_QUIZ_SIZE,
                        mock_cap=len(bank), quiz_caps=[len(pools[m.id]) for m in quiz_modules])

    report = SeedReport()
    trainer_ids, learner_ids, report.known_emails = _seed_users(sizes, password_hash, now, rng, report)
    progress(f"{sizes.learners:,} learners")
    _seed_cohorts(sizes.cohorts, trainer_ids, learner_ids, [m.id for m in modules], now, report)
    progress(f"{sizes.cohorts:,} cohorts")
    report.rows["lesson_progress"] = _insert(LessonProgress, _lesson_progress(learner_ids, lessons, now, rng))
    progress(f"{report.rows['lesson_progress']:,} lesson progress rows")
    _seed_attempts(plan, learner_ids, sizes.known_accounts, blueprint, quiz_modules, pools, bank, now, rng, report)
    progress(f"{sizes.attempts:,} attempts with {sizes.answers:,} answers")
    report.rows["certificates"] = _insert(Certificate, _certificates(sizes.credentials - sizes.credentials // CCXP_EVERY,
                                                                     learner_ids, modules, now, rng))
    report.rows["external_credentials"] = _insert(ExternalCredential, _ccxp_credentials(
        sizes.credentials // CCXP_EVERY, learner_ids, rules, now, rng))
    progress(f"{sizes.credentials:,} credentials")
    _advance_sequences(User, Cohort, Attempt)
    return report


def _check(sizes: BenchSizes, *, certificate_slots: int, has_rules: bool) -> None:
    if sizes.learners < 1:
        raise SeedError("At least one learner is needed.")
    if sizes.known_accounts > sizes.learners:
        raise SeedError(f"{sizes.known_accounts:,} known accounts do not fit in {sizes.learners:,} learners.")
    certificates = sizes.credentials - sizes.credentials // CCXP_EVERY
    if certificates > sizes.learners * certificate_slots:
        raise SeedError(f"{sizes.credentials:,} credentials are too many for {sizes.learners:,} learners: "
                        f"{certificates:,} of them are certificates, and a learner holds at most "
                        f"{certificate_slots} (one per module and one for the programme).")
    if sizes.credentials // CCXP_EVERY and not has_rules:
        raise SeedError("No credential rules in the database: run `flask content import` first.")


# Attempts: how many of each kind, and how many answers each
@dataclass(frozen=True)
class PlannedAttempt:
    is_mock: bool
    quiz_index: int  # which module (round robin over the modules that have questions); unused for mocks
    size: int


def attempt_plan(attempts: int, answers: int, *, mock_size: int, quiz_size: int, mock_cap: int,
                 quiz_caps: list[int]) -> list[PlannedAttempt]:
    """Split `answers` over `attempts`: module quizzes of `quiz_size` and mock exams of `mock_size`,
    mixed so that the average comes out right (at the defaults, 1 in 17 is a 100-question mock exam),
    then every size scaled to add up exactly, none empty and none larger than its question pool."""
    if attempts == 0:
        if answers:
            raise SeedError("Answers need attempts to belong to: --attempts is 0.")
        return []
    average = answers / attempts
    mock_share = min(1.0, max(0.0, (average - quiz_size) / (mock_size - quiz_size)))
    mocks = round(attempts * mock_share)
    is_mock = [(n + 1) * mocks // attempts > n * mocks // attempts for n in range(attempts)]  # spread evenly
    caps, weights, quiz_index = [], [], []
    quizzes = 0
    for mock in is_mock:
        quiz_index.append(quizzes % len(quiz_caps))
        caps.append(mock_cap if mock else quiz_caps[quiz_index[-1]])
        weights.append(mock_size if mock else quiz_size)
        quizzes += not mock
    if not attempts <= answers <= sum(caps):
        raise SeedError(f"{answers:,} answers cannot be spread over {attempts:,} attempts: each attempt needs "
                        f"at least one and at most as many as its question pool holds ({sum(caps):,} in all).")
    scale = answers / sum(weights)
    sizes = [min(cap, max(1, int(weight * scale))) for weight, cap in zip(weights, caps)]
    missing, n = answers - sum(sizes), 0
    while missing:  # hand the rounding difference out (or back) one answer at a time
        step = 1 if missing > 0 else -1
        k = n % attempts
        if 1 <= sizes[k] + step <= caps[k]:
            sizes[k] += step
            missing -= step
        n += 1
    return [PlannedAttempt(mock, index, size) for mock, index, size in zip(is_mock, quiz_index, sizes)]


# Writing
def _insert(model, rows: Iterable[dict]) -> int:
    """Insert rows in batches; returns how many."""
    count, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            db.session.execute(model.__table__.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        db.session.execute(model.__table__.insert(), batch)
        count += len(batch)
    return count


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _advance_sequences(*models) -> None:
    """PostgreSQL hands out ids from a sequence that explicit ids do not move: move it past them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        db.session.execute(select(func.setval(func.pg_get_serial_sequence(model.__tablename__, "id"),
                                              select(func.max(model.id)).scalar_subquery())))


def _ago(now: datetime, rng: random.Random, days: float) -> datetime:
    return now - timedelta(seconds=rng.uniform(0, days * 86_400))


def _user_row(user_id: int, email: str, name: str, role: str, password_hash: str, created_at: datetime,
              locale: str = "en") -> dict:
    return {"id": user_id, "email": email, "name": name, "password_hash": password_hash, "role": role,
            "locale": locale, "active": True, "session_stamp": new_session_stamp(), "created_at": created_at,
            "review_retention": 0.9, "extra_time_percent": 0, "email_ccxp_reminders": True,
            "email_certificate_reminders": True, "email_assignment_reminders": True}


def _seed_users(sizes: BenchSizes, password_hash: str, now: datetime, rng: random.Random,
                report: SeedReport) -> tuple[list[int], list[int], list[str]]:
    """Trainers (one per twenty cohorts), then learners; the first `known_accounts` learners are
    bench-learner1..N@example.com (any that already exist, after --force, are left alone)."""
    wanted = [KNOWN_EMAIL.format(n=n) for n in range(1, sizes.known_accounts + 1)]
    taken = set(db.session.scalars(select(User.email).where(User.email.in_(wanted)))) if wanted else set()
    known = [email for email in wanted if email not in taken]
    first = _next_id(User)
    trainers = math.ceil(sizes.cohorts / COHORTS_PER_TRAINER)
    trainer_ids = list(range(first, first + trainers))
    rows = [_user_row(user_id, f"trainer{user_id}@bench.example.com", f"Bench Trainer {user_id}", "trainer",
                      password_hash, _ago(now, rng, 900)) for user_id in trainer_ids]
    learner_ids = list(range(first + trainers, first + trainers + sizes.learners))
    for n, user_id in enumerate(learner_ids):
        email = known[n] if n < len(known) else f"learner{user_id}@bench.example.com"
        rows.append(_user_row(user_id, email, f"Bench Learner {user_id}", "learner", password_hash,
                              _ago(now, rng, 730), locale="en" if n < len(known) or n % 5 else "tr"))
    report.rows["users"] = _insert(User, rows)
    return trainer_ids, learner_ids, known


def _seed_cohorts(cohorts: int, trainer_ids: list[int], learner_ids: list[int], module_ids: list[str],
                  now: datetime, report: SeedReport) -> None:
    """Cohorts of equal size (learner n joins cohort n mod cohorts), each with a module and a mock assignment."""
    if not cohorts:
        report.rows.update(cohorts=0, cohort_members=0, assignments=0)
        return
    first = _next_id(Cohort)
    report.rows["cohorts"] = _insert(Cohort, ({"id": first + c, "name": f"Bench cohort {c + 1}",
                                               "trainer_id": trainer_ids[c // COHORTS_PER_TRAINER],
                                               "created_at": now - timedelta(days=400)} for c in range(cohorts)))
    report.rows["cohort_members"] = _insert(CohortMember, (
        {"cohort_id": first + n % cohorts, "user_id": user_id, "added_at": now - timedelta(days=390)}
        for n, user_id in enumerate(learner_ids)))
    today = now.date()
    assignments = []
    for c in range(cohorts):
        due_on = today + timedelta(days=c % 90 - 30)
        assignments.append({"cohort_id": first + c, "kind": "module", "module_id": module_ids[c % len(module_ids)],
                            "blueprint_id": None, "due_on": due_on, "created_at": now - timedelta(days=60)})
        assignments.append({"cohort_id": first + c, "kind": "mock", "module_id": None, "blueprint_id": MOCK_BLUEPRINT,
                            "due_on": due_on + timedelta(days=30), "created_at": now - timedelta(days=60)})
    report.rows["assignments"] = _insert(Assignment, assignments)


def _lesson_progress(learner_ids: list[int], lessons: list[str], now: datetime,
                     rng: random.Random) -> Iterator[dict]:
    """Each learner has completed the course's first k lessons (k at random) and opened the next one."""
    for user_id in learner_ids:
        done = rng.randint(0, len(lessons))
        moment = _ago(now, rng, 300) - timedelta(days=30)
        for position, lesson_id in enumerate(lessons[:done + 1]):
            moment += timedelta(minutes=rng.randint(5, 1_000))  # 40 lessons stay within the 30 days
            yield {"user_id": user_id, "lesson_id": lesson_id, "first_viewed_at": moment, "last_viewed_at": moment,
                   "completed_at": moment if position < done else None}


def _seed_attempts(plan: list[PlannedAttempt], learner_ids: list[int], known_accounts: int,
                   blueprint: ExamBlueprint, quiz_modules: list, pools: dict, bank: list[_BankQuestion],
                   now: datetime, rng: random.Random, report: SeedReport) -> None:
    """Attempt n belongs to learner n mod learners. The latest attempt of one learner in OPEN_EVERY is
    still in progress (half answered, started within the hour), never a known account's: the load
    test starts its own, and a learner's open mock exam would be resumed instead."""
    first = _next_id(Attempt)
    attempts, items = [], []
    report.rows["attempts"] = report.rows["attempt_items"] = 0
    for n, planned in enumerate(plan):
        attempt_id = first + n
        learner = n % len(learner_ids)
        user_id = learner_ids[learner]
        is_latest = n >= len(plan) - len(learner_ids)
        is_open = is_latest and learner % OPEN_EVERY == OPEN_EVERY - 1 and learner >= known_accounts
        skill = 0.45 + 0.4 * (user_id % 10) / 9  # share of right answers, per learner
        if planned.is_mock:
            questions = rng.sample(bank, planned.size)
            module = None
        else:
            module = quiz_modules[planned.quiz_index]
            questions = rng.sample(pools[module.id], planned.size)
        started_at = _ago(now, rng, 1 / 24) if is_open else _ago(now, rng, 365) - timedelta(days=1)
        answered = planned.size // 2 if is_open else planned.size
        correct = 0
        for position, question in enumerate(questions, start=1):
            order = list(rng.choice(question.orders))
            chosen = answered_at = is_correct = None
            if position <= answered:
                wrong = [o for o in question.option_ids if o not in question.correct]
                chosen = sorted(question.correct) if rng.random() < skill or not wrong else [rng.choice(wrong)]
                is_correct = QUESTION_TYPES[question.type].score(chosen, set(question.correct))
                answered_at = started_at + timedelta(seconds=45 * position)
                correct += is_correct
            items.append({"attempt_id": attempt_id, "user_id": user_id, "position": position,
                          "question_version_id": question.version_id, "question_id": question.question_id,
                          "competency": question.competency, "option_order": order, "chosen": chosen,
                          "answered_at": answered_at, "is_correct": is_correct, "flagged": False})
        pass_mark = None if module is None else module.pass_mark
        attempts.append({
            "id": attempt_id, "user_id": user_id, "kind": "mock" if planned.is_mock else "module_quiz",
            "mode": "exam" if planned.is_mock or n % 3 else "study",
            "module_id": None if module is None else module.id, "lesson_id": None,
            "blueprint": MOCK_BLUEPRINT if planned.is_mock else None, "started_at": started_at,
            "deadline_at": exam_deadline(started_at, blueprint.minutes, 0) if planned.is_mock else None,
            "submitted_at": None if is_open else started_at + timedelta(seconds=45 * planned.size + 60),
            "finished_by": None if is_open else "learner", "pass_mark": pass_mark,
            "question_count": planned.size, "correct_count": None if is_open else correct,
            "passed": None if is_open or pass_mark is None else 100 * correct >= pass_mark * planned.size,
            "last_position": min(answered + 1, planned.size)})
        if len(items) >= BATCH_ROWS:
            _flush_attempts(attempts, items, report)
            attempts, items = [], []
    _flush_attempts(attempts, items, report)


def _flush_attempts(attempts: list[dict], items: list[dict], report: SeedReport) -> None:
    """Attempts before their items: the items' foreign key is checked statement by statement."""
    report.rows["attempts"] += _insert(Attempt, attempts)
    report.rows["attempt_items"] += _insert(AttemptItem, items)


def _certificates(count: int, learner_ids: list[int], modules: list, now: datetime,
                  rng: random.Random) -> Iterator[dict]:
    """Every learner's first module certificate, then every learner's second, and so on; the
    programme certificate last. A learner never holds the same one twice."""
    slots = [(m.id, m.certificate_validity_months) for m in modules] + [(None, None)]
    for n in range(count):
        module_id, validity = slots[n // len(learner_ids)]
        issued_at = _ago(now, rng, 900)
        yield {"user_id": learner_ids[n % len(learner_ids)], "kind": "programme" if module_id is None else "module",
               "module_id": module_id, "code": new_code(), "issued_at": issued_at,
               "expires_on": add_months(issued_at.date(), validity) if validity else None}


def _ccxp_credentials(count: int, learner_ids: list[int], rules: list, now: datetime,
                      rng: random.Random) -> Iterator[dict]:
    """CCXP credentials round robin over the learners, one in five under the superseded rule."""
    today = now.date()
    for n in range(count):
        rule_id, validity = rules[1] if n % 5 == 4 and len(rules) > 1 else rules[0]
        earned_on: date = today - timedelta(days=rng.randint(0, 5 * 365))
        yield {"user_id": learner_ids[n % len(learner_ids)], "rule_id": rule_id, "earned_on": earned_on,
               "credential_number": f"BENCH-{n + 1:06d}", "cycle": 1, "cycle_started_on": earned_on,
               "expires_on": add_months(earned_on, validity), "created_at": now}
