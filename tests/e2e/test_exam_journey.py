"""A candidate sits the mini mock exam: answers (autosaved), reloads, flags, submits, reads the report."""
from __future__ import annotations

import pytest

from cxacademy.accounts.services import register_user
from cxacademy.extensions import db

from .conftest import log_in

pytestmark = pytest.mark.e2e


def test_mini_mock_exam_with_reload_flag_and_report(live_server, page):
    base, app = live_server
    assert app.test_cli_runner().invoke(args=["content", "import"]).exit_code == 0
    with app.app_context():
        register_user(name="Ceren", email="ceren@example.com", password="ceren-password-1")
        db.session.commit()
    log_in(page, base, "ceren@example.com", "ceren-password-1")

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


def test_two_tabs_on_one_attempt_lose_no_answer(live_server, page):
    from sqlalchemy import select

    from cxacademy.assessment.models import AttemptItem

    base, app = live_server
    assert app.test_cli_runner().invoke(args=["content", "import"]).exit_code == 0
    with app.app_context():
        register_user(name="Deniz", email="deniz@example.com", password="deniz-password-1")
        db.session.commit()
    log_in(page, base, "deniz@example.com", "deniz-password-1")
    page.goto(base + "/practice")
    page.get_by_role("button", name="Start: Mini mock exam (25 questions)").click()
    attempt_url = page.url.split("?")[0]
    tab_a, tab_b = page, page.context.new_page()
    tab_b.goto(attempt_url + "?q=1")

    def answer(tab, index):
        """Tick an option (a radio button or, on a multiple-answer question, a checkbox); once it is
        saved, return the answer the tab now shows."""
        tab.locator("input[name=option]").nth(index).check()
        tab.get_by_role("status").filter(has_text="Saved.").wait_for()
        return sorted(tab.locator("input[name=option]:checked").evaluate_all("inputs => inputs.map(i => i.value)"))

    def go(tab, button):
        tab.get_by_role("button", name=button, exact=True).click()
        tab.wait_for_load_state()

    expected = {1: answer(tab_a, 0)}
    go(tab_b, "Next")                      # tab B still showed question 1 unanswered
    assert "Question 2 of 25" in tab_b.locator("legend").inner_text()
    expected[2] = answer(tab_b, 1)
    go(tab_a, "Next")
    assert tab_a.locator("input[name=option]").nth(1).is_checked(), "tab A sees tab B's answer"
    go(tab_a, "Next")
    expected[3] = answer(tab_a, 0)
    go(tab_b, "Next")                      # tab B opens question 3 as answered in tab A
    assert tab_b.locator("input[name=option]").nth(0).is_checked()
    expected[3] = answer(tab_a, 1)         # tab A changes its mind; tab B's page is now stale
    go(tab_b, "Next")                      # ...and moving on from it must not restore the old answer
    expected[4] = answer(tab_b, 0)
    with app.app_context():
        items = db.session.execute(select(AttemptItem.position, AttemptItem.chosen)
                                   .where(AttemptItem.chosen.is_not(None))).all()
    assert {position: sorted(chosen) for position, chosen in items} == expected
    tab_a.get_by_role("link", name="Review and submit").click()
    assert "4 of 25 questions answered." in tab_a.locator("main").inner_text()
