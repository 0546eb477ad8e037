"""`flask content import`: idempotent, all-or-nothing, retires instead of deleting, detects changes."""
from __future__ import annotations

from sqlalchemy import func, select

from cxacademy.catalog.models import Lesson, LessonProgress, LessonText, Module
from cxacademy.extensions import db

from .conftest import post_form
from .course_files import lesson_text, small_course, write_lesson


def run_import(runner, root):
    return runner.invoke(args=["content", "import", str(root)])


def test_import_loads_modules_lessons_and_both_languages(runner, tmp_path):
    root = small_course(tmp_path / "content", modules=2, lessons_per_module=3)
    result = run_import(runner, root)
    assert result.exit_code == 0, result.output
    assert "8 added, 0 changed, 0 unchanged, 0 retired" in result.output
    assert db.session.scalar(select(func.count()).select_from(Module)) == 2
    assert db.session.scalar(select(func.count()).select_from(LessonText)) == 12


def test_second_import_reports_no_changes(runner, tmp_path):
    root = small_course(tmp_path / "content")
    run_import(runner, root)
    result = run_import(runner, root)
    assert result.exit_code == 0
    assert "0 added, 0 changed, 3 unchanged, 0 retired (no changes)" in result.output


def test_import_with_an_error_changes_nothing(runner, tmp_path):
    root = small_course(tmp_path / "content")
    run_import(runner, root)
    write_lesson(root, "mod-1", 3, "new-lesson")
    (root / "modules/mod-1/lessons/01-m1-lesson-1.en.md").write_text(
        lesson_text("m1-lesson-1", body="## Changed\n\nNew text.\n"), encoding="utf-8")
    (root / "modules/mod-1/lessons/02-m1-lesson-2.tr.md").unlink()  # the error
    result = run_import(runner, root)
    assert result.exit_code == 1 and "nothing was imported" in result.output
    assert db.session.get(Lesson, "new-lesson") is None
    assert db.session.get(Lesson, "m1-lesson-1").version == 1
    assert "New text." not in db.session.scalar(select(LessonText.body_html).where(LessonText.lesson_id == "m1-lesson-1"))


def test_changed_lesson_gets_a_new_version(runner, tmp_path):
    root = small_course(tmp_path / "content")
    run_import(runner, root)
    (root / "modules/mod-1/lessons/01-m1-lesson-1.tr.md").write_text(
        lesson_text("m1-lesson-1", "tr", body="## Yeni\n\nDeğişti.\n"), encoding="utf-8")
    result = run_import(runner, root)
    assert "changed  lesson m1-lesson-1" in result.output and "1 changed" in result.output
    lesson = db.session.get(Lesson, "m1-lesson-1")
    assert lesson.version == 2
    html = db.session.scalar(select(LessonText.body_html).where(LessonText.lesson_id == "m1-lesson-1",
                                                                LessonText.language == "tr"))
    assert "Değişti." in html


def test_removed_lesson_is_retired_and_history_kept(app, runner, client, tmp_path, make_user, login_as):
    root = small_course(tmp_path / "content")
    run_import(runner, root)
    reader, newcomer = make_user(), make_user()
    login_as(reader)
    post_form(client, "/lessons/m1-lesson-2/complete", {})
    for path in (root / "modules/mod-1/lessons").glob("02-*"):
        path.unlink()
    result = run_import(runner, root)
    assert "retired  lesson m1-lesson-2" in result.output
    lesson = db.session.get(Lesson, "m1-lesson-2")
    assert lesson is not None and lesson.retired_at is not None
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)
                             .where(LessonProgress.lesson_id == "m1-lesson-2", LessonProgress.completed_at.is_not(None))) == 1
    assert client.get("/lessons/m1-lesson-2").status_code == 200  # in the reader's history
    assert "m1-lesson-2" not in client.get("/modules/mod-1").get_data(as_text=True)
    other = app.test_client()
    post_form(other, "/login", {"email": newcomer.email, "password": "correct-horse-battery"})
    assert other.get("/lessons/m1-lesson-2").status_code == 404


def test_restored_lesson_comes_back_from_retirement(runner, tmp_path):
    root = small_course(tmp_path / "content")
    run_import(runner, root)
    saved = {p: p.read_text(encoding="utf-8") for p in (root / "modules/mod-1/lessons").glob("02-*")}
    for p in saved:
        p.unlink()
    run_import(runner, root)
    for p, text in saved.items():
        p.write_text(text, encoding="utf-8")
    result = run_import(runner, root)
    assert "changed  lesson m1-lesson-2" in result.output
    assert db.session.get(Lesson, "m1-lesson-2").retired_at is None


def test_shipped_course_imports_twice_without_changes(runner):
    first = runner.invoke(args=["content", "import"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["content", "import"])
    assert "(no changes)" in second.output
