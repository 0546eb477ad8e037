"""axe-core (vendored from the npm registry) in Chromium: no serious or critical violations on the
pages learners, candidates and trainers use most; the mock exam works with the keyboard alone."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cxacademy.accounts.services import register_user
from cxacademy.extensions import db

from .conftest import log_in

pytestmark = pytest.mark.e2e
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")


def violations(page) -> list[str]:
    page.evaluate(AXE)  # evaluated by the test through DevTools: the app's CSP is not loosened for it
    result = page.evaluate("async () => JSON.stringify((await axe.run(document)).violations)")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in json.loads(result) if v["impact"] in ("serious", "critical")]


@pytest.fixture
def signed_in(live_server, page):
    base, app = live_server
    assert app.test_cli_runner().invoke(args=["content", "import"]).exit_code == 0
    with app.app_context():
        register_user(name="Aylin", email="aylin@example.com", password="aylin-password-1", role="trainer")
        db.session.commit()
    log_in(page, base, "aylin@example.com", "aylin-password-1")
    page.wait_for_url(base + "/dashboard")
    return base


PAGES = ["/dashboard", "/modules", "/lessons/what-is-cx", "/glossary", "/practice", "/credentials",
         "/tools/metrics-lab", "/tools/5d-assessment", "/authoring/lessons/what-is-cx/en", "/trainer/cohorts",
         "/profile"]


def test_landing_page_has_no_serious_violations(live_server, page):
    base, _app = live_server
    page.goto(base + "/")
    assert violations(page) == []


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_violations(signed_in, page, path):
    page.goto(signed_in + path)
    assert violations(page) == []


def test_mock_exam_timer_and_report_have_no_serious_violations_and_work_by_keyboard(signed_in, page):
    page.goto(signed_in + "/practice")
    start = page.get_by_role("button", name="Start: Mini mock exam (25 questions)")
    start.focus()
    page.keyboard.press("Enter")
    page.locator("#timer").wait_for()
    assert violations(page) == []
    # Keyboard only: Tab to the first option, choose it with Space, go on with Enter on "Next".
    page.locator("input[name=option]").first.focus()
    page.keyboard.press("Space")
    assert page.locator("input[name=option]").first.is_checked()
    page.get_by_role("button", name="Next").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=2$"))
    page.get_by_role("link", name="Review and submit").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Submit now").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="By competency, weakest first").wait_for()
    assert violations(page) == []
