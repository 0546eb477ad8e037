"""Core forms: the language switcher in the header."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField


class LanguageForm(FlaskForm):
    """Posted by the header's language buttons; the button's name/value carries the language."""

    next = HiddenField()
