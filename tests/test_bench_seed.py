"""`flask bench seed`: the sizes asked for, consistent attempts, usable accounts, and its refusals."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from cxacademy.accounts.models import User
from cxacademy.assessment.models import Attempt, AttemptItem
from cxacademy.cohorts.models import Cohort, CohortMember
from cxacademy.core.benchdata import BENCH_PASSWORD, SeedError, attempt_plan
from cxacademy.credentials.models import Certificate, ExternalCredential
from cxacademy.extensions import db

from .conftest import post_form

SMALL = ["--learners", "40", "--cohorts", "2", "--answers", "2000", "--attempts", "100", "--credentials", "100",
         "--known-accounts", "5"]


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def seed(runner, *args):
    result = runner.invoke(args=["bench", "seed", *SMALL, *args])
    assert result.exit_code == 0, result.output
    return result


def test_seed_writes_exactly_the_sizes_asked_for(runner):
    result = seed(runner)
    assert count(User, User.role == "learner") == 40
    assert count(Cohort) == 2 and count(CohortMember) == 40
    assert count(Attempt) == 100
    assert count(AttemptItem) == 2000
    assert count(Certificate) + count(ExternalCredential) == 100
    assert count(Attempt, Attempt.kind == "mock") > 0 and count(Attempt, Attempt.kind == "module_quiz") > 0
    assert count(Attempt, Attempt.submitted_at.is_not(None)) >= 80
    assert f"password: {BENCH_PASSWORD}" in result.output


def test_seeded_attempts_hold_their_own_learners_answers(runner):
    seed(runner)
    foreign = count(AttemptItem, AttemptItem.user_id != select(Attempt.user_id)
                    .where(Attempt.id == AttemptItem.attempt_id).scalar_subquery())
    assert foreign == 0
    items = dict(db.session.execute(select(AttemptItem.attempt_id, func.count()).group_by(AttemptItem.attempt_id)).all())
    right = dict(db.session.execute(select(AttemptItem.attempt_id, func.count())
                                    .where(AttemptItem.is_correct.is_(True)).group_by(AttemptItem.attempt_id)).all())
    for attempt in db.session.scalars(select(Attempt)):
        assert items[attempt.id] == attempt.question_count
        if attempt.submitted_at is not None:
            assert attempt.correct_count == right.get(attempt.id, 0)
    open_per_learner = db.session.execute(select(Attempt.user_id, func.count()).where(Attempt.submitted_at.is_(None))
                                          .group_by(Attempt.user_id).having(func.count() > 1)).all()
    assert open_per_learner == []


def test_a_known_account_logs_in_opens_the_dashboard_and_starts_a_mock_exam(runner, client, login_as):
    seed(runner)
    learner = db.session.scalar(select(User).where(User.email == "bench-learner1@example.com"))
    login_as(learner, password=BENCH_PASSWORD)
    assert client.get("/dashboard").status_code == 200
    # A new attempt gets an id after the seeded ones (on PostgreSQL the sequence had to be moved).
    response = post_form(client, "/practice/mock", {"blueprint": "ccxp"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    assert db.session.get(Attempt, attempt_id).user_id == learner.id
    assert count(Attempt) == 101


def test_seed_refuses_a_database_with_users_unless_forced(runner, make_user):
    make_user()
    refused = runner.invoke(args=["bench", "seed", *SMALL])
    assert refused.exit_code != 0 and "--force" in refused.output
    assert count(User) == 1 and count(Attempt) == 0
    seed(runner, "--force")
    assert count(User, User.role == "learner") == 41 and count(Attempt) == 100


def test_sizes_that_cannot_be_met_are_refused_before_anything_is_written(runner):
    result = runner.invoke(args=["bench", "seed", *SMALL, "--answers", "50"])
    assert result.exit_code != 0 and "cannot be spread" in result.output
    assert count(User) == 0


def test_attempt_plan_adds_up_and_stays_within_each_question_pool():
    plan = attempt_plan(1000, 20_000, mock_size=100, quiz_size=15, mock_cap=378, quiz_caps=[30, 50, 48])
    assert sum(p.size for p in plan) == 20_000
    assert all(1 <= p.size <= (378 if p.is_mock else [30, 50, 48][p.quiz_index]) for p in plan)
    assert 0 < sum(p.is_mock for p in plan) < 1000
    with pytest.raises(SeedError):
        attempt_plan(10, 10_000, mock_size=100, quiz_size=15, mock_cap=378, quiz_caps=[30])
