"""A learner opens a lesson, marks it complete, and sees the module's progress bar move on the dashboard."""
from __future__ import annotations

import pytest

from cxacademy.accounts.services import register_user
from cxacademy.extensions import db

from .conftest import log_in

pytestmark = pytest.mark.e2e


def test_complete_a_lesson_and_see_progress_move(live_server, page):
    base, app = live_server
    runner = app.test_cli_runner()
    assert runner.invoke(args=["content", "import"]).exit_code == 0
    with app.app_context():
        register_user(name="Mert", email="mert@example.com", password="mert-password-1")
        db.session.commit()

    log_in(page, base, "mert@example.com", "mert-password-1")
    page.wait_for_url(base + "/dashboard")
    modules = page.get_by_role("region", name="Modules")
    assert "0 of 8 lessons (0%)" in modules.inner_text()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Course").click()
    page.get_by_role("link", name="CX fundamentals").click()
    page.get_by_role("link", name="What customer experience is").click()
    assert page.get_by_role("heading", level=1).inner_text() == "What customer experience is"
    page.get_by_role("navigation", name="On this page").get_by_role("link").first.click()
    page.get_by_role("button", name="Mark as complete").click()
    assert "Lesson completed" in page.get_by_role("status").inner_text()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    assert "1 of 8 lessons (12%)" in page.get_by_role("region", name="Modules").inner_text()
    assert "What customer experience is" in page.get_by_role("region", name="Recent activity").inner_text()
