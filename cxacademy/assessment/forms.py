"""Assessment forms: starting attempts and practice sets. Answers are read by the question type."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..catalog.models import COMPETENCY_LABELS
from .services import PRACTICE_SIZES

DIMENSION_LABELS = {
    "product": _l("Right product"),
    "customer": _l("Right customer"),
    "time": _l("Right time"),
    "price": _l("Right price"),
    "approach": _l("Right approach"),
}
MODE_CHOICES = [SelectChoice("study", _l("Study: feedback after each answer")),
                SelectChoice("exam", _l("Exam: feedback after you submit"))]


class StartQuizForm(FlaskForm):
    mode = SelectField(_l("Mode"), choices=MODE_CHOICES, default="study")
    submit = SubmitField(_l("Start quiz"))


class StartMockForm(FlaskForm):
    blueprint = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("Start mock exam"))


class PracticeForm(FlaskForm):
    competency = SelectField(_l("Exam competency"), default="")
    module = SelectField(_l("Module"), default="")
    dimension = SelectField(_l("5D dimension"), default="")
    wrong_only = BooleanField(_l("Only questions I got wrong last time"))
    count = SelectField(_l("Number of questions"), default="10",
                        choices=[SelectChoice(str(n), str(n)) for n in PRACTICE_SIZES])
    submit = SubmitField(_l("Start practice"))

    def fill_choices(self, modules: list[tuple[str, str]]) -> "PracticeForm":
        anything = [SelectChoice("", _l("Any"))]
        self.competency.choices = anything + [SelectChoice(code, label) for code, label in COMPETENCY_LABELS.items()]
        self.module.choices = anything + [SelectChoice(mid, title) for mid, title in modules]
        self.dimension.choices = anything + [SelectChoice(code, label) for code, label in DIMENSION_LABELS.items()]
        return self


class ActionForm(FlaskForm):
    """CSRF only: submit, flag, start review."""

    submit = SubmitField(_l("Submit"))
