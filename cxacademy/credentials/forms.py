"""Credential forms: record a CCXP credential, a renewal, a credit activity; revoke a certificate."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

ERROR_MESSAGES = {
    "earned_in_future": _l("The date earned cannot be in the future."),
    "earned_too_early": _l("The CCXP did not exist yet on that date (the CXPA was founded on 27 April 2011)."),
    "renewed_in_future": _l("The renewal date cannot be in the future."),
    "renewal_too_early": _l("Renewal opens on %(opens)s; a renewal cannot be recorded before that."),
    "credits_not_number": _l("Enter the credits as a number, like 1.5."),
    "credits_not_positive": _l("Credits must be more than zero."),
    "credits_not_quarter": _l("Credits go in steps of 0.25 (for example 0.75 or 1.5)."),
    "activity_in_future": _l("The activity date cannot be in the future."),
    "unknown_category": _l("Choose one of the listed categories."),
    "evidence_too_large": _l("The file is larger than 5 MB."),
    "evidence_empty": _l("The file is empty."),
    "evidence_type": _l("Only PDF, PNG or JPEG files are accepted, checked by their content, not their name."),
    "reason_required": _l("Give a reason for revoking."),
}


def message_for(error) -> str:
    message = ERROR_MESSAGES.get(error.code, error.code)
    return message % {k: v for k, v in error.details.items()} if error.details else message


def _required():
    return InputRequired(message=_l("This field is required."))


class CredentialForm(FlaskForm):
    rule = SelectField(_l("Rule"))
    earned_on = DateField(_l("Date earned"), validators=[_required()])
    credential_number = StringField(_l("Credential number (optional)"), validators=[Optional(), Length(max=64)])
    submit = SubmitField(_l("Save credential"))

    def fill(self, rules, language: str) -> "CredentialForm":
        self.rule.choices = [SelectChoice(r.id, r.title(language)) for r in rules]
        return self


class RenewalForm(FlaskForm):
    renewed_on = DateField(_l("Date renewed"), validators=[_required()])
    submit = SubmitField(_l("Record renewal"))


class ActivityForm(FlaskForm):
    activity_on = DateField(_l("Date"), validators=[_required()])
    title = StringField(_l("Activity"), validators=[DataRequired(message=_l("This field is required.")), Length(max=200)])
    provider = StringField(_l("Provider"), validators=[DataRequired(message=_l("This field is required.")), Length(max=200)])
    credits = StringField(_l("Credits"), validators=[DataRequired(message=_l("This field is required."))],
                          description=_l("In steps of 0.25; one hour of real-time education is one credit."))
    category = SelectField(_l("Category"))
    evidence = FileField(_l("Evidence (optional: PDF, PNG or JPEG, at most 5 MB)"))
    submit = SubmitField(_l("Add activity"))

    def fill(self, rule, language: str) -> "ActivityForm":
        self.category.choices = [SelectChoice(c["id"], c["titles"].get(language) or c["titles"]["en"])
                                 for c in rule.categories]
        return self


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Give a reason for revoking.")),
                                                     Length(max=500)])
    submit = SubmitField(_l("Revoke certificate"))


def revoke_form_for(certificate_id: int, **kwargs) -> RevokeForm:
    """One form per certificate, prefixed with its id: a page listing many has no repeated field ids."""
    return RevokeForm(prefix=f"certificate-{certificate_id}", **kwargs)


class ReminderPreferencesForm(FlaskForm):
    email_ccxp_reminders = SelectField(_l("CCXP renewal reminders by email"), coerce=int,
                                       choices=[SelectChoice(1, _l("Yes")), SelectChoice(0, _l("No"))])
    email_certificate_reminders = SelectField(_l("Certificate expiry reminders by email"), coerce=int,
                                              choices=[SelectChoice(1, _l("Yes")), SelectChoice(0, _l("No"))])
    email_assignment_reminders = SelectField(_l("Assignment due-date reminders by email"), coerce=int,
                                             choices=[SelectChoice(1, _l("Yes")), SelectChoice(0, _l("No"))])
    submit = SubmitField(_l("Save reminder settings"))
