"""Three languages: preference, then browser, then English; a switcher that works for anyone."""
from __future__ import annotations

from cxacademy.extensions import db

from .conftest import post_form


def test_default_language_is_english(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Learn customer experience" in html


def test_browser_language_is_used_for_anonymous_visitors(client):
    html = client.get("/", headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="tr">' in html and "Learn customer experience" not in html


def test_german_interface_is_available(client):
    html = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="de">' in html and "Learn customer experience" not in html


def test_unsupported_browser_language_falls_back_to_english(client):
    html = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html


def test_switcher_sets_language_for_anonymous_visitor(client):
    response = post_form(client, "/language", {"lang": "de", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert '<html lang="de">' in client.get("/login").get_data(as_text=True)


def test_switcher_rejects_unknown_language_with_clear_400(client):
    response = post_form(client, "/language", {"lang": "xx"})
    assert response.status_code == 400
    assert "Unknown language" in response.get_data(as_text=True)


def test_switcher_ignores_next_to_another_site(client):
    response = post_form(client, "/language", {"lang": "tr", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_user_preference_beats_browser_language(client, make_user, login_as):
    login_as(make_user(locale="tr"))
    html = client.get("/dashboard", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="tr">' in html


def test_switcher_saves_preference_of_logged_in_user(client, make_user, login_as):
    user = login_as(make_user())
    post_form(client, "/language", {"lang": "de"})
    db.session.refresh(user)
    assert user.locale == "de"


def test_form_errors_are_shown_in_the_users_language(client):
    post_form(client, "/language", {"lang": "tr"})
    response = post_form(client, "/register", {"name": "A", "email": "a@example.com", "password": "short", "confirm": "short"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use at least 10 characters." not in html and 'id="password-errors"' in html
