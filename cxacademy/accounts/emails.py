"""Account emails, written in the recipient's language."""
from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from ..mailer import send_mail
from .models import User


def send_password_reset(user: User, token: str) -> None:
    with force_locale(user.locale):
        link = url_for("accounts.reset_password", token=token, _external=True)
        minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
        subject = _("Reset your CX Academy password")
        text = render_template("accounts/email/reset_password.txt", user=user, link=link, minutes=minutes)
    send_mail(to=user.email, subject=subject, text=text)
