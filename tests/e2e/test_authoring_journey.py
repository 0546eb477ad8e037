"""A trainer types in the lesson editor and sees the live preview update, then publishes."""
from __future__ import annotations

import pytest

from cxacademy.accounts.services import register_user
from cxacademy.extensions import db

from .conftest import log_in

pytestmark = pytest.mark.e2e


def test_live_preview_follows_typing_and_publish_reaches_the_lesson(live_server, page):
    base, app = live_server
    assert app.test_cli_runner().invoke(args=["content", "import"]).exit_code == 0
    with app.app_context():
        register_user(name="Tuna", email="tuna@example.com", password="tuna-password-1", role="trainer")
        db.session.commit()
    log_in(page, base, "tuna@example.com", "tuna-password-1")
    page.goto(base + "/authoring/lessons/channels/en")
    body = page.get_by_label("Lesson text (Markdown)")
    body.fill(body.input_value() + "\n\n## A brand new section\n\nWith **fresh** words.\n")
    page.locator("#live-preview h2", has_text="A brand new section").wait_for()
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Published: learners now see this version.").wait_for()
    page.goto(base + "/lessons/channels")
    assert page.get_by_role("heading", name="A brand new section").is_visible()
