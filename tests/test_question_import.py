"""Question import through the browser: a preview lists what will be created and every unreadable
line; nothing is written until the trainer confirms. Export for Moodle."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from cxacademy.assessment.models import Question, QuestionVersion
from cxacademy.authoring import formats
from cxacademy.extensions import db

from .conftest import post_form
from .course_files import course_with_questions

GIFT = """// two good questions and one broken one
::q1:: Which metric uses a 0-10 scale? {
  =NPS#Right: likelihood to recommend.
  ~CSAT#Wrong: usually 1-5.
  ~CES#Wrong: an agreement scale.
}

Promoters score 9 or 10. {T}

Broken question with no answers {
"""


@pytest.fixture
def bank(runner, tmp_path):
    root = course_with_questions(tmp_path / "content")
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    return root


@pytest.fixture
def trainer(make_user, login_as):
    return login_as(make_user(role="trainer"))


def choices(**overrides):
    return {"format": "gift", "language": "en", "module": "mod-1", "lesson": "m1-lesson-1",
            "competency": "metrics", **overrides}


def question_count():
    return db.session.scalar(select(func.count()).select_from(Question))


def test_preview_lists_questions_and_unreadable_lines_and_writes_nothing(bank, client, trainer):
    before = question_count()
    response = post_form(client, "/authoring/questions/import",
                         {**choices(), "file": (io.BytesIO(GIFT.encode()), "bank.gift")},
                         content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Which metric uses a 0-10 scale?" in html and "Promoters score 9 or 10." in html
    assert re.search(r"line 1[0-9]", html)  # the broken question, by its line
    assert question_count() == before


def test_confirming_creates_the_questions_with_both_languages(bank, client, trainer):
    preview = post_form(client, "/authoring/questions/import",
                        {**choices(), "file": (io.BytesIO(GIFT.encode()), "bank.gift")},
                        content_type="multipart/form-data").get_data(as_text=True)
    payload = re.search(r'name="payload" value="([^"]+)"', preview).group(1)
    before = question_count()
    response = post_form(client, "/authoring/questions/import", {**choices(), "payload": payload, "confirm": "yes"})
    assert response.status_code == 200 and question_count() == before + 2
    version = db.session.scalar(select(QuestionVersion).join(Question, Question.current_version_id == QuestionVersion.id)
                                .where(Question.id == "mod-1-imp-001"))
    assert version.type == "single" and version.correct == ["a"]
    assert version.texts["tr"]["stem"] == version.texts["en"]["stem"]  # a copy to translate in the editor
    assert version.texts["en"]["options"]["a"]["rationale"] == "Right: likelihood to recommend."


def test_windows_1254_turkish_file_is_read(bank, client, trainer):
    aiken = "Müşteri şikâyeti hangi kanaldan gelir?\nA. Çağrı merkezi\nB. Işık\nANSWER: A\n"
    response = post_form(client, "/authoring/questions/import",
                         {**choices(format="aiken", language="tr"), "file": (io.BytesIO(aiken.encode("cp1254")), "a.txt")},
                         content_type="multipart/form-data")
    assert response.status_code == 200 and "Müşteri şikâyeti" in response.get_data(as_text=True)


def test_binary_file_is_refused_with_a_clear_message(bank, client, trainer):
    response = post_form(client, "/authoring/questions/import",
                         {**choices(), "file": (io.BytesIO(b"\x00\x01\x02PK\x03\x04" * 50), "bank.docx")},
                         content_type="multipart/form-data")
    assert response.status_code == 422 and "This is not a text file" in response.get_data(as_text=True)


def test_module_exports_as_gift_and_moodle_xml_that_parse_back(bank, client, trainer):
    gift_response = client.get("/authoring/questions/export/mod-1.gift")
    xml_response = client.get("/authoring/questions/export/mod-1.xml")
    assert gift_response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert xml_response.headers["Content-Type"] == "application/xml; charset=utf-8"
    gift, xml = gift_response.get_data(as_text=True), xml_response.get_data(as_text=True)
    total = db.session.scalar(select(func.count()).select_from(Question).where(Question.module_id == "mod-1"))
    assert len(formats.parse_gift(gift).questions) == total
    assert len(formats.parse_moodle_xml(xml).questions) == total


def test_learner_cannot_import(bank, client, make_user, login_as):
    login_as(make_user())
    assert client.get("/authoring/questions/import").status_code == 403
