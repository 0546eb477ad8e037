"""A candidate sits the mini mock exam: answers (autosaved), reloads, flags, submits, reads the report."""
from __future__ import annotations

import pytest

from cxacademy.accounts.services import register_user
from cxacademy.extensions import db

pytestmark = pytest.mark.e2e


def test_mini_mock_exam_with_reload_flag_and_report(live_server, page):
    base, app = live_server
    assert app.test_cli_runner().invoke(args=["content", "import"]).exit_code == 0
    with app.app_context():
        register_user(name="Ceren", email="ceren@example.com", password="ceren-password-1")
        db.session.commit()
    page.goto(base + "/login")
    page.get_by_label("Email").fill("ceren@example.com")
    page.get_by_label("Password").fill("ceren-password-1")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Practice").click()
    page.get_by_role("button", name="Start: Mini mock exam (25 questions)").click()
    assert "Question 1 of 25" in page.locator("legend").inner_text()
    assert page.locator("#timer-value").inner_text().startswith("0:4")

    # Question 1: choose the first option; the script saves it without a page load.
    first_option = page.locator("input[name=option]").first
    first_option.check()
    page.get_by_role("status").filter(has_text="Saved.").wait_for()
    page.reload()
    assert page.locator("input[name=option]").first.is_checked()

    # Question 2 via the navigator; flag it; answer it.
    page.get_by_role("navigation", name="Questions").get_by_role("button", name="2", exact=False).first.click()
    assert "Question 2 of 25" in page.locator("legend").inner_text()
    page.get_by_role("button", name="Flag for review").click()
    assert page.get_by_role("button", name="Remove flag").get_attribute("aria-pressed") == "true"
    page.locator("input[name=option]").first.check()
    page.get_by_role("status").filter(has_text="Saved.").wait_for()

    page.get_by_role("link", name="Review and submit").click()
    assert "2 of 25 questions answered." in page.locator("main").inner_text()
    assert "Flagged for review: 2" in page.locator("main").inner_text()
    page.get_by_role("button", name="Submit now").click()

    report = page.locator("main").inner_text()
    assert "By competency, weakest first" in report
    rows = page.get_by_role("region", name="By competency, weakest first").locator("tbody tr")
    assert rows.count() == 5
    assert "Every question, with the answers" in report
