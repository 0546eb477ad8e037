"""`flask db upgrade` from an empty database gives exactly the models' schema (`flask db check`)."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from cxacademy import create_app
from cxacademy.config import normalise_database_url

from .conftest import make_config


def _upgrade_then_check(database_url: str) -> None:
    app = create_app(make_config(None, SQLALCHEMY_DATABASE_URI=database_url))
    runner = app.test_cli_runner()
    upgrade = runner.invoke(args=["db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output + repr(upgrade.exception)
    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, f"models and migrations differ: {check.output} {check.exception!r}"
    downgrade = runner.invoke(args=["db", "downgrade", "base"])
    assert downgrade.exit_code == 0, downgrade.output + repr(downgrade.exception)
    with app.app_context():
        from cxacademy.extensions import db

        db.engine.dispose()


def test_migrations_build_the_models_schema_on_sqlite(tmp_path):
    _upgrade_then_check(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


def postgres_url() -> str:
    url = normalise_database_url(os.environ.get("TEST_POSTGRES_URL"))
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must set TEST_POSTGRES_URL: the PostgreSQL tests may not be skipped there")
        pytest.skip("TEST_POSTGRES_URL is not set (CI sets it; see .ci/run)")
    return url


def empty_postgres_database() -> str:
    """TEST_POSTGRES_URL with its public schema dropped and made again: an empty database."""
    url = postgres_url()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.mark.postgres
def test_migrations_build_the_models_schema_on_postgresql():
    _upgrade_then_check(empty_postgres_database())


def test_attempt_items_get_their_learner_from_the_attempt_on_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'backfill.sqlite3'}"
    app = create_app(make_config(None, SQLALCHEMY_DATABASE_URI=url))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "ee726cc91d54"]).exit_code == 0
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, email, name, password_hash, role, locale, active, session_stamp, "
                          "created_at) VALUES (7, 'a@example.com', 'A', 'x', 'learner', 'en', 1, 's', '2026-01-01')"))
        conn.execute(text("INSERT INTO attempts (id, user_id, kind, mode, started_at, question_count, last_position) "
                          "VALUES (3, 7, 'practice', 'study', '2026-01-01', 1, 1)"))
        conn.execute(text("INSERT INTO modules (id, position, area, pass_mark, titles, summaries, content_hash, "
                          "updated_at) VALUES ('m', 1, 'metrics', 70, '{}', '{}', 'x', '2026-01-01')"))
        conn.execute(text("INSERT INTO lessons (id, module_id, position, minutes, content_hash, version, updated_at) "
                          "VALUES ('l', 'm', 1, 5, 'x', 1, '2026-01-01')"))
        conn.execute(text("INSERT INTO questions (id, module_id, lesson_id, type, competency, difficulty, scenario) "
                          "VALUES ('q', 'm', 'l', 'single', 'metrics', 1, 0)"))
        conn.execute(text("INSERT INTO question_versions (id, question_id, version, content_hash, type, option_ids, "
                          "correct, texts, created_at) VALUES (1, 'q', 1, 'x', 'single', '[]', '[]', '{}', '2026-01-01')"))
        conn.execute(text("INSERT INTO attempt_items (attempt_id, position, question_version_id, question_id, competency, "
                          "option_order, flagged) VALUES (3, 1, 1, 'q', 'metrics', '[]', 0)"))
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT user_id FROM attempt_items")).scalar() == 7
    engine.dispose()
    with app.app_context():
        from cxacademy.extensions import db

        db.engine.dispose()
