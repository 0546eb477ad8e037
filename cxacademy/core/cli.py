"""`flask backup`: a consistent copy of the SQLite database while the app keeps running."""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..clock import now_utc
from ..extensions import db


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
