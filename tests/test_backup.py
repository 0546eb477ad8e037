"""`flask backup`: a consistent SQLite copy taken while the app runs, and a restore from it."""
from __future__ import annotations

import sqlite3

from sqlalchemy import select

from cxacademy import create_app
from cxacademy.accounts.models import User
from cxacademy.accounts.services import register_user
from cxacademy.extensions import db

from .conftest import make_config


def test_backup_copies_the_database_and_a_restore_brings_the_data_back(tmp_path):
    live = tmp_path / "live.sqlite3"
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{live}"))
    with app.app_context():
        db.create_all()
        register_user(name="Kept", email="kept@example.com", password="kept-password-1")
        db.session.commit()
        # a second connection holds an open write transaction while the backup runs
        writer = sqlite3.connect(live)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE users SET name = 'Uncommitted' WHERE email = 'kept@example.com'")
        result = app.test_cli_runner().invoke(args=["backup", "--output", str(tmp_path / "copy.sqlite3")])
        writer.rollback()
        writer.close()
        assert result.exit_code == 0 and "integrity check ok" in result.output
        db.engine.dispose()
    live.unlink()
    (tmp_path / "copy.sqlite3").rename(live)  # restore: put the copy where the database was
    restored = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{live}"))
    with restored.app_context():
        assert db.session.scalar(select(User.name).where(User.email == "kept@example.com")) == "Kept"
        db.engine.dispose()


def test_backup_refuses_postgresql_with_a_clear_message(tmp_path):
    app = create_app(make_config(tmp_path, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://u:p@127.0.0.1:1/none"))
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 2 and "pg_dump" in result.output
