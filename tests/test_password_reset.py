"""Password reset by email: signed, single-use, one hour; never reveals whether an email exists."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from cxacademy.accounts import services
from cxacademy.clock import now_utc
from cxacademy.extensions import db

from .conftest import PASSWORD, post_form

NEW_PASSWORD = "brand-new-password-2"


def _reset_link(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://localhost(/password/reset/\S+)", body).group(1)


def test_reset_mail_arrives_through_smtp_and_sets_a_new_password(client, make_user, smtp_server):
    user = make_user()
    response = post_form(client, "/password/forgot", {"email": user.email.upper()})
    assert response.status_code == 302
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == user.email and "Reset your CX Academy password" in message["Subject"]
    path = _reset_link(message)
    assert post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert post_form(client, "/login", {"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_reset_mail_is_written_in_the_users_language(client, make_user, smtp_server):
    user = make_user(locale="tr")
    post_form(client, "/password/forgot", {"email": user.email})
    subject = smtp_server.messages[0]["Subject"]
    assert "Reset your" not in subject and "CX Academy" in subject


def test_reset_request_for_unknown_email_says_the_same_and_sends_nothing(client, make_user, smtp_server):
    user = make_user()
    known = post_form(client, "/password/forgot", {"email": user.email}, follow_redirects=True)
    unknown = post_form(client, "/password/forgot", {"email": "nobody@example.com"}, follow_redirects=True)
    sentence = "If an account uses that address"
    assert sentence in known.get_data(as_text=True) and sentence in unknown.get_data(as_text=True)
    assert len(smtp_server.messages) == 1


def test_reset_token_cannot_be_used_twice(client, make_user, smtp_server):
    user = make_user()
    post_form(client, "/password/forgot", {"email": user.email})
    path = _reset_link(smtp_server.messages[0])
    post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    again = post_form(client, path, {"password": "third-password-333", "confirm": "third-password-333"})
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_reset_token_expires_after_one_hour(app, make_user):
    user = make_user()
    issued = now_utc()
    token = services.make_reset_token(user, secret_key=app.config["SECRET_KEY"], now=issued, max_age=3600)
    assert services.user_for_reset_token(token, secret_key=app.config["SECRET_KEY"], now=issued + timedelta(minutes=59)) == user
    with pytest.raises(services.AccountError) as error:
        services.user_for_reset_token(token, secret_key=app.config["SECRET_KEY"], now=issued + timedelta(minutes=61))
    assert error.value.code == "reset_expired"


def test_expired_reset_link_page_says_so(client, app, make_user):
    user = make_user()
    token = services.make_reset_token(user, secret_key=app.config["SECRET_KEY"], now=now_utc() - timedelta(hours=2), max_age=3600)
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 400 and "has expired" in response.get_data(as_text=True)


def test_forged_reset_token_is_refused(client, app, make_user):
    user = make_user()
    forged = services.make_reset_token(user, secret_key="someone-elses-secret", now=now_utc(), max_age=3600)
    response = client.get(f"/password/reset/{forged}")
    assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert services.password_matches(user, PASSWORD)


def test_reset_with_short_password_shows_field_error_and_keeps_token_usable(client, app, make_user):
    user = make_user()
    token = services.make_reset_token(user, secret_key=app.config["SECRET_KEY"], now=now_utc(), max_age=3600)
    response = post_form(client, f"/password/reset/{token}", {"password": "short", "confirm": "short"})
    assert response.status_code == 422 and "Use at least 10 characters." in response.get_data(as_text=True)
    assert client.get(f"/password/reset/{token}").status_code == 200


def test_unreachable_smtp_server_does_not_reveal_anything(client, app, make_user):
    from .conftest import free_port
    from cxacademy.extensions import mail

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    mail.init_app(app)
    user = make_user()
    response = post_form(client, "/password/forgot", {"email": user.email})
    assert response.status_code == 302
