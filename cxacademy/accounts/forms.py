"""Account forms. Every message is translatable and shown at the field it belongs to."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, ValidationError

from .models import ROLES
from .services import AccountError, normalise_email

ERROR_MESSAGES = {
    "invalid_email": _l("Enter a valid email address, like name@example.com."),
    "email_taken": _l("An account with this email already exists. Log in, or reset your password."),
    "wrong_password": _l("That is not your current password."),
    "unknown_role": _l("Choose one of the listed roles."),
    "own_role": _l("You cannot change your own role."),
    "deactivate_self": _l("You cannot deactivate your own account."),
    "last_admin": _l("This is the last active administrator; make someone else an administrator first."),
    "reset_invalid": _l("This reset link is not valid or has already been used. Ask for a new one."),
    "extra_time_range": _l("Enter a whole number from 0 to 200."),
    "reset_expired": _l("This reset link has expired (links last one hour). Ask for a new one."),
}

LANGUAGE_CHOICES = [SelectChoice("en", "English"), SelectChoice("tr", "Türkçe"), SelectChoice("de", "Deutsch")]
ROLE_LABELS = {"learner": _l("Learner"), "trainer": _l("Trainer"), "admin": _l("Administrator")}


def message_for(error: AccountError):
    return ERROR_MESSAGES.get(error.code, error.code)


def valid_email(form, field) -> None:
    try:
        normalise_email(field.data or "")
    except AccountError as exc:
        raise ValidationError(message_for(exc)) from None


def strong_enough(form, field) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(field.data or "") < minimum:
        raise ValidationError(_l("Use at least %(count)d characters.", count=minimum))


def _required():
    return DataRequired(message=_l("This field is required."))


def _matches(other: str):
    return EqualTo(other, message=_l("The two passwords do not match."))


class RegistrationForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[_required(), Length(max=120, message=_l("Use at most %(max)d characters."))])
    email = EmailField(_l("Email"), validators=[_required(), valid_email])
    password = PasswordField(_l("Password"), validators=[_required(), strong_enough],
                             description=_l("At least 10 characters."))
    confirm = PasswordField(_l("Repeat password"), validators=[_required(), _matches("password")])
    submit = SubmitField(_l("Create account"))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[_required()])
    password = PasswordField(_l("Password"), validators=[_required()])
    remember = BooleanField(_l("Remember me on this device"))
    submit = SubmitField(_l("Log in"))


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[_required(), Length(max=120, message=_l("Use at most %(max)d characters."))])
    locale = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES,
                         validate_choice=True)
    review_retention = SelectField(
        _l("Spaced review target"), coerce=float, default=0.9,
        choices=[SelectChoice(0.8, _l("80%: fewer reviews")), SelectChoice(0.85, "85%"),
                 SelectChoice(0.9, _l("90%: recommended")), SelectChoice(0.95, _l("95%: more reviews"))],
        description=_l("How likely you want to be to remember a question when it comes back for review. "
                       "Higher means questions return sooner and more often."))
    submit = SubmitField(_l("Save profile"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[_required()])
    password = PasswordField(_l("New password"), validators=[_required(), strong_enough],
                             description=_l("At least 10 characters."))
    confirm = PasswordField(_l("Repeat new password"), validators=[_required(), _matches("password")])
    submit = SubmitField(_l("Change password"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[_required(), valid_email])
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[_required(), strong_enough],
                             description=_l("At least 10 characters."))
    confirm = PasswordField(_l("Repeat new password"), validators=[_required(), _matches("password")])
    submit = SubmitField(_l("Set new password"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES])
    submit = SubmitField(_l("Change role"))


class ExtraTimeForm(FlaskForm):
    extra_time_percent = IntegerField(
        _l("Extra exam time (%)"),
        validators=[InputRequired(message=_l("This field is required.")),
                    NumberRange(min=0, max=200, message=_l("Enter a whole number from 0 to 200."))],
        description=_l("An accommodation added to timed mock exams, e.g. 25 gives 225 minutes instead of 180."))
    submit = SubmitField(_l("Save extra time"))


class ConfirmForm(FlaskForm):
    """A POST-only button: nothing but the CSRF token."""

    submit = SubmitField(_l("Confirm"))
