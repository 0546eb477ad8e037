"""Attempts: drawing, frozen order, scoring per type, deadlines with an injected clock, idempotent
submission, overdue finalisation, and spaced-review scheduling."""
from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cxacademy.assessment import review, services
from cxacademy.assessment.models import Attempt, AttemptItem, ExamBlueprint, QuestionVersion, ReviewCard
from cxacademy.assessment.question_types import QUESTION_TYPES, AnswerInvalid
from cxacademy.clock import now_utc
from cxacademy.extensions import db

from .course_files import course_with_questions

NOW = now_utc().replace(microsecond=0)


@pytest.fixture
def bank(runner, tmp_path):
    root = course_with_questions(tmp_path / "content")
    result = runner.invoke(args=["content", "import", str(root)])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def learner(make_user):
    return make_user()


def correct_of(item) -> list[str]:
    return db.session.get(QuestionVersion, item.question_version_id).correct


def wrong_of(item) -> list[str]:
    version = db.session.get(QuestionVersion, item.question_version_id)
    return [next(o for o in version.option_ids if o not in version.correct)]


def items(attempt):
    return db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)
                              .order_by(AttemptItem.position)).all()


def mini():
    return db.session.get(ExamBlueprint, "mini")


# Scoring per type
def test_single_answer_scores_only_the_key():
    single = QUESTION_TYPES["single"]
    assert single.score(["b"], {"b"}) and not single.score(["a"], {"b"})
    with pytest.raises(AnswerInvalid):
        single.validate(["a", "b"], ["a", "b", "c"])


def test_multiple_answer_is_all_or_nothing():
    multiple = QUESTION_TYPES["multiple"]
    assert multiple.score(["a", "b"], {"a", "b"})
    assert not multiple.score(["a"], {"a", "b"})
    assert not multiple.score(["a", "b", "c"], {"a", "b"})


def test_true_false_scores_the_key():
    tf = QUESTION_TYPES["true_false"]
    assert tf.score(["true"], {"true"}) and not tf.score(["false"], {"true"})


def test_option_not_in_the_question_is_rejected():
    with pytest.raises(AnswerInvalid):
        QUESTION_TYPES["single"].validate(["z"], ["a", "b"])


# Drawing
def test_mock_exam_draws_exact_counts_per_competency(bank, learner):
    attempt = services.start_mock_exam(learner, mini(), now=NOW, rng=random.Random(1))
    counts = Counter(item.competency for item in items(attempt))
    assert counts == mini().counts and attempt.question_count == 10


def test_blueprint_larger_than_bank_names_the_shortfall_and_creates_nothing(bank, learner):
    blueprint = ExamBlueprint(id="big", titles={"en": "Big"}, questions=12, minutes=10, by="competency",
                              counts={"insights": 8, "strategy": 4})
    db.session.add(blueprint)
    db.session.flush()
    with pytest.raises(services.AssessmentError) as error:
        services.start_mock_exam(learner, blueprint, now=NOW, rng=random.Random(1))
    assert error.value.code == "bank_too_small" and error.value.details["shortfall"] == {"insights": (8, 6)}
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0


def test_option_order_is_shuffled_and_frozen_at_start(bank, learner):
    attempt = services.start_practice(learner, count=30, now=NOW, rng=random.Random(7))
    db.session.commit()
    orders = {item.question_id: item.option_order for item in items(attempt)}
    natural = {item.question_id: db.session.get(QuestionVersion, item.question_version_id).option_ids for item in items(attempt)}
    assert any(orders[q] != natural[q] for q in orders)  # shuffled somewhere
    db.session.expire_all()
    assert {item.question_id: item.option_order for item in items(attempt)} == orders  # and stays


def test_retired_question_leaves_the_pool(bank, learner, runner):
    import yaml
    from .course_files import write_questions
    path = bank / "modules/mod-1/questions.en.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    write_questions(bank, "mod-1", [q for q in data if q["id"] != "q-insi-0"])
    runner.invoke(args=["content", "import", str(bank)])
    attempt = services.start_practice(learner, count=50, now=NOW, rng=random.Random(1))
    assert "q-insi-0" not in {item.question_id for item in items(attempt)}


# Answering and deadlines
def test_answer_is_graded_on_the_server(bank, learner):
    attempt = services.start_practice(learner, count=5, now=NOW, rng=random.Random(2))
    first, second = items(attempt)[:2]
    assert services.save_answer(attempt, 1, correct_of(first), now=NOW).is_correct is True
    assert services.save_answer(attempt, 2, wrong_of(second), now=NOW).is_correct is False


def test_answer_with_unknown_option_is_rejected(bank, learner):
    attempt = services.start_practice(learner, count=5, now=NOW, rng=random.Random(2))
    with pytest.raises(services.AssessmentError) as error:
        services.save_answer(attempt, 1, ["zz"], now=NOW)
    assert error.value.code == "invalid_answer"


def test_answer_to_a_question_not_in_the_attempt_is_rejected(bank, learner):
    attempt = services.start_practice(learner, count=5, now=NOW, rng=random.Random(2))
    with pytest.raises(services.AssessmentError) as error:
        services.save_answer(attempt, 99, ["a"], now=NOW)
    assert error.value.code == "not_in_attempt"


def test_exam_deadline_includes_extra_time_accommodation(bank, learner):
    learner.extra_time_percent = 50
    attempt = services.start_mock_exam(learner, mini(), now=NOW, rng=random.Random(1))
    assert attempt.deadline_at == NOW + timedelta(minutes=30)


def test_answer_after_the_deadline_is_refused_and_earlier_answers_count(bank, learner):
    attempt = services.start_mock_exam(learner, mini(), now=NOW, rng=random.Random(3))
    first = items(attempt)[0]
    services.save_answer(attempt, 1, correct_of(first), now=NOW + timedelta(minutes=19, seconds=59))
    with pytest.raises(services.AssessmentError) as error:
        services.save_answer(attempt, 2, ["a"], now=NOW + timedelta(minutes=20))
    assert error.value.code == "after_deadline"
    assert attempt.submitted_at == NOW + timedelta(minutes=20) and attempt.finished_by == "deadline"
    assert attempt.correct_count == 1


def test_exam_mode_answer_can_change_until_submitted(bank, learner):
    attempt = services.start_mock_exam(learner, mini(), now=NOW, rng=random.Random(3))
    first = items(attempt)[0]
    services.save_answer(attempt, 1, wrong_of(first), now=NOW)
    assert services.save_answer(attempt, 1, correct_of(first), now=NOW).is_correct is True


def test_study_mode_answer_is_locked_once_given(bank, learner):
    attempt = services.start_practice(learner, count=5, now=NOW, rng=random.Random(2))
    first = items(attempt)[0]
    services.save_answer(attempt, 1, wrong_of(first), now=NOW)
    services.save_answer(attempt, 1, wrong_of(first), now=NOW)  # the same answer again: fine
    with pytest.raises(services.AssessmentError) as error:
        services.save_answer(attempt, 1, correct_of(first), now=NOW)
    assert error.value.code == "answer_locked"


def test_submitting_twice_changes_nothing(bank, learner):
    attempt = services.start_mock_exam(learner, mini(), now=NOW, rng=random.Random(3))
    services.save_answer(attempt, 1, correct_of(items(attempt)[0]), now=NOW)
    services.submit(attempt, now=NOW + timedelta(minutes=1))
    services.submit(attempt, now=NOW + timedelta(minutes=2))
    assert attempt.submitted_at == NOW + timedelta(minutes=1) and attempt.correct_count == 1
    with pytest.raises(services.AssessmentError) as error:
        services.save_answer(attempt, 2, ["a"], now=NOW + timedelta(minutes=3))
    assert error.value.code == "already_submitted"


def test_finalise_overdue_submits_only_attempts_past_their_deadline(bank, make_user, runner):
    early, late = make_user(), make_user()
    overdue = services.start_mock_exam(early, mini(), now=NOW - timedelta(minutes=30), rng=random.Random(1))
    running = services.start_mock_exam(late, mini(), now=NOW - timedelta(minutes=5), rng=random.Random(1))
    assert services.finalise_overdue(now=NOW) == 1
    assert overdue.finished_by == "deadline" and running.submitted_at is None
    assert services.finalise_overdue(now=NOW) == 0


def test_finalize_overdue_command_commits(bank, make_user, runner):
    overdue = services.start_mock_exam(make_user(), mini(), now=NOW - timedelta(hours=1), rng=random.Random(1))
    db.session.commit()
    result = runner.invoke(args=["assessment", "finalize-overdue"])
    assert result.exit_code == 0 and "1 overdue attempt(s) finalised" in result.output
    db.session.expire_all()
    assert db.session.get(Attempt, overdue.id).finished_by == "deadline"


def test_module_quiz_pass_mark_decides_passed(bank, learner):
    from cxacademy.catalog.models import Module
    module = db.session.get(Module, "mod-1")
    attempt = services.start_module_quiz(learner, module, "exam", now=NOW, rng=random.Random(5))
    quiz_items = items(attempt)
    needed = -(-module.pass_mark * len(quiz_items) // 100)
    for item in quiz_items[:needed]:
        services.save_answer(attempt, item.position, correct_of(item), now=NOW)
    services.submit(attempt, now=NOW)
    assert attempt.passed is True and attempt.correct_count == needed


# Spaced review
def test_correct_answer_moves_the_review_date_forward_and_a_miss_brings_it_back(bank, learner):
    card = review.record_answer(learner.id, "q-insi-0", True, now=NOW)
    first_due = card.due_at
    assert first_due > NOW + timedelta(days=1)
    card = review.record_answer(learner.id, "q-insi-0", True, now=first_due)
    second_due = card.due_at
    assert second_due - first_due > first_due - NOW  # the interval grows
    card = review.record_answer(learner.id, "q-insi-0", False, now=second_due)
    assert card.due_at - second_due < second_due - first_due and card.lapses == 1


def test_higher_desired_retention_schedules_sooner(bank, make_user):
    relaxed = review.record_answer(make_user().id, "q-insi-0", True, now=NOW, retention=0.80)
    strict = review.record_answer(make_user().id, "q-insi-0", True, now=NOW, retention=0.97)
    assert strict.due_at < relaxed.due_at


def test_repeated_misses_mark_a_leech(bank, learner):
    for n in range(review.LEECH_LAPSES):
        card = review.record_answer(learner.id, "q-insi-0", False, now=NOW + timedelta(days=n))
    assert card.is_leech


def test_study_answers_feed_review_cards_and_exam_answers_feed_them_at_submit(bank, learner):
    practice = services.start_practice(learner, count=5, now=NOW, rng=random.Random(2))
    services.save_answer(practice, 1, ["a"] if "a" in items(practice)[0].option_order else ["true"], now=NOW)
    assert db.session.scalar(select(func.count()).select_from(ReviewCard)) == 1
    exam = services.start_mock_exam(learner, mini(), now=NOW, rng=random.Random(9))
    for item in items(exam)[:3]:
        services.save_answer(exam, item.position, correct_of(item), now=NOW)
    before = db.session.scalar(select(func.count()).select_from(ReviewCard))
    services.submit(exam, now=NOW)
    assert db.session.scalar(select(func.count()).select_from(ReviewCard)) >= before + 2


def test_review_session_presents_due_cards(bank, learner):
    review.record_answer(learner.id, "q-insi-0", False, now=NOW - timedelta(days=3))
    review.record_answer(learner.id, "q-stra-0", True, now=NOW)  # not due yet
    assert review.due_count(learner.id, now=NOW) == 1
    attempt = services.start_review(learner, now=NOW, rng=random.Random(1))
    assert [item.question_id for item in items(attempt)] == ["q-insi-0"] and attempt.mode == "study"


def test_practice_only_wrong_questions(bank, learner):
    attempt = services.start_practice(learner, count=5, now=NOW, rng=random.Random(2))
    wrong_item = items(attempt)[0]
    services.save_answer(attempt, 1, wrong_of(wrong_item), now=NOW)
    services.save_answer(attempt, 2, correct_of(items(attempt)[1]), now=NOW)
    retry = services.start_practice(learner, count=10, wrong_only=True, now=NOW, rng=random.Random(3))
    assert [item.question_id for item in items(retry)] == [wrong_item.question_id]


def test_readiness_interval_contains_the_estimate_and_narrows_with_more_answers():
    p, low, high = services.wilson_interval(6, 10)
    p2, low2, high2 = services.wilson_interval(60, 100)
    assert low < p < high and low2 < p2 < high2
    assert (high2 - low2) < (high - low)
    assert services.wilson_interval(0, 0) == (0.0, 0.0, 1.0)


def test_six_area_blueprint_draws_by_module_area(bank, learner):
    blueprint = ExamBlueprint(id="areas", titles={"en": "Areas"}, questions=4, minutes=10, by="area",
                              counts={"fundamentals": 4})
    db.session.add(blueprint)
    db.session.flush()
    attempt = services.start_mock_exam(learner, blueprint, now=NOW, rng=random.Random(4))
    assert len(items(attempt)) == 4 and len({item.question_id for item in items(attempt)}) == 4
