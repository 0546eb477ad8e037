"""Authoring in the browser: drafts stay invisible until published, every publication is kept,
restores work, two trainers cannot overwrite each other, and file imports do not overwrite edits."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cxacademy.authoring.models import LessonRevision
from cxacademy.catalog.models import Lesson, LessonText
from cxacademy.extensions import db

from .conftest import PASSWORD, post_form
from .course_files import small_course

URL = "/authoring/lessons/m1-lesson-1/en"


@pytest.fixture
def course(runner, tmp_path):
    root = small_course(tmp_path / "content")
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    return root


@pytest.fixture
def trainer(make_user, login_as):
    return login_as(make_user(role="trainer"))


def editor_fields(client, url=URL) -> dict:
    html = client.get(url).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]*)"', html) or \
        re.search(r'id="token" name="token" type="hidden" value="([^"]*)"', html)
    return {"token": token.group(1), "title": "Lesson m1-lesson-1 (en)", "objectives": "Understand the point",
            "key_terms": "Term m1-lesson-1 | What it means.", "body_markdown": "## First part\n\nNew text.\n"}


def learner_text():
    return db.session.scalar(select(LessonText.body_markdown).where(LessonText.lesson_id == "m1-lesson-1",
                                                                    LessonText.language == "en"))


def test_draft_is_invisible_to_learners_until_published(course, client, trainer):
    fields = editor_fields(client)
    assert post_form(client, URL, {**fields, "save": "Save draft"}).status_code == 302
    assert "New text." not in learner_text()
    assert "You are editing an unpublished draft." in client.get(URL).get_data(as_text=True)
    fields = editor_fields(client)
    assert post_form(client, URL, {**fields, "publish": "Publish"}).status_code == 302
    assert "New text." in learner_text()
    assert db.session.get(Lesson, "m1-lesson-1").version == 2


def test_publish_records_who_and_when_and_history_restores(course, client, trainer):
    post_form(client, URL, {**editor_fields(client), "publish": "Publish"})
    revisions = db.session.scalars(select(LessonRevision).order_by(LessonRevision.id)).all()
    assert [r.source for r in revisions] == ["import", "browser"] and revisions[1].saved_by_id == trainer.id
    history = client.get(f"{URL}/history").get_data(as_text=True)
    assert trainer.name in history and "Restore as draft" in history
    assert post_form(client, f"/authoring/revisions/{revisions[0].id}/restore", {}).status_code == 302
    post_form(client, URL, {**editor_fields(client), "body_markdown": "## First part\n\nText of m1-lesson-1 in en.\n",
                            "publish": "Publish"})
    assert "Text of m1-lesson-1 in en." in learner_text()


def test_preview_uses_the_sanitising_renderer_and_saves_nothing(course, client, trainer):
    fields = {**editor_fields(client), "body_markdown": "## Part\n\n<script>alert(1)</script> [x](javascript:alert(1))",
              "preview": "Preview"}
    html = client.post(URL, data={**fields, "csrf_token": re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(URL).get_data(as_text=True)).group(1)}
    ).get_data(as_text=True)
    preview = html.split('id="preview-title"')[1]
    assert "<script>alert(1)</script>" not in preview and 'href="javascript' not in preview
    assert "&lt;script&gt;" in preview
    assert "alert" not in learner_text()


def test_editor_validates_like_the_content_checker(course, client, trainer):
    fields = {**editor_fields(client), "objectives": "", "body_markdown": "See [x](lesson:nowhere).", "publish": "Publish"}
    response = post_form(client, URL, fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Write at least one learning objective." in html and "points to something that does not exist" in html


def test_turkish_key_terms_need_the_english_term(course, client, trainer):
    url = "/authoring/lessons/m1-lesson-1/tr"
    fields = {**editor_fields(client, url), "key_terms": "Temas noktası | Bir etkileşim.", "publish": "Publish"}
    assert post_form(client, url, fields).status_code == 422


def test_second_trainer_is_told_the_text_changed_and_loses_nothing(app, course, client, trainer, make_user):
    first_fields = editor_fields(client)
    other_trainer = make_user(role="trainer")
    other = app.test_client()
    post_form(other, "/login", {"email": other_trainer.email, "password": PASSWORD})
    second_fields = editor_fields(other)
    assert post_form(client, URL, {**first_fields, "body_markdown": "## A\n\nFirst trainer's text.",
                                   "publish": "Publish"}).status_code == 302
    response = post_form(other, URL, {**second_fields, "body_markdown": "## B\n\nSecond trainer's careful edit.",
                                      "publish": "Publish"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Someone else saved this lesson" in html
    assert "Second trainer&#39;s careful edit." in html and "First trainer&#39;s text." in html
    assert "First trainer's text." in learner_text()


def test_file_import_reports_a_conflict_instead_of_overwriting_a_browser_edit(course, client, trainer, runner):
    post_form(client, URL, {**editor_fields(client), "publish": "Publish"})
    (course / "modules/mod-1/lessons/01-m1-lesson-1.en.md").write_text(
        (course / "modules/mod-1/lessons/01-m1-lesson-1.en.md").read_text(encoding="utf-8") + "\nMore from the files.\n",
        encoding="utf-8")
    result = runner.invoke(args=["content", "import", str(course)])
    assert result.exit_code == 1 and "was edited in the browser" in result.output
    assert "New text." in learner_text()


def test_learners_cannot_open_the_editor(course, client, make_user, login_as):
    login_as(make_user())
    assert client.get(URL).status_code == 403
    assert post_form(client, URL, {"title": "x", "publish": "Publish"}).status_code == 403


def _publish(client, url, text):
    fields = editor_fields(client, url)
    fields.update({"title": f"New lesson ({text})", "body_markdown": f"## Part\n\n{text}\n", "publish": "Publish"})
    if url.endswith("/tr"):
        fields["key_terms"] = "Terim | Tanım. | Term"
    return post_form(client, url, fields)


def test_a_lesson_created_in_the_browser_reaches_learners_only_when_published_in_both_languages(
        app, course, client, trainer, make_user):
    response = post_form(client, "/authoring/lessons/new", {"module": "mod-1", "lesson_id": "brand-new", "minutes": "8"})
    assert response.status_code == 302
    learner = make_user()
    learner_client = app.test_client()
    post_form(learner_client, "/login", {"email": learner.email, "password": PASSWORD})
    assert learner_client.get("/lessons/brand-new").status_code == 404
    assert _publish(client, "/authoring/lessons/brand-new/en", "English text").status_code == 302
    assert learner_client.get("/lessons/brand-new").status_code == 404  # Turkish still missing
    assert _publish(client, "/authoring/lessons/brand-new/tr", "Türkçe metin").status_code == 302
    assert learner_client.get("/lessons/brand-new").status_code == 200
    assert "brand-new" in learner_client.get("/modules/mod-1").get_data(as_text=True)


def test_new_lesson_id_must_be_new(course, client, trainer):
    response = post_form(client, "/authoring/lessons/new", {"module": "mod-1", "lesson_id": "m1-lesson-1", "minutes": "8"})
    assert response.status_code == 422 and "Use a new id" in response.get_data(as_text=True)


def test_import_reports_a_lesson_that_exists_only_in_the_browser(course, client, trainer, runner):
    post_form(client, "/authoring/lessons/new", {"module": "mod-1", "lesson_id": "brand-new", "minutes": "8"})
    _publish(client, "/authoring/lessons/brand-new/en", "English text")
    result = runner.invoke(args=["content", "import", str(course)])
    assert result.exit_code == 1 and "'brand-new' exists only in the browser" in result.output


def test_live_preview_endpoint_returns_sanitised_html(course, client, trainer):
    from .conftest import csrf_token

    response = client.post("/authoring/preview", json={"markdown": "## Hi\n\n<script>x()</script> **b**"},
                           headers={"X-CSRFToken": csrf_token(client)})
    html = response.get_json()["html"]
    assert '<h2 id="hi">Hi</h2>' in html and "<strong>b</strong>" in html and "<script>" not in html
    assert client.post("/authoring/preview", json={"markdown": "x"}).status_code == 400  # no CSRF token


def test_trainer_creates_and_edits_a_module_with_field_errors(course, client, trainer):
    data = {"module_id": "service-recovery", "area": "design", "competency": "design", "pass_mark": "80",
            "validity": "", "title_en": "Service recovery", "title_tr": "Hizmet telafisi",
            "summary_en": "Putting things right.", "summary_tr": "Hataları telafi etmek."}
    assert post_form(client, "/authoring/modules/new", data).status_code == 302
    edit = {**data, "title_en": "Service recovery in practice"}
    edit.pop("module_id")
    assert post_form(client, "/authoring/modules/service-recovery", edit).status_code == 302
    from cxacademy.catalog.models import Module
    module = db.session.get(Module, "service-recovery")
    assert module.title("en") == "Service recovery in practice" and module.pass_mark == 80
    bad = post_form(client, "/authoring/modules/service-recovery", {**edit, "pass_mark": "150", "title_tr": ""})
    assert bad.status_code == 422 and "from 1 to 100" in bad.get_data(as_text=True)


def test_learner_cannot_edit_modules(course, client, make_user, login_as):
    login_as(make_user())
    assert client.get("/authoring/modules/mod-1").status_code == 403
