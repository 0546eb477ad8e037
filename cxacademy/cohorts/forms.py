"""Cohort forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

ERROR_MESSAGES = {
    "name_required": _l("Give the cohort a name."),
    "due_in_past": _l("The due date cannot be in the past."),
    "module_required": _l("Choose the module to assign."),
    "blueprint_required": _l("Choose the mock exam to assign."),
    "invalid_email": _l("not a valid email address"),
    "duplicate": _l("listed twice"),
    "not_text": _l("The file is not a UTF-8 text or CSV file."),
}


class CohortForm(FlaskForm):
    name = StringField(_l("Cohort name"), validators=[DataRequired(message=_l("Give the cohort a name.")),
                                                      Length(max=120)])
    submit = SubmitField(_l("Create cohort"))


class MembersForm(FlaskForm):
    emails = TextAreaField(_l("Email addresses"), validators=[Optional()],
                           description=_l("One per line, optionally followed by a comma and the name."))
    csv_file = FileField(_l("Or a CSV file (columns: email, name)"))
    submit = SubmitField(_l("Add learners"))


class AssignmentForm(FlaskForm):
    kind = SelectField(_l("What"), choices=[SelectChoice("module", _l("Complete a module")),
                                            SelectChoice("mock", _l("Sit a mock exam"))])
    module = SelectField(_l("Module"), validate_choice=False)
    blueprint = SelectField(_l("Mock exam"), validate_choice=False)
    due_on = DateField(_l("Due date"), validators=[InputRequired(message=_l("This field is required."))])
    submit = SubmitField(_l("Assign"))


class ExtraTimeForm(FlaskForm):
    extra_time_percent = IntegerField(_l("Extra exam time (%)"), validators=[
        InputRequired(message=_l("This field is required.")),
        NumberRange(min=0, max=200, message=_l("Enter a whole number from 0 to 200."))])
    submit = SubmitField(_l("Save"))
