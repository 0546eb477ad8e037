"""A newcomer registers, logs out, logs back in and switches the interface to Turkish."""
from __future__ import annotations

import pytest

from .conftest import log_in

pytestmark = pytest.mark.e2e


def test_register_logout_login_and_switch_to_turkish(live_server, page):
    base, _app = live_server
    page.goto(base + "/")
    page.get_by_role("link", name="Create a free account").click()
    page.get_by_label("Full name").fill("Elif Demir")
    page.get_by_label("Email").fill("elif@example.com")
    page.get_by_label("Password", exact=True).fill("elif-password-123")
    page.get_by_label("Repeat password").fill("elif-password-123")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(base + "/dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Elif Demir"

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(base + "/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("elif@example.com")
    page.get_by_label("Password").fill("elif-password-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base + "/dashboard")

    page.get_by_role("button", name="Türkçe").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "tr"
    assert page.get_by_role("heading", level=1).inner_text() == "Hoş geldiniz, Elif Demir"
    assert page.get_by_role("button", name="Türkçe").get_attribute("aria-pressed") == "true"


def test_wrong_password_shows_message_at_the_field(live_server, page):
    base, app = live_server
    from cxacademy.accounts.services import register_user
    from cxacademy.extensions import db

    with app.app_context():
        register_user(name="Kai", email="kai@example.com", password="kai-password-123")
        db.session.commit()
    log_in(page, base, "kai@example.com", "not-the-password")
    error = page.locator("#password-errors")
    assert error.inner_text() == "The email or password is not right."
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"
