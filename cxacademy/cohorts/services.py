"""Cohort rules: who a trainer may see, members and invitations, assignments, and cohort reports.
Plain functions (flush, never commit); every report is a fixed number of aggregate queries."""
from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from sqlalchemy import Select, and_, bindparam, case, func, select

from ..accounts.models import User, user_by_email
from ..accounts.services import AccountError, normalise_email, register_user
from ..assessment.models import Attempt, AttemptItem
from ..catalog.models import Lesson, LessonProgress, Module
from ..extensions import db
from .models import Assignment, Cohort, CohortMember


class CohortError(Exception):
    def __init__(self, code: str, field: str | None = None):
        super().__init__(code)
        self.code, self.field = code, field


# Access
def visible_learner_ids(viewer: User) -> Select | None:
    """The learners a viewer may see: admins everyone (None = no restriction), trainers the members
    of their own cohorts, learners only themselves."""
    if viewer.has_role("admin"):
        return None
    if viewer.has_role("trainer"):
        return (select(CohortMember.user_id).join(Cohort, Cohort.id == CohortMember.cohort_id)
                .where(Cohort.trainer_id == viewer.id))
    return select(User.id).where(User.id == viewer.id)


def can_see_learner(viewer: User, learner_id: int) -> bool:
    scope = visible_learner_ids(viewer)
    if scope is None:
        return True
    return db.session.scalar(select(func.count()).select_from(scope.where(
        scope.selected_columns[0] == learner_id).subquery())) > 0


def cohorts_for(viewer: User) -> list[Cohort]:
    query = select(Cohort).order_by(Cohort.name)
    if not viewer.has_role("admin"):
        query = query.where(Cohort.trainer_id == viewer.id)
    return list(db.session.scalars(query))


def get_cohort_for(viewer: User, cohort_id: int) -> Cohort | None:
    """The cohort if the viewer runs it (or is an admin); None otherwise (callers answer 404)."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or (cohort.trainer_id != viewer.id and not viewer.has_role("admin")):
        return None
    return cohort


def create_cohort(trainer: User, name: str) -> Cohort:
    if not name.strip():
        raise CohortError("name_required", "name")
    cohort = Cohort(name=name.strip()[:120], trainer_id=trainer.id)
    db.session.add(cohort)
    db.session.flush()
    return cohort


# Members
@dataclass
class MemberImport:
    added: list[str] = field(default_factory=list)
    invited: list[tuple[User, str]] = field(default_factory=list)  # new accounts and their set-password token
    already: list[str] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, raw text, problem code)


def parse_member_lines(text: str) -> list[tuple[int, str, str]]:
    """(line number, email, name) from pasted lines or a CSV with columns email[,name]; a header row is skipped."""
    rows = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row if c.strip()]
        if not cells:
            continue
        if number == 1 and cells[0].lower() in {"email", "e-mail", "e-posta"}:
            continue
        rows.append((number, cells[0], cells[1] if len(cells) > 1 else ""))
    return rows


def add_members(cohort: Cohort, text: str, *, make_token) -> MemberImport:
    """Add learners by email. Unknown addresses get an account and an invitation (returned, so the
    caller sends it after committing). Invalid or repeated lines are listed; the others still go in."""
    result = MemberImport()
    seen: set[str] = set()
    members = set(db.session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)))
    for line, raw_email, name in parse_member_lines(text):
        try:
            email = normalise_email(raw_email)
        except AccountError:
            result.problems.append((line, raw_email, "invalid_email"))
            continue
        if email in seen:
            result.problems.append((line, raw_email, "duplicate"))
            continue
        seen.add(email)
        user = user_by_email(email)
        if user is None:
            # At most what the registration form allows (the column's size).
            user = register_user(name=(name or email.split("@")[0])[:120], email=email,
                                 password=secrets.token_urlsafe(24))
            result.invited.append((user, make_token(user)))
        if user.id in members:
            result.already.append(email)
            continue
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
        members.add(user.id)
        result.added.append(email)
    db.session.flush()
    return result


def members(cohort: Cohort) -> list[User]:
    return list(db.session.scalars(select(User).join(CohortMember, CohortMember.user_id == User.id)
                                   .where(CohortMember.cohort_id == cohort.id).order_by(User.name)))


# Assignments
def add_assignment(cohort: Cohort, *, kind: str, module_id: str | None, blueprint_id: str | None, due_on: date,
                   today: date) -> Assignment:
    if due_on < today:
        raise CohortError("due_in_past", "due_on")
    if kind == "module" and not module_id:
        raise CohortError("module_required", "module")
    if kind == "mock" and not blueprint_id:
        raise CohortError("blueprint_required", "blueprint")
    assignment = Assignment(cohort_id=cohort.id, kind=kind, module_id=module_id if kind == "module" else None,
                            blueprint_id=blueprint_id if kind == "mock" else None, due_on=due_on)
    db.session.add(assignment)
    db.session.flush()
    return assignment


@cache
def _assignments_for_learner_statement():
    # Built once, with a bound parameter, on the tables (no ORM work per execution): it is on every
    # dashboard.
    assignment, cohort, member = Assignment.__table__.c, Cohort.__table__.c, CohortMember.__table__.c
    return (select(assignment.id, assignment.kind, assignment.module_id, assignment.blueprint_id, assignment.due_on,
                   cohort.name.label("cohort"))
            .select_from(Assignment.__table__)
            .join(Cohort.__table__, cohort.id == assignment.cohort_id)
            .join(CohortMember.__table__, and_(member.cohort_id == cohort.id, member.user_id == bindparam("user_id")))
            .order_by(assignment.due_on))


def assignments_for_learner(user_id: int) -> list:
    return db.session.execute(_assignments_for_learner_statement(), {"user_id": user_id}).all()


def assignment_status(cohort: Cohort, *, today: date) -> list:
    """Per assignment and member: done or not, and overdue. Two aggregate queries in all."""
    rows = db.session.execute(
        select(Assignment.id, Assignment.kind, Assignment.module_id, Assignment.blueprint_id, Assignment.due_on,
               Assignment.created_at, User.id.label("user_id"), User.name, User.email)
        .join(CohortMember, CohortMember.cohort_id == Assignment.cohort_id)
        .join(User, User.id == CohortMember.user_id)
        .where(Assignment.cohort_id == cohort.id).order_by(Assignment.due_on, User.name)).all()
    done_modules = _completed_modules(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id))
    mocks = set(db.session.execute(
        select(Attempt.user_id, Attempt.blueprint)
        .join(CohortMember, and_(CohortMember.user_id == Attempt.user_id, CohortMember.cohort_id == cohort.id))
        .where(Attempt.kind == "mock", Attempt.submitted_at.is_not(None)).distinct()).all())
    status = []
    for row in rows:
        done = ((row.user_id, row.module_id) in done_modules if row.kind == "module"
                else (row.user_id, row.blueprint_id) in mocks)
        status.append((row, done, not done and row.due_on < today))
    return status


def _completed_modules(user_ids: Select) -> set[tuple[int, str]]:
    """(user, module) pairs where every active lesson is done and a module quiz was passed."""
    lessons_total = dict(db.session.execute(select(Lesson.module_id, func.count())
                                            .where(Lesson.retired_at.is_(None)).group_by(Lesson.module_id)).all())
    done = db.session.execute(
        select(LessonProgress.user_id, Lesson.module_id, func.count())
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id.in_(user_ids), LessonProgress.completed_at.is_not(None),
               Lesson.retired_at.is_(None))
        .group_by(LessonProgress.user_id, Lesson.module_id)).all()
    passed = set(db.session.execute(select(Attempt.user_id, Attempt.module_id)
                                    .where(Attempt.user_id.in_(user_ids), Attempt.kind == "module_quiz",
                                           Attempt.passed.is_(True)).distinct()).all())
    return {(user, module) for user, module, count in done
            if count >= lessons_total.get(module, 0) and (user, module) in passed}


# Reports
def progress_matrix(cohort: Cohort) -> tuple[list, list, dict]:
    """Learners × modules: lessons done of total, best module-quiz score (%), last activity.
    Five statements whatever the cohort or course size."""
    learners = db.session.execute(
        select(User.id, User.name, User.email).join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id).order_by(User.name)).all()
    modules = db.session.execute(
        select(Module.id, Module.titles, func.count(Lesson.id).label("lessons"))
        .outerjoin(Lesson, and_(Lesson.module_id == Module.id, Lesson.retired_at.is_(None)))
        .where(Module.retired_at.is_(None)).group_by(Module.id).order_by(Module.position)).all()
    member_ids = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
    done = db.session.execute(
        select(LessonProgress.user_id, Lesson.module_id, func.count())
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id.in_(member_ids), LessonProgress.completed_at.is_not(None),
               Lesson.retired_at.is_(None))
        .group_by(LessonProgress.user_id, Lesson.module_id)).all()
    best = db.session.execute(
        select(Attempt.user_id, Attempt.module_id,
               func.max(100 * Attempt.correct_count / Attempt.question_count))
        .where(Attempt.user_id.in_(member_ids), Attempt.kind == "module_quiz", Attempt.submitted_at.is_not(None))
        .group_by(Attempt.user_id, Attempt.module_id)).all()
    last = db.session.execute(
        select(LessonProgress.user_id, func.max(LessonProgress.last_viewed_at))
        .where(LessonProgress.user_id.in_(member_ids)).group_by(LessonProgress.user_id)).all()
    cells: dict = {}
    for user_id, module_id, count in done:
        cells[(user_id, module_id)] = {"done": count}
    for user_id, module_id, score in best:
        cells.setdefault((user_id, module_id), {"done": 0})["best"] = int(score)
    return learners, modules, {"cells": cells, "last": dict(last)}


def competency_heat_map(cohort: Cohort) -> dict:
    """(learner, competency) -> (answered, correct) over mock exams and practice: one statement."""
    rows = db.session.execute(
        select(Attempt.user_id, AttemptItem.competency, func.count(),
               func.sum(case((AttemptItem.is_correct.is_(True), 1), else_=0)))
        .join(Attempt, Attempt.id == AttemptItem.attempt_id)
        .join(CohortMember, and_(CohortMember.user_id == Attempt.user_id, CohortMember.cohort_id == cohort.id))
        .where(Attempt.kind.in_(("mock", "practice")), AttemptItem.is_correct.is_not(None))
        .group_by(Attempt.user_id, AttemptItem.competency)).all()
    return {(user, competency): (int(n), int(right)) for user, competency, n, right in rows}
