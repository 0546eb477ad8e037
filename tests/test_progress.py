"""Progress: completion is idempotent; module, overall and competency figures come from SQL aggregates;
dashboard and catalogue run a fixed number of statements whatever the data size."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from cxacademy.catalog import services
from cxacademy.catalog.models import LessonProgress
from cxacademy.clock import now_utc
from cxacademy.extensions import db

from .conftest import post_form
from .course_files import small_course, write_lesson


@pytest.fixture
def course(runner, tmp_path):
    root = small_course(tmp_path / "content", modules=2, lessons_per_module=2)
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    return root


@contextmanager
def count_statements():
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def completions(user_id):
    return db.session.scalar(select(func.count()).select_from(LessonProgress)
                             .where(LessonProgress.user_id == user_id, LessonProgress.completed_at.is_not(None)))


def test_marking_complete_twice_keeps_one_row_and_the_first_time(course, client, make_user, login_as):
    user = login_as(make_user())
    assert post_form(client, "/lessons/m1-lesson-1/complete", {}).status_code == 302
    first = db.session.scalar(select(LessonProgress.completed_at).where(LessonProgress.user_id == user.id))
    assert post_form(client, "/lessons/m1-lesson-1/complete", {}).status_code == 302
    assert completions(user.id) == 1
    assert db.session.scalar(select(LessonProgress.completed_at).where(LessonProgress.user_id == user.id)) == first


def test_complete_requires_post_with_csrf(course, client, make_user, login_as):
    user = login_as(make_user())
    assert client.get("/lessons/m1-lesson-1/complete").status_code == 405
    assert client.post("/lessons/m1-lesson-1/complete").status_code == 400
    assert completions(user.id) == 0


def test_completing_a_retired_lesson_is_refused_and_writes_nothing(course, runner, client, make_user, login_as):
    user = login_as(make_user())
    client.get("/lessons/m1-lesson-2")  # in history, so still readable after retirement
    for path in (course / "modules/mod-1/lessons").glob("02-*"):
        path.unlink()
    runner.invoke(args=["content", "import", str(course)])
    response = post_form(client, "/lessons/m1-lesson-2/complete", {})
    assert response.status_code == 409 and "retired" in response.get_data(as_text=True)
    assert completions(user.id) == 0


def test_unknown_module_and_lesson_ids_are_404(course, client, make_user, login_as):
    login_as(make_user())
    assert client.get("/modules/no-such-module").status_code == 404
    assert client.get("/lessons/no-such-lesson").status_code == 404
    assert post_form(client, "/lessons/no-such-lesson/complete", {}).status_code == 404


def test_lessons_require_login(course, client):
    assert client.get("/lessons/m1-lesson-1").status_code == 302
    assert client.get("/modules").status_code == 302


def test_lesson_page_shows_toc_objectives_terms_and_neighbours(course, client, make_user, login_as):
    login_as(make_user())
    html = client.get("/lessons/m1-lesson-2").get_data(as_text=True)
    assert 'href="#first-part"' in html and "Understand the point" in html and "Term m1-lesson-2" in html
    assert 'rel="prev" href="/lessons/m1-lesson-1"' in html and 'rel="next" href="/lessons/m2-lesson-1"' in html


def test_missing_translation_falls_back_to_english_with_notice(app, course, client, make_user, login_as):
    from cxacademy.catalog.models import LessonText

    db.session.execute(LessonText.__table__.delete().where(LessonText.lesson_id == "m1-lesson-1",
                                                           LessonText.language == "tr"))
    db.session.commit()
    login_as(make_user(locale="tr"))
    html = client.get("/lessons/m1-lesson-1").get_data(as_text=True)
    assert "Lesson m1-lesson-1 (en)" in html and 'class="flash flash-warning"' in html


def test_progress_figures_per_module_overall_and_competency(course, make_user):
    user = make_user()
    now = now_utc()
    for lesson_id in ("m1-lesson-1", "m1-lesson-2", "m2-lesson-1"):
        services.complete_lesson(user.id, db.session.get(services.Lesson, lesson_id), now=now)
    other = make_user()
    services.complete_lesson(other.id, db.session.get(services.Lesson, "m2-lesson-2"), now=now)
    db.session.commit()
    modules = services.module_progress(user.id)
    assert {row.id: (row.completed, row.lessons) for row in modules} == {"mod-1": (2, 2), "mod-2": (1, 2)}
    assert services.overall_progress(modules) == (3, 4)
    assert {row.competency: (row.completed, row.lessons) for row in services.competency_progress(modules)} == \
        {"insights": (2, 2), "metrics": (1, 2)}


def test_continue_points_at_the_last_opened_unfinished_lesson(course, client, make_user, login_as):
    user = login_as(make_user())

    def resume() -> str:
        """Where to continue, worked out alone and from the recent activity the dashboard has: the same."""
        alone = services.continue_lesson(user.id, "en").id
        assert services.continue_lesson(user.id, "en", services.recent_activity(user.id, "en")).id == alone
        return alone

    assert resume() == "m1-lesson-1"  # nothing opened: first lesson
    client.get("/lessons/m2-lesson-1")
    assert resume() == "m2-lesson-1"
    client.get("/lessons/m1-lesson-2")
    post_form(client, "/lessons/m1-lesson-2/complete", {})
    assert resume() == "m2-lesson-1"  # the latest opened is finished: the one before it
    post_form(client, "/lessons/m2-lesson-1/complete", {})
    assert resume() == "m1-lesson-1"


def _grow(runner, root, make_user, modules: int, lessons: int, learners: int):
    small_course(root, modules=modules, lessons_per_module=lessons)
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    now = now_utc()
    lesson_ids = list(db.session.scalars(select(services.Lesson.id)))
    for _ in range(learners):
        learner = make_user()
        for lesson_id in lesson_ids[::2]:
            services.record_view(learner.id, lesson_id, now=now)
            services.complete_lesson(learner.id, db.session.get(services.Lesson, lesson_id), now=now)
    db.session.commit()


# Dashboard: user load, module progress (overall and per competency are summed from it), recent
# activity, continue (none when the recent activity holds it, else up to 2), reviews due, quiz
# results, open attempts, assignments, and the header's unread-notification count.
# Catalogue: user load, one aggregate and the unread count. Bounds leave room for one more, no more.
STATEMENT_BOUNDS = {"/dashboard": 11, "/modules": 4}


@pytest.mark.parametrize("url", sorted(STATEMENT_BOUNDS))
def test_page_statement_count_does_not_grow_with_data(runner, tmp_path, client, make_user, login_as, url):
    _grow(runner, tmp_path / "small", make_user, modules=1, lessons=2, learners=1)
    learner = login_as(make_user())
    client.get("/lessons/m1-lesson-1")
    with count_statements() as small:
        assert client.get(url).status_code == 200
    _grow(runner, tmp_path / "large", make_user, modules=6, lessons=8, learners=25)
    for lesson_id in ("m3-lesson-2", "m4-lesson-5"):
        client.get(f"/lessons/{lesson_id}")
    with count_statements() as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large) <= STATEMENT_BOUNDS[url], (len(small), len(large), large)
