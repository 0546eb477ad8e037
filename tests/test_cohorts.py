"""Cohorts: members by email or CSV (with invitations), assignments, reports, item analysis, access."""
from __future__ import annotations

import io
import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cxacademy.accounts.models import User
from cxacademy.assessment import services as assessment
from cxacademy.assessment.models import AttemptItem, QuestionVersion
from cxacademy.catalog.models import Module
from cxacademy.clock import now_utc
from cxacademy.cohorts import analysis, services
from cxacademy.cohorts.models import Assignment, Cohort, CohortMember
from cxacademy.extensions import db

from .conftest import PASSWORD, post_form
from .course_files import course_with_questions


@pytest.fixture
def trainer(make_user, login_as):
    return login_as(make_user(role="trainer"))


def new_cohort(client, name="Call centre, autumn"):
    response = post_form(client, "/trainer/cohorts", {"name": name})
    assert response.status_code == 302
    return int(re.search(r"/trainer/cohorts/(\d+)", response.headers["Location"]).group(1))


def test_trainer_adds_known_and_new_learners_and_new_ones_get_an_invitation(client, trainer, make_user, smtp_server):
    known = make_user(email="known@example.com")
    cohort_id = new_cohort(client)
    text = "known@example.com\nnew.person@example.com, Yeni Kişi\nnot-an-email\nKNOWN@example.com\n"
    response = post_form(client, f"/trainer/cohorts/{cohort_id}/members", {"emails": text})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "line 3" in html and "not a valid email address" in html and "line 4" in html and "listed twice" in html
    member_ids = set(db.session.scalars(select(CohortMember.user_id)))
    newcomer = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert member_ids == {known.id, newcomer.id} and newcomer.name == "Yeni Kişi"
    assert [m["To"] for m in smtp_server.messages] == ["new.person@example.com"]
    body = smtp_server.messages[0].get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://localhost(/password/reset/\S+)", body).group(1)
    other = client.application.test_client()
    assert post_form(other, link, {"password": "newcomer-pass-1", "confirm": "newcomer-pass-1"}).status_code == 302
    assert post_form(other, "/login", {"email": "new.person@example.com", "password": "newcomer-pass-1"}).status_code == 302


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_csv_upload_with_and_without_bom(client, trainer, smtp_server, encoding):
    cohort_id = new_cohort(client)
    data = "email,name\ncagla@example.com,Çağla Işık\nçağla@example.com,Not Sendable\n".encode(encoding)
    response = post_form(client, f"/trainer/cohorts/{cohort_id}/members",
                         {"csv_file": (io.BytesIO(data), "learners.csv")}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert db.session.scalar(select(User.name).where(User.email == "cagla@example.com")) == "Çağla Işık"
    assert "line 3" in response.get_data(as_text=True)  # a non-ASCII mailbox cannot be mailed over SMTP


def test_csv_in_another_encoding_is_refused_with_a_clear_message(client, trainer):
    cohort_id = new_cohort(client)
    data = "email,name\nsule@example.com,Şule Güneş\n".encode("cp1254")
    response = post_form(client, f"/trainer/cohorts/{cohort_id}/members",
                         {"csv_file": (io.BytesIO(data), "learners.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "not a UTF-8 text" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CohortMember)) == 0


def test_assignment_due_in_the_past_is_refused(client, trainer, runner, tmp_path):
    root = course_with_questions(tmp_path / "content")
    runner.invoke(args=["content", "import", str(root)])
    cohort_id = new_cohort(client)
    yesterday = (now_utc().date() - timedelta(days=1)).isoformat()
    response = post_form(client, f"/trainer/cohorts/{cohort_id}/assignments",
                         {"kind": "module", "module": "mod-1", "due_on": yesterday})
    assert response.status_code == 422 and "cannot be in the past" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_learner_sees_assignment_with_due_date_and_trainer_sees_it_overdue(app, client, trainer, make_user, runner,
                                                                          tmp_path):
    root = course_with_questions(tmp_path / "content")
    runner.invoke(args=["content", "import", str(root)])
    learner = make_user(name="Ayla")
    cohort_id = new_cohort(client)
    post_form(client, f"/trainer/cohorts/{cohort_id}/members", {"emails": learner.email})
    due = now_utc().date() + timedelta(days=3)
    post_form(client, f"/trainer/cohorts/{cohort_id}/assignments", {"kind": "module", "module": "mod-1",
                                                                     "due_on": due.isoformat()})
    learner_client = app.test_client()
    post_form(learner_client, "/login", {"email": learner.email, "password": PASSWORD})
    html = learner_client.get("/dashboard").get_data(as_text=True)
    assert "Your assignments" in html and "mod-1" in html and "overdue" not in html
    db.session.execute(Assignment.__table__.update().values(due_on=now_utc().date() - timedelta(days=1)))
    db.session.commit()
    report = client.get(f"/trainer/cohorts/{cohort_id}/report").get_data(as_text=True)
    assert "Overdue assignments" in report and "Ayla: mod-1" in report


def _answered_cohort(client, make_user, runner, tmp_path):
    root = course_with_questions(tmp_path / "content")
    runner.invoke(args=["content", "import", str(root)])
    cohort_id = new_cohort(client)
    learners = [make_user(name=f"Learner {n}") for n in range(6)]
    post_form(client, f"/trainer/cohorts/{cohort_id}/members", {"emails": "\n".join(l.email for l in learners)})
    now = now_utc()
    module = db.session.get(Module, "mod-1")
    for rank, learner in enumerate(learners):
        attempt = assessment.start_module_quiz(learner, module, "exam", now=now, rng=random.Random(rank))
        for item in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)):
            version = db.session.get(QuestionVersion, item.question_version_id)
            good = rank >= 3  # the three stronger learners answer right, the three weaker wrong
            answer = version.correct if good else [o for o in version.option_ids if o not in version.correct][:1]
            assessment.save_answer(attempt, item.position, answer, now=now)
        assessment.submit(attempt, now=now)
    db.session.commit()
    return cohort_id, learners


def test_progress_matrix_and_csv_with_turkish_letters(client, trainer, make_user, runner, tmp_path):
    cohort_id, learners = _answered_cohort(client, make_user, runner, tmp_path)
    db.session.get(User, learners[0].id).name = "Gülşen Çelik"
    db.session.commit()
    html = client.get(f"/trainer/cohorts/{cohort_id}/report").get_data(as_text=True)
    assert "Progress by module" in html and "Gülşen Çelik" in html
    response = client.get(f"/trainer/cohorts/{cohort_id}/report?format=csv&table=progress")
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff") and "Gülşen Çelik" in body and "0/2 (" in body


def test_item_analysis_facility_and_point_biserial(client, trainer, make_user, runner, tmp_path):
    _answered_cohort(client, make_user, runner, tmp_path)
    stats = {s.question_id: s for s in analysis.item_analysis("mod-1")}
    assert stats and all(0 <= s.facility <= 1 for s in stats.values())
    both = [s for s in stats.values() if 0 < s.facility < 1]  # answered by strong and weak learners
    assert both and all(s.discrimination > 0.99 for s in both)  # right exactly when strong: r = 1
    html = client.get("/trainer/items?module=mod-1").get_data(as_text=True)
    assert "Facility" in html and "point-biserial" in html


def test_point_biserial_matches_a_worked_example():
    """r = (M1 - M0) / s * sqrt(p q): totals 0.2, 0.4 (wrong) and 0.6, 0.8 (right)."""
    import math
    totals, right = [0.2, 0.4, 0.6, 0.8], [0, 0, 1, 1]
    m1, m0 = 0.7, 0.3
    s = math.sqrt(sum(t * t for t in totals) / 4 - (sum(totals) / 4) ** 2)
    expected = (m1 - m0) / s * math.sqrt(0.5 * 0.5)
    assert round(expected, 4) == 0.8944
    stats = analysis.ItemStats("q", 4, 0.5, expected)
    assert stats.flags == []
    assert analysis.ItemStats("q", 10, 0.95, -0.1).flags == ["too_easy", "negative_discrimination"]
    assert analysis.ItemStats("q", 10, 0.1, 0.3).flags == ["too_hard"]


def test_trainer_sees_only_own_cohorts_and_learners(app, client, trainer, make_user):
    cohort_id = new_cohort(client)
    other_trainer = make_user(role="trainer")
    other = app.test_client()
    post_form(other, "/login", {"email": other_trainer.email, "password": PASSWORD})
    assert other.get(f"/trainer/cohorts/{cohort_id}").status_code == 404
    assert other.get(f"/trainer/cohorts/{cohort_id}/report").status_code == 404
    assert post_form(other, f"/trainer/cohorts/{cohort_id}/members", {"emails": "x@example.com"}).status_code == 404
    learner = make_user()
    post_form(client, f"/trainer/cohorts/{cohort_id}/members", {"emails": learner.email})
    assert services.can_see_learner(trainer, learner.id) and not services.can_see_learner(other_trainer, learner.id)


def test_trainer_sets_extra_time_for_a_cohort_member(client, trainer, make_user):
    cohort_id = new_cohort(client)
    learner = make_user()
    post_form(client, f"/trainer/cohorts/{cohort_id}/members", {"emails": learner.email})
    assert post_form(client, f"/trainer/cohorts/{cohort_id}/members/{learner.id}/extra-time",
                     {"extra_time_percent": "50"}).status_code == 302
    db.session.refresh(learner)
    assert learner.extra_time_percent == 50
    stranger = make_user()
    assert post_form(client, f"/trainer/cohorts/{cohort_id}/members/{stranger.id}/extra-time",
                     {"extra_time_percent": "50"}).status_code == 404


def _count_statements(fn):
    from sqlalchemy import event

    statements = []
    listener = lambda *args: statements.append(args[2])
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_report_and_item_analysis_statement_counts_do_not_grow_with_the_cohort(client, trainer, make_user, runner,
                                                                               tmp_path):
    cohort_id, learners = _answered_cohort(client, make_user, runner, tmp_path)
    small = (_count_statements(lambda: client.get(f"/trainer/cohorts/{cohort_id}/report")),
             _count_statements(lambda: client.get("/trainer/items?module=mod-1")))
    more = [make_user() for _ in range(20)]
    post_form(client, f"/trainer/cohorts/{cohort_id}/members", {"emails": "\n".join(u.email for u in more)})
    now = now_utc()
    for n, learner in enumerate(more):
        attempt = assessment.start_module_quiz(learner, db.session.get(Module, "mod-1"), "exam", now=now,
                                               rng=random.Random(n))
        assessment.submit(attempt, now=now)
    db.session.commit()
    large = (_count_statements(lambda: client.get(f"/trainer/cohorts/{cohort_id}/report")),
             _count_statements(lambda: client.get("/trainer/items?module=mod-1")))
    assert small == large, (small, large)
    assert large[0] <= 15 and large[1] <= 8, large
