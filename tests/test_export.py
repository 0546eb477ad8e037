"""Exporting the course from the database into content/ files: importing the export changes nothing."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from cxacademy.assessment.models import Question, QuestionVersion
from cxacademy.authoring.export import ExportError, export_course, export_zip
from cxacademy.catalog.content import split_front_matter
from cxacademy.catalog.models import Lesson, LessonText, Module
from cxacademy.extensions import db

from .conftest import post_form
from .course_files import course_with_questions, lesson_text, question, small_course, write_lesson, write_questions


def run(runner, *args):
    return runner.invoke(args=["content", *map(str, args)])


def unpack(files: dict[str, bytes], target: Path) -> Path:
    """Write the export the way a download is used: through the zip archive."""
    with zipfile.ZipFile(io.BytesIO(export_zip(files))) as archive:
        archive.extractall(target)
    return target / "content"


def parse_lesson(text: str) -> tuple[dict, str]:
    front, body, _line = split_front_matter(text)
    return yaml.safe_load(front), body


def assert_round_trip(runner, tmp_path) -> Path:
    root = unpack(export_course(), tmp_path / "export")
    check = run(runner, "check", root)
    assert check.exit_code == 0, check.output
    again = run(runner, "import", root)
    assert again.exit_code == 0, again.output
    assert "(no changes)" in again.output, again.output
    return root


def test_export_of_an_imported_course_imports_without_changes(runner, tmp_path):
    source = course_with_questions(tmp_path / "content")
    result = run(runner, "import", source)
    assert result.exit_code == 0, result.output
    root = assert_round_trip(runner, tmp_path)
    assert sorted(str(p.relative_to(root.parent)) for p in root.rglob("*") if p.is_file()) == [
        "content/blueprints.yaml", "content/credential_rules.yaml",
        "content/modules/mod-1/lessons/01-m1-lesson-1.en.md", "content/modules/mod-1/lessons/01-m1-lesson-1.tr.md",
        "content/modules/mod-1/lessons/02-m1-lesson-2.en.md", "content/modules/mod-1/lessons/02-m1-lesson-2.tr.md",
        "content/modules/mod-1/module.yaml",
        "content/modules/mod-1/questions.en.yaml", "content/modules/mod-1/questions.tr.yaml"]
    # The lesson files say what the imported files said (same front matter, same body).
    for name in ("01-m1-lesson-1.en.md", "02-m1-lesson-2.tr.md"):
        exported = (root / "modules/mod-1/lessons" / name).read_text(encoding="utf-8")
        assert parse_lesson(exported) == parse_lesson((source / "modules/mod-1/lessons" / name).read_text(encoding="utf-8"))
    exported = yaml.safe_load((root / "modules/mod-1/questions.en.yaml").read_text(encoding="utf-8"))
    assert exported == yaml.safe_load((source / "modules/mod-1/questions.en.yaml").read_text(encoding="utf-8"))
    exported = yaml.safe_load((root / "modules/mod-1/questions.tr.yaml").read_text(encoding="utf-8"))
    assert exported == yaml.safe_load((source / "modules/mod-1/questions.tr.yaml").read_text(encoding="utf-8"))
    assert yaml.safe_load((root / "blueprints.yaml").read_text(encoding="utf-8")) == \
        yaml.safe_load((source / "blueprints.yaml").read_text(encoding="utf-8"))


def test_shipped_course_round_trips(runner, tmp_path):
    result = run(runner, "import")
    assert result.exit_code == 0, result.output
    root = assert_round_trip(runner, tmp_path)
    shipped = Path(__file__).resolve().parent.parent / "content"
    assert {p.relative_to(shipped) for p in (shipped / "modules").rglob("*") if p.is_file()} == \
        {p.relative_to(root) for p in (root / "modules").rglob("*") if p.is_file()}
    # Bodies are copied byte for byte.
    lesson = next((shipped / "modules/fundamentals/lessons").glob("01-*.tr.md"))
    body = lesson.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert (root / "modules/fundamentals/lessons" / lesson.name).read_text(encoding="utf-8").endswith("\n---\n" + body)


def test_export_of_one_module_contains_only_that_module(runner, tmp_path):
    source = small_course(tmp_path / "content", modules=2, lessons_per_module=2)
    write_questions(source, "mod-2", [question("q-two", "m2-lesson-1")])
    assert run(runner, "import", source).exit_code == 0
    files = export_course(["mod-2"])
    assert all(path.startswith("content/modules/mod-2/") for path in files), list(files)
    assert sorted(files) == [
        "content/modules/mod-2/lessons/01-m2-lesson-1.en.md", "content/modules/mod-2/lessons/01-m2-lesson-1.tr.md",
        "content/modules/mod-2/lessons/02-m2-lesson-2.en.md", "content/modules/mod-2/lessons/02-m2-lesson-2.tr.md",
        "content/modules/mod-2/module.yaml",
        "content/modules/mod-2/questions.en.yaml", "content/modules/mod-2/questions.tr.yaml"]
    root = unpack(files, tmp_path / "one")
    check = run(runner, "check", root)
    assert check.exit_code == 0, check.output
    assert "1 modules, 2 lessons" in check.output
    with pytest.raises(ExportError, match="no-such-module"):
        export_course(["mod-1", "no-such-module"])


def test_turkish_characters_survive(runner, tmp_path):
    source = small_course(tmp_path / "content")
    write_lesson(source, "mod-1", 1, "m1-lesson-1", langs=("tr",), title="Müşteri deneyimi: İlk adım",
                 body="## Şirket ve müşteri\n\nÇağrı merkezi, ödeme ve ığdır; İSTANBUL — “tırnak”.\n")
    assert run(runner, "import", source).exit_code == 0
    files = export_course()
    lesson = files["content/modules/mod-1/lessons/01-m1-lesson-1.tr.md"].decode("utf-8")
    assert "title: 'Müşteri deneyimi: İlk adım'" in lesson or "title: \"Müşteri deneyimi: İlk adım\"" in lesson
    assert lesson.endswith("## Şirket ve müşteri\n\nÇağrı merkezi, ödeme ve ığdır; İSTANBUL — “tırnak”.\n")
    assert "Modül mod-1" in files["content/modules/mod-1/module.yaml"].decode("utf-8")  # not \u-escaped
    assert_round_trip(runner, tmp_path)


def test_true_false_ids_multiline_text_and_odd_values_round_trip(runner, tmp_path):
    source = small_course(tmp_path / "content")
    tf = question("q-tf", "m1-lesson-1", qtype="true_false", scenario=True, dimension="price", difficulty=3,
                  stem="First line of the situation.\n\nSecond paragraph: what now?\n  - indented line\n")
    tricky = question("q-odd", "m1-lesson-2", competency="metrics",
                      stem="yes", explanation="null",
                      options=[{"id": "1", "text": "2021-01-01", "correct": True, "rationale": "'quoted' # hash"},
                               {"id": "no", "text": "---", "rationale": "Line one\n---\nLine three  "}])
    write_questions(source, "mod-1", [tf, tricky])
    # Written by hand: a dumped multi-line objective with a "---" line would end the front matter.
    for lang in ("en", "tr"):
        (source / f"modules/mod-1/lessons/02-m1-lesson-2.{lang}.md").write_text(
            "---\nid: m1-lesson-2\ntitle: 'Two: lesson'\nminutes: 7\n"
            'objectives: ["on", "Two\\nlines\\n---\\nend"]\n'
            "key_terms: [{term: '1.5', definition: A number-looking term., en: '1.5'}]\n"
            "---\n## Part\n\n---\n\nAfter a rule line.\r\nNo final newline", encoding="utf-8")
    result = run(runner, "import", source)
    assert result.exit_code == 0, result.output
    files = export_course()
    english = files["content/modules/mod-1/questions.en.yaml"].decode("utf-8")
    assert "- id: 'true'" in english and "- id: 'false'" in english
    assert yaml.safe_load(english)[0]["options"][0] == {"id": "true", "text": "True", "correct": True,
                                                        "rationale": "Right because."}
    assert list(yaml.safe_load(english)[0]) == ["id", "type", "scenario", "lesson", "competency", "dimension",
                                                "difficulty", "stem", "options", "explanation"]
    assert "correct" not in yaml.safe_load(english)[0]["options"][1]
    assert "stem: |" in english  # multi-line text as a readable literal block
    turkish = yaml.safe_load(files["content/modules/mod-1/questions.tr.yaml"])
    assert list(turkish[0]) == ["id", "stem", "options", "explanation"] and list(turkish[0]["options"][0]) == \
        ["id", "text", "rationale"]
    root = assert_round_trip(runner, tmp_path)
    version = db.session.get(QuestionVersion, db.session.get(Question, "q-tf").current_version_id)
    assert version.texts["en"]["stem"] == tf["stem"].strip() and version.version == 1


def test_a_changed_lesson_exports_its_new_text(runner, tmp_path):
    source = small_course(tmp_path / "content")
    assert run(runner, "import", source).exit_code == 0
    changed = tmp_path / "changed" / "content"
    small_course(changed)
    write_lesson(changed, "mod-1", 1, "m1-lesson-1", langs=("en",), minutes=9,
                 body="## Rewritten\n\nThe new text of the lesson.\n")
    result = run(runner, "import", changed)
    assert "changed  lesson m1-lesson-1" in result.output
    files = export_course()
    assert parse_lesson(files["content/modules/mod-1/lessons/01-m1-lesson-1.en.md"].decode("utf-8")) == \
        parse_lesson(lesson_text("m1-lesson-1", "en", body="## Rewritten\n\nThe new text of the lesson.\n", minutes=9))
    assert "More." in files["content/modules/mod-1/lessons/01-m1-lesson-1.tr.md"].decode("utf-8")
    assert_round_trip(runner, tmp_path)


def test_a_lesson_published_in_the_browser_round_trips(runner, tmp_path, client, make_user, login_as):
    source = small_course(tmp_path / "content")
    assert run(runner, "import", source).exit_code == 0
    login_as(make_user(role="trainer"))
    url = "/authoring/lessons/m1-lesson-1/tr"
    html = client.get(url).get_data(as_text=True)
    token = html.split('name="token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = post_form(client, url, {"token": token, "title": "Yeni başlık", "objectives": "Anlamak\nUygulamak",
                                       "key_terms": "Temas noktası | Bir etkileşim. | Touchpoint",
                                       "body_markdown": "## Düzenlendi\n\nTarayıcıda yazıldı.\n", "publish": "Publish"})
    assert response.status_code == 302
    db.session.expire_all()
    exported = export_course()["content/modules/mod-1/lessons/01-m1-lesson-1.tr.md"].decode("utf-8")
    assert "title: Yeni başlık" in exported and exported.endswith("---\n## Düzenlendi\n\nTarayıcıda yazıldı.\n")
    # The import's check refuses files that differ from a browser edit: the export must match it exactly.
    assert_round_trip(runner, tmp_path)


def test_retired_content_is_not_exported(runner, tmp_path):
    source = small_course(tmp_path / "content", modules=2)
    write_questions(source, "mod-1", [question("q-keep", "m1-lesson-1"), question("q-gone", "m1-lesson-2")])
    assert run(runner, "import", source).exit_code == 0
    for path in (source / "modules/mod-1/lessons").glob("02-*"):
        path.unlink()
    write_questions(source, "mod-1", [question("q-keep", "m1-lesson-1")])
    for path in sorted((source / "modules/mod-2").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (source / "modules/mod-2").rmdir()
    result = run(runner, "import", source)
    assert "retired  lesson m1-lesson-2" in result.output and "retired  question q-gone" in result.output
    assert db.session.get(Module, "mod-2").retired_at is not None
    files = export_course()
    assert not any("mod-2" in path or "m1-lesson-2" in path for path in files)
    assert "q-gone" not in files["content/modules/mod-1/questions.en.yaml"].decode("utf-8")
    with pytest.raises(ExportError):
        export_course(["mod-2"])
    assert_round_trip(runner, tmp_path)


def test_zip_is_deterministic_and_sorted(runner, tmp_path):
    assert run(runner, "import", course_with_questions(tmp_path / "content")).exit_code == 0
    files = export_course()
    first, second = export_zip(files), export_zip(dict(reversed(list(files.items()))))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == sorted(files)
        assert all(archive.read(name) == files[name] for name in files)


def test_export_only_reads(runner, tmp_path):
    assert run(runner, "import", course_with_questions(tmp_path / "content")).exit_code == 0
    before = [(t.lesson_id, t.language, t.body_markdown) for t in db.session.scalars(select(LessonText))]
    versions = [(l.id, l.version) for l in db.session.scalars(select(Lesson))]
    export_course()
    assert not db.session.new and not db.session.dirty and not db.session.deleted
    assert before == [(t.lesson_id, t.language, t.body_markdown) for t in db.session.scalars(select(LessonText))]
    assert versions == [(l.id, l.version) for l in db.session.scalars(select(Lesson))]


def test_a_lesson_published_with_browser_line_endings_round_trips(runner, tmp_path, client, make_user, login_as):
    source = small_course(tmp_path / "content")
    assert run(runner, "import", source).exit_code == 0
    login_as(make_user(role="trainer"))
    url = "/authoring/lessons/m1-lesson-1/en"
    html = client.get(url).get_data(as_text=True)
    token = html.split('name="token" type="hidden" value="', 1)[1].split('"', 1)[0]
    post_form(client, url, {"token": token, "title": "Edited", "objectives": "Understand",
                            "key_terms": "Term | Definition.", "publish": "Publish",
                            "body_markdown": "## Edited\r\n\r\nA browser sends CRLF line endings.\r\n"})
    db.session.expire_all()
    assert_round_trip(runner, tmp_path)


def test_export_command_writes_a_folder_that_imports_without_changes(runner, tmp_path):
    assert runner.invoke(args=["content", "import"]).exit_code == 0
    result = runner.invoke(args=["content", "export", "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["content", "import", str(tmp_path / "out" / "content")])
    assert "(no changes)" in again.output


def test_trainer_downloads_a_module_as_zip_and_learner_cannot(runner, client, make_user, login_as):
    import io
    import zipfile

    runner.invoke(args=["content", "import"])
    login_as(make_user(role="trainer"))
    response = client.get("/authoring/export.zip?module=fundamentals")
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert response.mimetype == "application/zip" and "content/modules/fundamentals/module.yaml" in names
    assert not any("/metrics/" in n for n in names)
    assert client.get("/authoring/export.zip?module=nope").status_code == 404
