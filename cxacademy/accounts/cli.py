"""`flask users ...` and `flask demo ...`: account commands for operators and for `make run`."""
from __future__ import annotations

import os
import secrets

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from .models import ROLES, user_by_email
from .services import AccountError, normalise_email, register_user, set_password

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demo data for trying CX Academy out.")

PASSWORD_ENV = "CXACADEMY_PASSWORD"
DEMO_ACCOUNTS = (
    ("learner@demo.example.com", "Deniz Learner", "learner"),
    ("trainer@demo.example.com", "Tara Trainer", "trainer"),
    ("admin@demo.example.com", "Ada Admin", "admin"),
)


def _password_from_env_or_prompt() -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise click.ClickException(f"the password needs at least {minimum} characters")
    return password


@users_cli.command("create")
@click.option("--email", required=True, help="Login email; unique, case-insensitively.")
@click.option("--name", required=True, help="Full name shown in the interface.")
@click.option("--role", type=click.Choice(ROLES), default="learner", show_default=True)
@click.option("--locale", type=click.Choice(["en", "tr", "de"]), default="en", show_default=True)
def create_user(email: str, name: str, role: str, locale: str) -> None:
    """Create an account. The password is prompted, or read from $CXACADEMY_PASSWORD; never an argument."""
    password = _password_from_env_or_prompt()
    try:
        user = register_user(name=name, email=email, password=password, role=role, locale=locale)
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException({"email_taken": f"an account with {email} already exists",
                                    "invalid_email": f"{email!r} is not a valid email address"}.get(exc.code, exc.code))
    db.session.commit()
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@users_cli.command("set-password")
@click.option("--email", required=True)
def set_user_password(email: str) -> None:
    """Set an account's password (prompted, or $CXACADEMY_PASSWORD)."""
    try:
        user = user_by_email(normalise_email(email))
    except AccountError:
        user = None
    if user is None:
        raise click.ClickException(f"no account with email {email}")
    set_password(user, _password_from_env_or_prompt())
    db.session.commit()
    click.echo(f"password set for {user.email}")


@demo_cli.command("accounts")
def demo_accounts() -> None:
    """Create the demo learner, trainer and admin; print their passwords once, when created."""
    created = []
    for email, name, role in DEMO_ACCOUNTS:
        if user_by_email(email) is not None:
            continue
        password = secrets.token_urlsafe(9)
        register_user(name=name, email=email, password=password, role=role)
        created.append((role, email, password))
    db.session.commit()
    if created:
        click.echo("Demo accounts (passwords are shown only this once):")
        for role, email, password in created:
            click.echo(f"  {role:<8} {email:<32} {password}")
    else:
        click.echo("Demo accounts exist already: " + ", ".join(e for e, _, _ in DEMO_ACCOUNTS))
        click.echo("Forgot a password? flask --app wsgi users set-password --email <address>")
