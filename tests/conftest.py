"""Fixtures shared by every test: an app on a fresh database, a client, a CLI runner, users."""
from __future__ import annotations

import os
import re
import socket
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient

from cxacademy import create_app
from cxacademy.config import TestConfig, normalise_database_url
from cxacademy.extensions import db

PASSWORD = "correct-horse-battery"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def database_url(tmp_path) -> str:
    """TEST_DATABASE_URL (PostgreSQL in CI's second pass) or a fresh SQLite file per test."""
    return normalise_database_url(os.environ.get("TEST_DATABASE_URL")) or f"sqlite:///{tmp_path / 'test.sqlite3'}"


def make_config(tmp_path, **overrides) -> type[TestConfig]:
    attrs = dict(overrides)
    attrs.setdefault("SQLALCHEMY_DATABASE_URI", database_url(tmp_path) if tmp_path else None)
    return type("PerTestConfig", (TestConfig,), attrs)


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, as in production. Without this the test's own
    app context would be shared by every request, and with it `g` (Flask-Login's user,
    Flask-WTF's token) would leak from one request, or one client, into the next."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app_factory(tmp_path):
    """Build an app with config overrides on a fresh schema; drops it afterwards."""
    made = []

    def build(**overrides):
        app = create_app(make_config(tmp_path, **overrides))
        app.test_client_class = FreshContextClient
        with app.app_context():
            db.drop_all()
            db.create_all()
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    app = app_factory()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client) -> str:
    """The CSRF token of the client's session, read from a real page (the header form has one)."""
    page = client.get("/", follow_redirects=True)
    match = _TOKEN.search(page.get_data(as_text=True))
    assert match, "no CSRF token in the page"
    return match.group(1)


def post_form(client, url: str, data: dict, **kwargs):
    """Submit a form the way a browser does: with the session's CSRF token."""
    return client.post(url, data={"csrf_token": csrf_token(client), **data}, **kwargs)


@pytest.fixture
def make_user(app):
    from cxacademy.accounts.services import register_user

    counter = iter(range(1, 10_000))

    def make(role: str = "learner", email: str | None = None, password: str = PASSWORD, active: bool = True,
             name: str | None = None, locale: str = "en"):
        n = next(counter)
        user = register_user(name=name or f"{role.title()} {n}", email=email or f"{role}{n}@example.com",
                             password=password, role=role, locale=locale)
        user.active = active
        db.session.commit()
        return user

    return make


@pytest.fixture
def login_as(client):
    def login(user, password: str = PASSWORD):
        response = post_form(client, "/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return login


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What a real SMTP server on loopback (aiosmtpd) received; recipients in `refuse` are rejected,
    to test partial failures."""

    def __init__(self):
        self.messages = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@contextmanager
def smtp_inbox(app):
    """Start an SMTP server on a free loopback port and point the app's mail at it."""
    from aiosmtpd.controller import Controller

    from cxacademy.extensions import mail

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    mail.init_app(app)  # Flask-Mail copies its settings at init
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback (aiosmtpd); the app sends its mail there."""
    with smtp_inbox(app) as inbox:
        yield inbox
