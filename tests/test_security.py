"""Security baseline: headers, cookies, body limit, rate limits, production secret, CSRF everywhere."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxacademy.config import ConfigurationError, ProductionConfig
from cxacademy.security import safe_next_url

from .conftest import PASSWORD, post_form

ROOT = Path(__file__).resolve().parent.parent


def test_every_response_carries_security_headers(client):
    for url in ("/", "/login", "/register", "/healthz", "/no-such-page", "/static/css/app.css"):
        response = client.get(url)
        headers = response.headers
        response.close()
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, url
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"


def test_pages_contain_no_inline_script(client, make_user, login_as):
    pages = ["/", "/login", "/register", "/password/forgot"]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html, url


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user()
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_config_sets_secure_cookies():
    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.REMEMBER_COOKIE_SECURE


def test_production_refuses_to_start_without_secret_key():
    config = type("NoSecret", (ProductionConfig,), {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        config.validate()


def test_production_start_without_secret_key_prints_a_clear_message_not_a_traceback():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(CXACADEMY_ENV="production", DATABASE_URL="sqlite://")
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "SECRET_KEY is not set" in result.stderr and "Traceback" not in result.stderr


def test_oversized_body_gets_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"email": "x" * 4096, "password": "y"})
    assert response.status_code == 413
    assert "Upload too large" in response.get_data(as_text=True)


def test_login_is_rate_limited_with_a_page_that_says_when_to_retry(app_factory, make_user):
    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    with app.app_context():
        statuses = [post_form(client, "/login", {"email": "a@example.com", "password": "wrong-password-x"}).status_code
                    for _ in range(4)]
        assert statuses[:3] == [401, 401, 401]
        assert statuses[3] == 429
        response = post_form(client, "/login", {"email": "a@example.com", "password": "wrong-password-x"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Please wait" in response.get_data(as_text=True)


def test_password_reset_requests_are_rate_limited(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, RESET_RATE_LIMIT="2 per minute")
    client = app.test_client()
    with app.app_context():
        statuses = [post_form(client, "/password/forgot", {"email": "a@example.com"}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


@pytest.mark.parametrize("target,expected", [
    ("/dashboard", "/dashboard"),
    ("/profile?tab=1", "/profile?tab=1"),
    ("https://evil.example/", None),
    ("//evil.example", None),
    ("/\\evil.example", None),
    ("javascript:alert(1)", None),
    ("", None),
    ("dashboard", None),
])
def test_safe_next_url_allows_only_same_site_paths(target, expected):
    assert safe_next_url(target) == expected


def test_every_post_route_requires_csrf(app, client, make_user, login_as):
    """Walk the URL map: a POST without a token must never succeed."""
    login_as(make_user(role="admin"))
    target = make_user()
    checked = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", str(target.id)).replace(f"<{arg}>", "x")
        response = client.post(url, data={})
        assert response.status_code in (400, 404), f"{url} answered {response.status_code} without a CSRF token"
        checked += 1
    assert checked >= 8
