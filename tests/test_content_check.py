"""`flask content check`: every kind of problem is reported with its file and line; nothing is written."""
from __future__ import annotations

import pytest

from cxacademy.catalog.content import read_course

from .course_files import lesson_text, small_course, write_lesson, write_module


@pytest.fixture
def course(tmp_path):
    return small_course(tmp_path / "content")


def problems_of(root):
    _course, problems = read_course(root)
    return [str(p) for p in problems]


def lesson_path(root, name="01-m1-lesson-1.en.md"):
    return root / "modules" / "mod-1" / "lessons" / name


def test_valid_course_has_no_problems(course):
    assert problems_of(course) == []


def test_bad_yaml_is_reported_with_file_and_line(course):
    (course / "modules/mod-1/module.yaml").write_text("id: mod-1\nposition: [1\narea: fundamentals\n", encoding="utf-8")
    [problem] = problems_of(course)
    assert problem.startswith("content/modules/mod-1/module.yaml:") and "invalid YAML" in problem
    assert int(problem.split(":")[1]) in (2, 3, 4)


def test_unknown_key_is_reported_at_its_line(course):
    path = course / "modules/mod-1/module.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8")
    line = len(path.read_text(encoding="utf-8").splitlines())
    assert f"content/modules/mod-1/module.yaml:{line}: unknown key 'colour' in module" in problems_of(course)[0]


def test_missing_id_is_reported(course):
    write_module(course, "mod-1", id=None)
    assert any("module id None" in p for p in problems_of(course))


def test_module_id_must_match_folder(course):
    write_module(course, "mod-1", id="other")
    assert any("differs from its folder name" in p for p in problems_of(course))


def test_unknown_area_and_competency_codes_are_reported(course):
    write_module(course, "mod-1", area="marketing", competency="sales")
    found = problems_of(course)
    assert any("unknown area 'marketing'" in p for p in found)
    assert any("unknown competency 'sales'" in p for p in found)


def test_duplicate_lesson_id_across_modules_is_reported(course):
    write_module(course, "mod-2", position=2)
    write_lesson(course, "mod-2", 1, "m1-lesson-1")
    assert any("lesson id 'm1-lesson-1' is used in module 'mod-1' too" in p for p in problems_of(course))


def test_duplicate_module_position_is_reported(course):
    write_module(course, "mod-2", position=1)
    assert any("position 1 is used by module 'mod-1' too" in p for p in problems_of(course))


def test_lesson_missing_in_a_required_language_is_reported(course):
    lesson_path(course, "02-m1-lesson-2.tr.md").unlink()
    assert any("lesson 'm1-lesson-2' is missing its 'tr' version" in p for p in problems_of(course))


def test_turkish_key_terms_need_the_english_term(course):
    text = lesson_text("m1-lesson-1", "tr", key_terms=[{"term": "Temas noktası", "definition": "Bir etkileşim."}])
    lesson_path(course, "01-m1-lesson-1.tr.md").write_text(text, encoding="utf-8")
    assert any("missing key 'en' in key term" in p for p in problems_of(course))


def test_broken_link_between_lessons_is_reported_at_its_line(course):
    body = "## Part\n\nSee [the other one](lesson:no-such-lesson).\n"
    lesson_path(course).write_text(lesson_text("m1-lesson-1", body=body), encoding="utf-8")
    text = lesson_path(course).read_text(encoding="utf-8").splitlines()
    line = next(i for i, l in enumerate(text, 1) if "no-such-lesson" in l)
    assert f"content/modules/mod-1/lessons/01-m1-lesson-1.en.md:{line}: link to unknown lesson 'no-such-lesson'" in problems_of(course)


def test_unknown_tool_link_is_reported(course):
    lesson_path(course).write_text(lesson_text("m1-lesson-1", body="## A\n\n[x](tool:calculator)\n"), encoding="utf-8")
    assert any("link to unknown tool 'calculator'" in p for p in problems_of(course))


def test_lesson_id_must_match_file_name(course):
    lesson_path(course).write_text(lesson_text("something-else"), encoding="utf-8")
    assert any("differs from the file name's 'm1-lesson-1'" in p for p in problems_of(course))


def test_lesson_without_front_matter_is_reported(course):
    lesson_path(course).write_text("# Just Markdown\n", encoding="utf-8")
    assert any(p.endswith("lesson must start with YAML front matter between --- lines") for p in problems_of(course))


def test_out_of_range_minutes_is_reported_at_its_line(course):
    lesson_path(course).write_text(lesson_text("m1-lesson-1", minutes=0), encoding="utf-8")
    assert any(":4: lesson 'minutes' must be a whole number from 1 to 120" in p for p in problems_of(course))


def test_bad_lesson_file_name_is_reported(course):
    (course / "modules/mod-1/lessons/intro.md").write_text("x", encoding="utf-8")
    assert any("lesson file name must look like" in p for p in problems_of(course))


def test_check_command_exits_1_and_lists_problems(app, course):
    lesson_path(course, "02-m1-lesson-2.tr.md").unlink()
    result = app.test_cli_runner().invoke(args=["content", "check", str(course)])
    assert result.exit_code == 1
    assert "content/modules/mod-1/lessons/" in result.output and "missing its 'tr' version" in result.output


def test_check_command_passes_on_the_shipped_course(runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "content OK" in result.output
