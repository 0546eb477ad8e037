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


@pytest.mark.postgres
def test_migrations_build_the_models_schema_on_postgresql():
    url = postgres_url()
    engine = create_engine(url)
    with engine.begin() as conn:  # start from an empty database
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    _upgrade_then_check(url)
