"""`flask assessment ...` commands, and the question files' part of `flask content`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..catalog.cli import CONTENT_PARTS
from ..clock import now_utc
from ..extensions import db
from .content import check_assessment_content, import_assessment_content
from .services import finalise_overdue

CONTENT_PARTS.append((check_assessment_content, import_assessment_content))

assessment_cli = AppGroup("assessment", help="Attempts and exams.")


@assessment_cli.command("finalize-overdue")
def finalize_overdue_command() -> None:
    """Submit every timed attempt whose deadline has passed (safe to run from cron every minute)."""
    count = finalise_overdue(now=now_utc())
    db.session.commit()
    click.echo(f"{count} overdue attempt(s) finalised")
