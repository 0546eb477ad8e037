"""Question files: checked with the same rigour as lessons; imported with immutable versions."""
from __future__ import annotations

import pytest
import yaml
from sqlalchemy import func, select

from cxacademy.assessment.models import Question, QuestionVersion
from cxacademy.catalog.cli import read_and_check
from cxacademy.extensions import db

from .course_files import course_with_questions, question, write_questions


@pytest.fixture
def root(app, tmp_path):
    return course_with_questions(tmp_path / "content")


def problems(root):
    return [str(p) for p in read_and_check(root)[1]]


def replace_first(root, **changes):
    path = root / "modules/mod-1/questions.en.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[0].update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return data[0]


def test_valid_questions_have_no_problems(root):
    assert problems(root) == []


def test_single_answer_question_with_two_correct_options_is_an_error(root):
    entry = question("q-insi-0", "m1-lesson-1")
    entry["options"][0]["correct"] = True
    replace_first(root, options=entry["options"])
    assert any("needs exactly one correct option, found 2" in p for p in problems(root))


def test_single_answer_question_with_no_correct_option_is_an_error(root):
    entry = question("q-insi-0", "m1-lesson-1")
    entry["options"][1].pop("correct")
    replace_first(root, options=entry["options"])
    assert any("needs exactly one correct option, found 0" in p for p in problems(root))


def test_option_without_rationale_is_an_error(root):
    entry = question("q-insi-0", "m1-lesson-1")
    entry["options"][2].pop("rationale")
    replace_first(root, options=entry["options"])
    assert any("option 'c' has no rationale" in p for p in problems(root))


def test_duplicate_stem_is_an_error(root):
    replace_first(root, stem="Stem of q-insi-1?")
    assert any("the same stem is used by question" in p for p in problems(root))


def test_unknown_lesson_reference_is_an_error(root):
    replace_first(root, lesson="no-such-lesson")
    assert any("content/modules/mod-1/questions.en.yaml:" in p and "unknown lesson 'no-such-lesson'" in p
               for p in problems(root))


def test_unknown_competency_is_an_error(root):
    replace_first(root, competency="sales")
    assert any("unknown competency 'sales'" in p for p in problems(root))


def test_multiple_with_one_correct_option_is_an_error(root):
    entry = question("q-insi-0", "m1-lesson-1", qtype="multiple")
    entry["options"][1].pop("correct")
    replace_first(root, type="multiple", options=entry["options"])
    assert any("at least two correct options" in p for p in problems(root))


def test_translation_may_not_carry_the_answer_key(root):
    path = root / "modules/mod-1/questions.tr.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[0]["options"][0]["correct"] = True
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert any("questions.tr.yaml" in p and "unknown key 'correct' in option" in p for p in problems(root))


def test_question_missing_its_turkish_text_is_an_error(root):
    path = root / "modules/mod-1/questions.tr.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump(data[1:], allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert any("question 'q-insi-0' is missing its 'tr' text" in p for p in problems(root))


def test_translated_option_ids_must_match(root):
    path = root / "modules/mod-1/questions.tr.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data[0]["options"][0]["id"] = "z"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert any("option ids ['z', 'b', 'c', 'd'] differ" in p for p in problems(root))


def test_blueprint_counts_must_add_up(root):
    (root / "blueprints.yaml").write_text(yaml.safe_dump([{"id": "x", "title": {"en": "X", "tr": "X"}, "questions": 10,
                                                            "minutes": 5, "counts": {"insights": 3}}]), encoding="utf-8")
    assert any("counts add up to 3, not 10" in p for p in problems(root))


def test_changed_question_gets_a_new_version_and_keeps_the_old(root, runner):
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    replace_first(root, stem="A reworded stem?")
    path = root / "modules/mod-1/questions.tr.yaml"
    result = runner.invoke(args=["content", "import", str(root)])
    assert "changed  question q-insi-0" in result.output
    versions = db.session.scalars(select(QuestionVersion).where(QuestionVersion.question_id == "q-insi-0")
                                  .order_by(QuestionVersion.version)).all()
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].texts["en"]["stem"] == "Stem of q-insi-0?" and versions[1].texts["en"]["stem"] == "A reworded stem?"
    assert db.session.get(Question, "q-insi-0").current_version_id == versions[1].id
    again = runner.invoke(args=["content", "import", str(root)])
    assert "(no changes)" in again.output


def test_removed_question_is_retired_not_deleted(root, runner):
    runner.invoke(args=["content", "import", str(root)])
    path = root / "modules/mod-1/questions.en.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    write_questions(root, "mod-1", data[1:])
    result = runner.invoke(args=["content", "import", str(root)])
    assert "retired  question q-insi-0" in result.output
    assert db.session.get(Question, "q-insi-0").retired_at is not None
    assert db.session.scalar(select(func.count()).select_from(QuestionVersion)
                             .where(QuestionVersion.question_id == "q-insi-0")) == 1


def test_shipped_question_bank_passes_the_checks(runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
