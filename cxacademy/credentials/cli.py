"""`flask reminders send`: the expiry reminder job, safe to run every hour from cron."""
from __future__ import annotations

import sys
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from ..catalog.cli import CONTENT_PARTS
from ..clock import now_utc
from .reminders import send_reminders
from .rules import check_rules, import_rules

CONTENT_PARTS.append((check_rules, import_rules))

reminders_cli = AppGroup("reminders", help="Credential and certificate expiry reminders.")


@reminders_cli.command("send")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; write and send nothing.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Pretend today is this date (YYYY-MM-DD).")
def send_command(dry_run: bool, today) -> None:
    """Send every due reminder once (in-app and, where the user wants it, by email)."""
    now = now_utc()
    day: date = today.date() if today else now.date()
    # Links in emails need url_for outside a web request: build them against the public address.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        report = send_reminders(today=day, now=now, dry_run=dry_run, echo=click.echo)
    verb = "would send" if dry_run else "sent"
    click.echo(f"{day.isoformat()}: {report.due} reminder(s) due; {verb} "
               f"{report.sent_email} email and {report.sent_app} in-app; {report.skipped} already sent")
    if report.failed:
        for line in report.failed:
            click.echo(f"failed: {line}", err=True)
        click.echo(f"{len(report.failed)} email(s) could not be sent and were not marked sent; "
                   "the next run retries them.", err=True)
        sys.exit(1)
