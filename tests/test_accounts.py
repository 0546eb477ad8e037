"""Accounts: registration, login, logout, profile and password change, through the real forms."""
from __future__ import annotations

from sqlalchemy import func, select

from cxacademy.accounts.models import User
from cxacademy.extensions import db

from .conftest import PASSWORD, csrf_token, post_form


def _register(client, **fields):
    data = {"name": "Ayşe Yılmaz", "email": "ayse@example.com", "password": PASSWORD, "confirm": PASSWORD}
    data.update(fields)
    return post_form(client, "/register", data)


def _user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_register_creates_learner_and_logs_in(client):
    response = _register(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    user = db.session.scalar(select(User))
    assert (user.email, user.role, user.active) == ("ayse@example.com", "learner", True)
    assert user.password_hash.startswith("$argon2") and PASSWORD not in user.password_hash
    assert "Ayşe Yılmaz" in client.get("/dashboard").get_data(as_text=True)


def test_register_normalises_email_to_lower_case(client):
    _register(client, email="  Ayse.Yilmaz@Example.COM ")
    assert db.session.scalar(select(User.email)) == "ayse.yilmaz@example.com"


def test_register_rejects_duplicate_email_case_insensitively(client, make_user):
    make_user(email="taken@example.com")
    response = _register(client, email="TAKEN@example.com")
    assert response.status_code == 409
    assert "An account with this email already exists" in response.get_data(as_text=True)
    assert _user_count() == 1


def test_register_rejects_short_password_at_the_field(client):
    response = _register(client, password="short", confirm="short")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="password-errors"' in html and "Use at least 10 characters." in html
    assert _user_count() == 0


def test_register_rejects_mismatched_passwords(client):
    response = _register(client, confirm=PASSWORD + "x")
    assert response.status_code == 422
    assert "The two passwords do not match." in response.get_data(as_text=True)
    assert _user_count() == 0


def test_register_rejects_invalid_email(client):
    response = _register(client, email="not-an-email")
    assert response.status_code == 422
    assert "Enter a valid email address" in response.get_data(as_text=True)


def test_register_without_csrf_token_is_refused_with_400_page(client):
    response = client.post("/register", data={"name": "X", "email": "x@example.com", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400
    assert "Your form has expired" in response.get_data(as_text=True)
    assert _user_count() == 0


def test_login_with_wrong_csrf_token_is_refused(client, make_user):
    user = make_user()
    csrf_token(client)
    response = client.post("/login", data={"csrf_token": "forged", "email": user.email, "password": PASSWORD})
    assert response.status_code == 400


def test_login_wrong_password_gives_generic_message(client, make_user):
    user = make_user()
    wrong_password = post_form(client, "/login", {"email": user.email, "password": "wrong-password-1"})
    unknown_email = post_form(client, "/login", {"email": "nobody@example.com", "password": "wrong-password-1"})
    assert wrong_password.status_code == unknown_email.status_code == 401
    message = "The email or password is not right."
    assert message in wrong_password.get_data(as_text=True) and message in unknown_email.get_data(as_text=True)


def test_login_is_case_insensitive_on_email(client, make_user):
    user = make_user(email="mixed@example.com")
    response = post_form(client, "/login", {"email": "MIXED@Example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_login_remember_me_sets_a_lasting_cookie(client, make_user):
    user = make_user()
    post_form(client, "/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None


def test_login_without_remember_me_sets_no_remember_cookie(client, make_user):
    user = make_user()
    post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert client.get_cookie("remember_token") is None


def test_deactivated_user_cannot_log_in(client, make_user):
    user = make_user(active=False)
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "deactivated" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_logout_is_post_only_and_ends_the_session(client, make_user, login_as):
    login_as(make_user())
    assert client.get("/logout").status_code == 405
    response = post_form(client, "/logout", {})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_anonymous_is_redirected_to_login_with_next(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert "/login?next=%2Fprofile" in response.headers["Location"]


def test_login_follows_same_site_next(client, make_user):
    user = make_user()
    response = post_form(client, "/login?next=/profile", {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/profile"


def test_login_ignores_next_pointing_to_another_site(client, make_user):
    user = make_user()
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
        response = post_form(client, f"/login?next={target}", {"email": user.email, "password": PASSWORD})
        assert response.headers["Location"].endswith("/dashboard"), target
        post_form(client, "/logout", {})


def test_profile_update_saves_name_and_language(client, make_user, login_as):
    user = login_as(make_user())
    response = post_form(client, "/profile", {"name": "New Name", "locale": "tr"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale) == ("New Name", "tr")


def test_profile_rejects_unknown_language(client, make_user, login_as):
    user = login_as(make_user())
    response = post_form(client, "/profile", {"name": "Name", "locale": "xx"})
    assert response.status_code == 422
    db.session.refresh(user)
    assert user.locale == "en"


def test_change_password_requires_the_current_one(client, make_user, login_as):
    user = login_as(make_user())
    new = "another-long-password"
    wrong = post_form(client, "/profile/password", {"current_password": "nope-nope-nope", "password": new, "confirm": new})
    assert wrong.status_code == 422 and "That is not your current password." in wrong.get_data(as_text=True)
    right = post_form(client, "/profile/password", {"current_password": PASSWORD, "password": new, "confirm": new})
    assert right.status_code == 302
    assert client.get("/dashboard").status_code == 200  # this session survives its own change
    post_form(client, "/logout", {})
    assert post_form(client, "/login", {"email": user.email, "password": new}).status_code == 302


def test_password_change_signs_out_other_sessions(app, make_user, login_as, client):
    user = make_user()
    other = app.test_client()
    post_form(other, "/login", {"email": user.email, "password": PASSWORD})
    assert other.get("/dashboard").status_code == 200
    login_as(user)
    new = "another-long-password"
    post_form(client, "/profile/password", {"current_password": PASSWORD, "password": new, "confirm": new})
    assert other.get("/dashboard").status_code == 302


def test_profile_sets_the_spaced_review_target(client, make_user, login_as):
    user = login_as(make_user())
    assert post_form(client, "/profile", {"name": user.name, "locale": "en", "review_retention": "0.95"}).status_code == 302
    db.session.refresh(user)
    assert user.review_retention == 0.95


def test_profile_refuses_an_unlisted_review_target(client, make_user, login_as):
    user = login_as(make_user())
    response = post_form(client, "/profile", {"name": user.name, "locale": "en", "review_retention": "0.5"})
    assert response.status_code == 422
    db.session.refresh(user)
    assert user.review_retention == 0.9
