"""The exam over HTTP: resume, autosave, deadline refusal, ownership, integrity of answers."""
from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from cxacademy.assessment import services
from cxacademy.assessment.models import Attempt, AttemptItem, ExamBlueprint, QuestionVersion
from cxacademy.clock import now_utc
from cxacademy.extensions import db

from .conftest import PASSWORD, csrf_token, post_form
from .course_files import course_with_questions


@pytest.fixture
def bank(runner, tmp_path):
    root = course_with_questions(tmp_path / "content")
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    return root


def start_mini(client) -> int:
    response = post_form(client, "/practice/mock", {"blueprint": "mini"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def item_at(attempt_id, position):
    return db.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id,
                                                       AttemptItem.position == position))


def version_of(item):
    return db.session.get(QuestionVersion, item.question_version_id)


def test_learner_starts_a_mock_exam_and_a_double_click_resumes_it(bank, client, make_user, login_as):
    login_as(make_user())
    first = start_mini(client)
    second = start_mini(client)
    assert first == second
    assert len(db.session.scalars(select(Attempt)).all()) == 1


def test_answers_survive_logout_and_a_new_session_at_the_same_place(app, bank, client, make_user, login_as):
    user = login_as(make_user())
    attempt_id = start_mini(client)
    item = item_at(attempt_id, 3)
    post_form(client, f"/attempts/{attempt_id}/answer", {"position": 3, "option": version_of(item).correct})
    deadline = db.session.get(Attempt, attempt_id).deadline_at
    post_form(client, "/logout", {})
    fresh = app.test_client()
    post_form(fresh, "/login", {"email": user.email, "password": PASSWORD})
    response = fresh.get(f"/attempts/{attempt_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Question 3 of 10" in html
    for option in version_of(item).correct:
        assert re.search(rf'value="{option}"[^>]*checked', html)
    db.session.expire_all()
    assert db.session.get(Attempt, attempt_id).deadline_at == deadline


def test_autosave_accepts_json_with_the_csrf_header(bank, client, make_user, login_as):
    login_as(make_user())
    attempt_id = start_mini(client)
    item = item_at(attempt_id, 1)
    response = client.post(f"/attempts/{attempt_id}/answer", json={"position": 1, "option": version_of(item).option_ids[:1]},
                           headers={"X-CSRFToken": csrf_token(client), "Accept": "application/json"})
    assert response.status_code == 200 and response.get_json() == {"saved": True, "position": 1}
    db.session.expire_all()
    assert item_at(attempt_id, 1).chosen == version_of(item).option_ids[:1]


def test_a_stale_tab_moving_on_does_not_overwrite_the_answer_another_tab_saved_since(bank, client, make_user, login_as):
    login_as(make_user())
    attempt_id = start_mini(client)
    options = version_of(item_at(attempt_id, 2)).option_ids
    post_form(client, f"/attempts/{attempt_id}/answer", {"position": 2, "option": options[0], "shown": ""})
    stale = client.get(f"/attempts/{attempt_id}?q=2").get_data(as_text=True)  # tab B shows options[0]
    assert 'name="shown" value="%s"' % options[0] in stale
    client.post(f"/attempts/{attempt_id}/answer", json={"position": 2, "option": [options[1]]},  # tab A changes it
                headers={"X-CSRFToken": csrf_token(client), "Accept": "application/json"})
    # Tab B presses "Next": its form resends the answer it showed, untouched.
    response = post_form(client, f"/attempts/{attempt_id}/answer",
                         {"position": 2, "option": options[0], "shown": options[0], "go": 3})
    assert response.status_code == 302 and response.headers["Location"].endswith("q=3")
    db.session.expire_all()
    assert item_at(attempt_id, 2).chosen == [options[1]]
    # A change made in a tab itself is saved (this one showed the question unanswered).
    post_form(client, f"/attempts/{attempt_id}/answer", {"position": 2, "option": options[0], "shown": ""})
    db.session.expire_all()
    assert item_at(attempt_id, 2).chosen == [options[0]]


def test_autosave_without_csrf_is_refused(bank, client, make_user, login_as):
    login_as(make_user())
    attempt_id = start_mini(client)
    response = client.post(f"/attempts/{attempt_id}/answer", json={"position": 1, "option": ["a"]})
    assert response.status_code == 400
    assert item_at(attempt_id, 1).chosen is None


def test_answer_after_the_deadline_gets_409_and_earlier_answers_count(bank, client, make_user, login_as):
    user = login_as(make_user())
    started = now_utc() - timedelta(minutes=25)  # mini lasts 20 minutes
    attempt = services.start_mock_exam(user, db.session.get(ExamBlueprint, "mini"), now=started, rng=random.Random(1))
    first = item_at(attempt.id, 1)
    services.save_answer(attempt, 1, version_of(first).correct, now=started + timedelta(minutes=5))
    db.session.commit()
    response = client.post(f"/attempts/{attempt.id}/answer", json={"position": 2, "option": ["a"]},
                           headers={"X-CSRFToken": csrf_token(client), "Accept": "application/json"})
    assert response.status_code == 409 and response.get_json()["error"] == "after_deadline"
    db.session.expire_all()
    finished = db.session.get(Attempt, attempt.id)
    assert finished.finished_by == "deadline" and finished.correct_count == 1
    assert item_at(attempt.id, 2).chosen is None


def test_invalid_option_gets_422_and_saves_nothing(bank, client, make_user, login_as):
    login_as(make_user())
    attempt_id = start_mini(client)
    response = post_form(client, f"/attempts/{attempt_id}/answer", {"position": 1, "option": "zz"})
    assert response.status_code == 422
    assert item_at(attempt_id, 1).chosen is None


def test_position_not_in_attempt_gets_404(bank, client, make_user, login_as):
    login_as(make_user())
    attempt_id = start_mini(client)
    assert post_form(client, f"/attempts/{attempt_id}/answer", {"position": 42, "option": "a"}).status_code == 404
    assert client.get(f"/attempts/{attempt_id}?q=42").status_code == 404


def test_another_learners_attempt_is_404_everywhere(app, bank, client, make_user, login_as):
    login_as(make_user())
    attempt_id = start_mini(client)
    intruder = make_user()
    other = app.test_client()
    post_form(other, "/login", {"email": intruder.email, "password": PASSWORD})
    for url in (f"/attempts/{attempt_id}", f"/attempts/{attempt_id}/finish", f"/attempts/{attempt_id}/report"):
        assert other.get(url).status_code == 404, url
    assert post_form(other, f"/attempts/{attempt_id}/answer", {"position": 1, "option": "a"}).status_code == 404
    assert post_form(other, f"/attempts/{attempt_id}/submit", {}).status_code == 404
    assert item_at(attempt_id, 1).chosen is None


def _secrets(version, language="en"):
    text = version.texts[language]
    return [text["explanation"]] + [o["rationale"] for o in text["options"].values()]


def test_no_answer_key_or_rationale_reaches_the_page_before_submission(bank, client, make_user, login_as):
    login_as(make_user())
    attempt_id = start_mini(client)
    for position in range(1, 11):
        html = client.get(f"/attempts/{attempt_id}?q={position}").get_data(as_text=True)
        version = version_of(item_at(attempt_id, position))
        for secret in _secrets(version):
            assert secret not in html, (position, secret)
        assert "option-correct" not in html and "Correct option." not in html
        post_form(client, f"/attempts/{attempt_id}/answer", {"position": position, "option": version.option_ids[0]})
        html = client.get(f"/attempts/{attempt_id}?q={position}").get_data(as_text=True)
        assert all(secret not in html for secret in _secrets(version))
    finish = client.get(f"/attempts/{attempt_id}/finish").get_data(as_text=True)
    assert "option-correct" not in finish
    post_form(client, f"/attempts/{attempt_id}/submit", {})
    report = client.get(f"/attempts/{attempt_id}/report").get_data(as_text=True)
    assert _secrets(version_of(item_at(attempt_id, 1)))[1] in report  # now they may see it


def test_study_mode_shows_rationales_only_after_answering(bank, client, make_user, login_as):
    login_as(make_user())
    response = post_form(client, "/practice/set", {"count": "5"})
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    version = version_of(item_at(attempt_id, 1))
    before = client.get(f"/attempts/{attempt_id}?q=1").get_data(as_text=True)
    assert all(secret not in before for secret in _secrets(version))
    post_form(client, f"/attempts/{attempt_id}/answer", {"position": 1, "option": version.option_ids[0]})
    after = client.get(f"/attempts/{attempt_id}?q=1").get_data(as_text=True)
    assert all(secret in after for secret in _secrets(version))


def test_flag_and_navigator_show_answered_and_flagged(bank, client, make_user, login_as):
    login_as(make_user())
    attempt_id = start_mini(client)
    post_form(client, f"/attempts/{attempt_id}/answer", {"position": 2, "flag": "on"})
    version = version_of(item_at(attempt_id, 1))
    post_form(client, f"/attempts/{attempt_id}/answer", {"position": 1, "option": version.option_ids[0], "go": 2})
    html = client.get(f"/attempts/{attempt_id}?q=2").get_data(as_text=True)
    assert 'class="nav-item nav-answered"' in html and "nav-flagged" in html and 'aria-pressed="true"' in html
    finish = client.get(f"/attempts/{attempt_id}/finish").get_data(as_text=True)
    assert "Flagged for review:" in finish


def test_submit_twice_over_http_is_harmless_and_report_ranks_competencies(bank, client, make_user, login_as):
    login_as(make_user())
    attempt_id = start_mini(client)
    for position in (1, 2, 3):
        version = version_of(item_at(attempt_id, position))
        post_form(client, f"/attempts/{attempt_id}/answer", {"position": position, "option": version.correct})
    assert post_form(client, f"/attempts/{attempt_id}/submit", {}).status_code == 302
    assert post_form(client, f"/attempts/{attempt_id}/submit", {}).status_code == 302
    html = client.get(f"/attempts/{attempt_id}/report").get_data(as_text=True)
    assert "3 / 10 (30%)" in html and "By competency, weakest first" in html and "Readiness estimate" in html
    assert "publishes no pass mark" in html


def test_bank_too_small_message_names_the_shortfall(bank, client, make_user, login_as):
    db.session.add(ExamBlueprint(id="huge", titles={"en": "Huge"}, questions=40, minutes=10, by="competency",
                                 counts={"insights": 40}, position=9))
    db.session.commit()
    login_as(make_user())
    response = post_form(client, "/practice/mock", {"blueprint": "huge"})
    assert response.status_code == 409
    assert "needs 40, has 6" in response.get_data(as_text=True)
    assert db.session.scalar(select(Attempt.id)) is None


def _count(fn):
    statements = []
    listener = lambda *args: statements.append(args[2])
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_starting_an_exam_and_saving_an_answer_run_a_fixed_number_of_statements(runner, tmp_path, client, make_user, login_as):
    counts = []
    for size in (6, 30):
        root = course_with_questions(tmp_path / f"content-{size}", per_competency=size)
        assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
        login_as(make_user())
        token = csrf_token(client)
        started = {}
        start_count = _count(lambda: started.setdefault(
            "response", client.post("/practice/mock", data={"csrf_token": token, "blueprint": "mini"})))
        attempt_id = int(re.search(r"/attempts/(\d+)", started["response"].headers["Location"]).group(1))
        version = version_of(item_at(attempt_id, 1))
        answer_count = _count(lambda: client.post(f"/attempts/{attempt_id}/answer",
                                                  json={"position": 1, "option": version.option_ids[:1]},
                                                  headers={"X-CSRFToken": token}))
        counts.append((start_count, answer_count))
        post_form(client, "/logout", {})
    assert counts[0] == counts[1], counts
    assert counts[0][0] <= 10 and counts[0][1] <= 8, counts
