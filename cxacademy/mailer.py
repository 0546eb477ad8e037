"""Sending mail: one place that builds a message and hands it to the SMTP server."""
from __future__ import annotations

from flask_mail import Message

from .extensions import mail


def send_mail(*, to: str, subject: str, text: str, html: str | None = None,
              attachments: list[tuple[str, str, bytes]] | None = None) -> None:
    """Send now; raises on SMTP failure so callers can decide whether to retry."""
    message = Message(subject=subject, recipients=[to], body=text, html=html)
    for filename, content_type, data in attachments or []:
        message.attach(filename, content_type, data)
    mail.send(message)
