"""`flask content stats`: counts per module, competency, type, difficulty and language; flags shortfalls."""
from __future__ import annotations

from .course_files import course_with_questions


def test_stats_flags_every_number_below_target(runner, tmp_path):
    root = course_with_questions(tmp_path / "content")
    result = runner.invoke(args=["content", "stats", str(root)])
    assert result.exit_code == 1
    assert "Questions per competency" in result.output and "insights" in result.output
    assert "module mod-1: 2 lessons, needs 4" in result.output
    assert "competency strategy: 6 questions, needs 50" in result.output
    assert "30 questions in all, needs 360" in result.output
    assert "lesson m1-lesson-1:" in result.output and "needs 700-1500" in result.output


def test_stats_counts_questions_per_language_and_type(runner, tmp_path):
    root = course_with_questions(tmp_path / "content")
    output = runner.invoke(args=["content", "stats", str(root)]).output
    assert "  en                            30" in output and "  tr                            30" in output
    assert "  true_false                    10" in output


def test_the_shipped_course_meets_every_target(runner):
    result = runner.invoke(args=["content", "stats"])
    assert result.exit_code == 0, result.output
    assert "Every target is met." in result.output
