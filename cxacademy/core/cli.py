"""`flask backup`: a consistent copy of the SQLite database while the app keeps running.
`flask bench seed`: fill an empty database with a large learner base for load tests."""
from __future__ import annotations

import random
import sqlite3
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.models import User
from ..accounts.services import hash_password
from ..catalog.cli import import_command
from ..clock import now_utc
from ..extensions import db
from . import benchdata


@click.command("backup")
@with_appcontext
@click.option("--output", type=click.Path(path_type=Path), default=None,
              help="Backup file (default: instance/backups/cxacademy-YYYYmmdd-HHMMSS.sqlite3).")
def backup_command(output: Path | None) -> None:
    """Copy the SQLite database with SQLite's online backup API (safe while the app writes).
    PostgreSQL deployments use pg_dump instead (see the README)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        click.echo("flask backup copies SQLite databases; for PostgreSQL use pg_dump (README: Backups).", err=True)
        sys.exit(2)
    source_path = url.database
    if not source_path or source_path == ":memory:":
        click.echo("the database is in memory; there is nothing to back up", err=True)
        sys.exit(2)
    if output is None:
        folder = Path(current_app.instance_path) / "backups"
        folder.mkdir(parents=True, exist_ok=True)
        output = folder / f"cxacademy-{now_utc():%Y%m%d-%H%M%S}.sqlite3"
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(output)
    try:
        with target:
            source.backup(target)
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if check != "ok":
        click.echo(f"backup written to {output} but its integrity check says: {check}", err=True)
        sys.exit(1)
    click.echo(f"backup written to {output} (integrity check ok)")


bench_cli = AppGroup("bench", help="Bench data for load tests (`make bench`, bench/README.md).")
_DEFAULTS = benchdata.BenchSizes()


@bench_cli.command("seed")
@click.option("--learners", type=click.IntRange(min=1), default=_DEFAULTS.learners, show_default=True,
              help="Learner accounts (trainers come on top: one per 20 cohorts).")
@click.option("--cohorts", type=click.IntRange(min=0), default=_DEFAULTS.cohorts, show_default=True,
              help="Cohorts; every learner joins one, and each cohort gets a module and a mock-exam assignment.")
@click.option("--answers", type=click.IntRange(min=0), default=_DEFAULTS.answers, show_default=True,
              help="Recorded answers (attempt items), spread over the attempts.")
@click.option("--attempts", type=click.IntRange(min=0), default=_DEFAULTS.attempts, show_default=True,
              help="Attempts: 15-question module quizzes and 100-question ccxp mock exams, mixed so the "
                   "answers add up; most submitted, the latest of one learner in four in progress.")
@click.option("--credentials", type=click.IntRange(min=0), default=_DEFAULTS.credentials, show_default=True,
              help="Credentials: one in ten a CCXP credential, the rest module and programme certificates.")
@click.option("--known-accounts", type=click.IntRange(min=0), default=_DEFAULTS.known_accounts, show_default=True,
              help="How many of the learners are bench-learner1..N@example.com (the load test logs in as them).")
@click.option("--seed", "random_seed", type=int, default=7, show_default=True,
              help="Random seed for every choice (sizes, questions, answers, progress).")
@click.option("--force", is_flag=True,
              help="Add bench data to a database that already has users (refused without it).")
@click.pass_context
def seed_command(ctx: click.Context, learners: int, cohorts: int, answers: int, attempts: int, credentials: int,
                 known_accounts: int, random_seed: int, force: bool) -> None:
    """Fill the configured database (DATABASE_URL, SQLite or PostgreSQL) with bench data: the course
    (`content import`), learners, cohorts, lesson progress, attempts with their answers, and credentials.
    The schema must exist (`flask db upgrade`). Every learner's password is printed at the end."""
    try:
        users = db.session.scalar(select(func.count()).select_from(User))
    except SQLAlchemyError as error:
        raise click.ClickException(f"cannot read the users table ({error.__class__.__name__}); "
                                   "create the schema first with `flask db upgrade`") from None
    if users and not force:
        click.echo(f"Refusing to seed: the database already has {users:,} users. `flask bench seed` is meant "
                   "for an empty database (it adds 10,000 learners who all share one known password). "
                   "Pass --force to add the bench data anyway.", err=True)
        sys.exit(2)
    began = time.perf_counter()
    ctx.invoke(import_command)
    click.echo(f"course imported ({time.perf_counter() - began:.1f} s)")
    sizes = benchdata.BenchSizes(learners=learners, cohorts=cohorts, answers=answers, attempts=attempts,
                                 credentials=credentials, known_accounts=known_accounts)
    try:
        report = benchdata.seed(sizes, password_hash=hash_password(benchdata.BENCH_PASSWORD), now=now_utc(),
                                rng=random.Random(random_seed),
                                progress=lambda label: click.echo(f"{label} ({time.perf_counter() - began:.1f} s)"))
    except benchdata.SeedError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        # Planner statistics now, not whenever autovacuum gets round to a freshly loaded table.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    click.echo("rows written: " + ", ".join(f"{table} {count:,}" for table, count in report.rows.items()))
    if report.known_emails:
        click.echo(f"known accounts: {report.known_emails[0]} .. {report.known_emails[-1]} "
                   f"({len(report.known_emails)}); every seeded account's password: {benchdata.BENCH_PASSWORD}")
    click.echo(f"seeded in {time.perf_counter() - began:.1f} s")
