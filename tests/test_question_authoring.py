"""Question editor: every type, validation like the checker, and a new version when learners have answered."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from cxacademy.assessment import services as assessment
from cxacademy.assessment.models import AttemptItem, Question, QuestionVersion
from cxacademy.clock import now_utc
from cxacademy.extensions import db

from .conftest import post_form
from .course_files import course_with_questions


@pytest.fixture
def bank(runner, tmp_path):
    root = course_with_questions(tmp_path / "content")
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    return root


@pytest.fixture
def trainer(make_user, login_as):
    return login_as(make_user(role="trainer"))


def form_for(question_id):
    question = db.session.get(Question, question_id)
    version = db.session.get(QuestionVersion, question.current_version_id)
    data = {"type": version.type, "lesson": question.lesson_id, "competency": question.competency,
            "dimension": question.dimension or "", "difficulty": str(question.difficulty)}
    for lang, text in version.texts.items():
        data[f"stem_{lang}"], data[f"explanation_{lang}"] = text["stem"], text["explanation"]
        for option_id, option in text["options"].items():
            data[f"option_{option_id}_{lang}"], data[f"rationale_{option_id}_{lang}"] = option["text"], option["rationale"]
    for option_id in version.correct:
        data[f"correct_{option_id}"] = "1"
    return data


def test_editing_an_answered_question_creates_a_new_version_and_keeps_the_old(bank, client, trainer, make_user):
    learner = make_user()
    attempt = assessment.start_practice(learner, count=30, now=now_utc(), rng=random.Random(1))
    item = db.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id,
                                                       AttemptItem.question_id == "q-insi-0"))
    db.session.commit()
    old_version = item.question_version_id
    data = {**form_for("q-insi-0"), "stem_en": "A clearer stem?"}
    assert post_form(client, "/authoring/questions/q-insi-0/edit", data).status_code == 302
    question = db.session.get(Question, "q-insi-0")
    assert question.current_version_id != old_version
    assert db.session.get(QuestionVersion, old_version).texts["en"]["stem"] == "Stem of q-insi-0?"
    db.session.refresh(item)
    assert item.question_version_id == old_version  # the learner's attempt still shows what it showed


def test_saving_without_changes_creates_no_version(bank, client, trainer):
    before = db.session.scalar(select(Question.current_version_id).where(Question.id == "q-insi-0"))
    post_form(client, "/authoring/questions/q-insi-0/edit", form_for("q-insi-0"))
    assert db.session.scalar(select(Question.current_version_id).where(Question.id == "q-insi-0")) == before


@pytest.mark.parametrize("change,message", [
    ({"correct_a": "1"}, "exactly one correct option"),                 # single with two keys
    ({"rationale_c_tr": ""}, "needs its text and a rationale"),
    ({"stem_en": "Stem of q-insi-1?"}, "already has this exact wording"),
    ({"lesson": "no-such-lesson"}, "Choose a lesson of this module."),
])
def test_question_editor_validates_like_the_checker(bank, client, trainer, change, message):
    response = post_form(client, "/authoring/questions/q-insi-0/edit", {**form_for("q-insi-0"), **change})
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_new_multiple_answer_question(bank, client, trainer):
    data = {"id": "q-new-1", "type": "multiple", "lesson": "m1-lesson-1", "competency": "design", "difficulty": "2",
            "correct_a": "1", "correct_b": "1"}
    for lang in ("en", "tr"):
        data[f"stem_{lang}"] = f"Which two? ({lang})"
        data[f"explanation_{lang}"] = f"Because ({lang})."
        for option in "abc":
            data[f"option_{option}_{lang}"] = f"Option {option} {lang}"
            data[f"rationale_{option}_{lang}"] = f"Why {option} {lang}"
    assert post_form(client, "/authoring/questions/new/mod-1", data).status_code == 302
    version = db.session.get(QuestionVersion, db.session.get(Question, "q-new-1").current_version_id)
    assert (version.type, version.option_ids, version.correct) == ("multiple", ["a", "b", "c"], ["a", "b"])


def test_learner_cannot_edit_questions(bank, client, make_user, login_as):
    login_as(make_user())
    assert client.get("/authoring/questions/q-insi-0/edit").status_code == 403
