"""Operations: the health check, the `flask users` / `flask demo` commands, the bench's hello page."""
from __future__ import annotations

import os

from sqlalchemy import event, select

from cxacademy.accounts.models import User
from cxacademy.accounts.services import password_matches
from cxacademy import create_app
from cxacademy.extensions import db

from .conftest import make_config


def test_healthz_answers_ok_with_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_healthz_answers_503_without_database(tmp_path):
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing-dir/none.sqlite3"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "unavailable"


def test_users_create_reads_password_from_environment(runner):
    result = runner.invoke(args=["users", "create", "--email", "Trainer@Example.com", "--name", "Tess", "--role", "trainer"],
                           env={"CXACADEMY_PASSWORD": "a-long-enough-password"})
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.role) == ("trainer@example.com", "trainer")
    assert password_matches(user, "a-long-enough-password")


def test_users_create_prompts_for_password(runner):
    result = runner.invoke(args=["users", "create", "--email", "p@example.com", "--name", "P"],
                           input="prompted-password-1\nprompted-password-1\n")
    assert result.exit_code == 0, result.output
    assert password_matches(db.session.scalar(select(User)), "prompted-password-1")


def test_users_create_refuses_duplicate_with_nonzero_exit(runner, make_user):
    make_user(email="dup@example.com")
    result = runner.invoke(args=["users", "create", "--email", "DUP@example.com", "--name", "D"],
                           env={"CXACADEMY_PASSWORD": "a-long-enough-password"})
    assert result.exit_code != 0 and "already exists" in result.output


def test_users_create_refuses_short_password(runner):
    result = runner.invoke(args=["users", "create", "--email", "s@example.com", "--name", "S"],
                           env={"CXACADEMY_PASSWORD": "short"})
    assert result.exit_code != 0 and "at least 10" in result.output
    assert db.session.scalar(select(User)) is None


def test_demo_accounts_are_created_once_and_passwords_printed_once(runner):
    first = runner.invoke(args=["demo", "accounts"])
    assert first.exit_code == 0
    roles = sorted(db.session.scalars(select(User.role)))
    assert roles == ["admin", "learner", "trainer"]
    password = first.output.split("learner@demo.example.com")[1].split()[0]
    learner = db.session.scalar(select(User).where(User.role == "learner"))
    assert password_matches(learner, password)
    second = runner.invoke(args=["demo", "accounts"])
    assert second.exit_code == 0 and password not in second.output
    assert len(db.session.scalars(select(User)).all()) == 3


def test_a_page_without_its_database_answers_503_not_a_traceback(tmp_path):
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing-dir/none.sqlite3",
                                 WTF_CSRF_ENABLED=False))
    response = app.test_client().post("/login", data={"email": "a@example.com", "password": "whatever-long"})
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)


def test_static_urls_carry_a_hash_of_the_file_that_changes_with_its_content(app, tmp_path):
    import hashlib

    from flask import url_for

    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    sheet = folder / "css" / "app.css"
    sheet.write_text("body { color: black; }")
    app.static_folder = str(folder)
    with app.test_request_context():
        first = url_for("static", filename="css/app.css")
        sheet.write_text("body { color: navy; }")
        os.utime(sheet, ns=(1, 1))  # a new modification time, as a deploy gives
        second = url_for("static", filename="css/app.css")
        missing = url_for("static", filename="css/none.css")
    assert first == "/static/css/app.css?v=" + hashlib.sha256(b"body { color: black; }").hexdigest()[:12]
    assert second == "/static/css/app.css?v=" + hashlib.sha256(b"body { color: navy; }").hexdigest()[:12]
    assert missing == "/static/css/none.css"


def test_the_bench_hello_page_does_not_exist_unless_configured(client):
    assert client.get("/bench/hello").status_code == 404


def test_the_bench_hello_page_answers_plain_text_without_touching_the_database(app_factory):
    app = app_factory(BENCH_HELLO_ENDPOINT=True)
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        response = app.test_client().get("/bench/hello")
        silent = list(statements)
        app.test_client().get("/healthz")  # the listener does see a page that reads the database
    assert response.status_code == 200 and response.get_data(as_text=True) == "hello"
    assert response.mimetype == "text/plain" and silent == [] and statements
