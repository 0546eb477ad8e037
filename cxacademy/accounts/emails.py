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


def send_invitation(user: User, token: str, *, inviter: str, cohort: str) -> None:
    """A new account made by a trainer: the link lets the learner choose a password."""
    with force_locale(user.locale):
        link = url_for("accounts.reset_password", token=token, _external=True)
        days = current_app.config["INVITATION_MAX_AGE"] // 86400
        subject = _("You are invited to CX Academy")
        text = render_template("accounts/email/invitation.txt", user=user, link=link, days=days, inviter=inviter,
                               cohort=cohort)
    send_mail(to=user.email, subject=subject, text=text)
