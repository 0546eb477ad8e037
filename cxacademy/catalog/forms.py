"""Catalog forms: the POST-only "mark as complete" button."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class CompleteLessonForm(FlaskForm):
    submit = SubmitField(_l("Mark as complete"))
