"""Tool forms: one small form per metrics-lab calculator, and the 5D self-assessment.
Every message is translatable and shown at the field it belongs to."""
from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation
from wtforms.widgets import NumberInput

from . import services
from .five_d import DIMENSION_NAMES, DIMENSION_QUESTIONS, RATING_LABELS, STATEMENTS
from .models import DIMENSIONS, RATING_MAX, RATING_MIN, STATEMENTS_PER_DIMENSION

# The message for each MetricError code. They are %-formatted with the error's params (numbers
# already in the reader's locale), so a literal percent sign is written %%.
ERROR_MESSAGES = {
    "no_scores": _l("Enter at least one score."),
    "too_many_scores": _l("Enter at most %(max)s scores; this list has %(count)s."),
    "not_whole_number": _l("“%(entry)s” (entry %(position)s) is not a whole number. "
                           "Use whole numbers from %(low)s to %(high)s."),
    "score_out_of_range": _l("“%(entry)s” (entry %(position)s) is outside the scale. "
                             "Use whole numbers from %(low)s to %(high)s."),
    "negative": _l("Enter 0 or more."),
    "no_responses": _l("All the counts are 0: enter at least one response."),
    "zero_start": _l("Customers at the start (S) must be more than 0: churn and retention are shares of them."),
    "new_above_end": _l("New customers (N = %(new)s) cannot be more than the customers at the end (E = %(end)s)."),
    "end_above_start_plus_new": _l("Customers at the end (E = %(end)s) cannot be more than those at the start "
                                   "plus the new ones (S + N = %(limit)s)."),
    "unbalanced": _l("The numbers do not add up: S + N − E = %(start)s + %(new)s − %(end)s = %(expected)s "
                     "customers lost, not %(lost)s. Correct one of them, or leave this field empty to have it "
                     "worked out."),
    "not_a_number": _l("Enter a number, like 12.5."),
    "retention_not_below_100": _l("The retention rate must be below 100%%: at 100%% no customer ever leaves "
                                  "and the value has no limit."),
    "percent_above_100": _l("Enter a percentage from 0 to 100."),
}


def display_number(value: float, places: int = 1, fixed: bool = False) -> str:
    """A number in the reader's locale, rounded to `places` decimals; trailing zeros are dropped
    unless `fixed` (for columns of scores that should line up)."""
    pattern = "#,##0" + ("." + ("0" if fixed else "#") * places if places else "")
    return format_decimal(value, format=pattern)


def message_for(error: services.MetricError) -> str:
    params = {key: display_number(value, 2) if isinstance(value, (int, float)) else value
              for key, value in error.params.items()}
    return str(ERROR_MESSAGES.get(error.code, error.code)) % params


# Fields --------------------------------------------------------------------------------------
class RequiredNumber:
    """The field must have a value; a value that could not be read has said so already."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        if field.process_errors:
            raise StopValidation()
        if field.data is None:
            raise StopValidation(_("This field is required."))


class OptionalNumber:
    """An empty field is fine and skips the other checks."""

    field_flags = {"optional": True}

    def __call__(self, form, field):
        if field.data is None and not field.process_errors:
            field.errors[:] = []
            raise StopValidation()


class Between:
    """low <= value <= high; the message quotes the limit in the reader's number format."""

    def __init__(self, low: float | None = None, high: float | None = None):
        self.low, self.high = low, high

    def __call__(self, form, field):
        if field.data is None:
            return
        if self.low is not None and field.data < self.low:
            if self.low == 0:
                raise StopValidation(_("Enter 0 or more."))
            raise StopValidation(_("Enter %(low)s or more.", low=display_number(self.low, 2)))
        if self.high is not None and field.data > self.high:
            raise StopValidation(_("Enter at most %(high)s.", high=display_number(self.high, 2)))


class WholeNumberField(IntegerField):
    """A count: digits only, with our own message when it is anything else."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip()
        self.data = None
        if not raw:
            return
        try:
            self.data = int(raw)
        except ValueError:
            raise ValueError(_l("Enter a whole number, like 120.")) from None


class NumberField(Field):
    """A decimal number such as a price or a rate. Browsers' number inputs always send a dot."""

    widget = NumberInput(step="any")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip()
        self.data = None
        if not raw:
            return
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise ValueError(_l("Enter a number, like 12.5.")) from None
        if not value.is_finite() or not math.isfinite(float(value)):
            raise ValueError(_l("Enter a number, like 12.5."))
        self.data = float(value)


class ScoreListField(TextAreaField):
    """Scores separated by commas, spaces or new lines; `scores` holds them once valid."""

    def __init__(self, label=None, validators=None, *, low: int, high: int, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.low, self.high = low, high
        self.scores: list[int] | None = None
        self.flags.required = True

    def pre_validate(self, form):
        try:
            self.scores = services.parse_scores(self.data or "", self.low, self.high)
        except services.MetricError as exc:
            raise StopValidation(message_for(exc)) from None


def _count(label, **kwargs):
    return WholeNumberField(label, validators=[RequiredNumber(), Between(0, 1_000_000_000)],
                            render_kw={"min": 0, "step": 1}, **kwargs)


def _score_hint(low: int, high: int):
    return _l("Whole numbers from %(low)d to %(high)d, one per respondent, separated by commas, spaces "
              "or new lines; for example: %(example)s", low=low, high=high,
              example="10, 9 8 7" if high == 10 else ("5, 4 4 2" if high == 5 else "7, 6 5 3"))


# The metrics lab's calculators ------------------------------------------------------------------
class CalculatorForm(FlaskForm):
    """A metrics-lab form: it knows its URL slug, the page section it lives in, how to turn its
    data into a result, and which of its fields a rule's error belongs to."""

    slug: ClassVar[str]
    section: ClassVar[str]
    result_template: ClassVar[str]
    main_field: ClassVar[str]  # where an error naming no field is shown
    error_fields: ClassVar[dict[str, str]] = {}

    def calculate(self):
        raise NotImplementedError

    def show_error(self, error: services.MetricError) -> None:
        name = self.error_fields.get(error.field, error.field) if error.field else self.main_field
        getattr(self, name).errors.append(message_for(error))


class NPSScoresForm(CalculatorForm):
    slug, section, result_template, main_field = "nps-scores", "nps", "tools/results/nps.html", "nps_scores"

    nps_scores = ScoreListField(_l("Scores from 0 to 10"), low=0, high=10, description=_score_hint(0, 10))
    submit = SubmitField(_l("Calculate NPS from the scores"), id="nps_scores_submit")

    def calculate(self):
        return services.nps_from_scores(self.nps_scores.scores)


class NPSCountsForm(CalculatorForm):
    slug, section, result_template, main_field = "nps-counts", "nps", "tools/results/nps.html", "promoters"

    promoters = _count(_l("Promoters (scored 9 or 10)"))
    passives = _count(_l("Passives (scored 7 or 8)"))
    detractors = _count(_l("Detractors (scored 0 to 6)"))
    submit = SubmitField(_l("Calculate NPS from the counts"), id="nps_counts_submit")

    def calculate(self):
        return services.nps_from_counts(self.promoters.data, self.passives.data, self.detractors.data)


class CSATScoresForm(CalculatorForm):
    slug, section, result_template, main_field = "csat-scores", "csat", "tools/results/csat.html", "csat_scores"

    csat_scores = ScoreListField(_l("Scores from 1 to 5"), low=1, high=5, description=_score_hint(1, 5))
    submit = SubmitField(_l("Calculate CSAT from the scores"), id="csat_scores_submit")

    def calculate(self):
        return services.csat_from_scores(self.csat_scores.scores)


class CSATCountsForm(CalculatorForm):
    slug, section, result_template, main_field = "csat-counts", "csat", "tools/results/csat.html", "csat_count_1"
    error_fields = {f"count_{n}": f"csat_count_{n}" for n in range(1, 6)}

    csat_count_1 = _count(_l("Responses scoring 1 (very dissatisfied)"))
    csat_count_2 = _count(_l("Responses scoring 2"))
    csat_count_3 = _count(_l("Responses scoring 3"))
    csat_count_4 = _count(_l("Responses scoring 4"))
    csat_count_5 = _count(_l("Responses scoring 5 (very satisfied)"))
    submit = SubmitField(_l("Calculate CSAT from the counts"), id="csat_counts_submit")

    def calculate(self):
        return services.csat_from_counts({n: getattr(self, f"csat_count_{n}").data for n in range(1, 6)})


class CESForm(CalculatorForm):
    slug, section, result_template, main_field = "ces", "ces", "tools/results/ces.html", "ces_scores"

    ces_scores = ScoreListField(_l("Scores from 1 (strongly disagree) to 7 (strongly agree)"), low=1, high=7,
                                description=_score_hint(1, 7))
    submit = SubmitField(_l("Calculate CES"), id="ces_submit")

    def calculate(self):
        return services.ces_from_scores(self.ces_scores.scores)


class ChurnForm(CalculatorForm):
    slug, section, result_template, main_field = "churn", "churn", "tools/results/churn.html", "churn_start"
    error_fields = {"start": "churn_start", "end": "churn_end", "new": "churn_new", "lost": "churn_lost"}

    churn_start = _count(_l("Customers at the start of the period (S)"))
    churn_end = _count(_l("Customers at the end of the period (E)"))
    churn_new = _count(_l("New customers acquired during the period (N)"))
    churn_lost = WholeNumberField(_l("Customers lost during the period (L, optional)"),
                                  validators=[OptionalNumber(), Between(0, 1_000_000_000)], render_kw={"min": 0, "step": 1},
                                  description=_l("Leave empty to work it out as S + N − E."))
    submit = SubmitField(_l("Calculate churn and retention"), id="churn_submit")

    def calculate(self):
        return services.churn_and_retention(self.churn_start.data, self.churn_end.data, self.churn_new.data,
                                            self.churn_lost.data)


def _amount(label, high=1_000_000_000, **kwargs):
    return NumberField(label, validators=[RequiredNumber(), Between(0, high)], render_kw={"min": 0}, **kwargs)


class SimpleCLVForm(CalculatorForm):
    slug, section, result_template, main_field = "clv-simple", "clv", "tools/results/clv_simple.html", "purchase_value"

    purchase_value = _amount(_l("Average purchase value"), description=_l("In your currency, e.g. 300"))
    purchases_per_year = _amount(_l("Purchases per customer per year"), high=1_000_000, description=_l("e.g. 5"))
    lifespan_years = _amount(_l("Average customer lifespan in years"), high=200, description=_l("e.g. 2"))
    submit = SubmitField(_l("Calculate CLV"), id="clv_simple_submit")

    def calculate(self):
        return services.clv_simple(self.purchase_value.data, self.purchases_per_year.data, self.lifespan_years.data)


class MarginCLVForm(CalculatorForm):
    slug, section, result_template, main_field = "clv-margin", "clv", "tools/results/clv_margin.html", "margin"

    margin = _amount(_l("Margin per customer per period (m)"), description=_l("In your currency, e.g. 100 a year"))
    retention_rate = _amount(_l("Retention rate per period (r), in %"), high=None,
                             description=_l("From 0 up to, not including, 100; e.g. 80"))
    discount_rate = _amount(_l("Discount rate per period (d), in %"), high=None,
                            description=_l("From 0 to 100; e.g. 10"))
    submit = SubmitField(_l("Calculate CLV with margin and retention"), id="clv_margin_submit")

    def calculate(self):
        return services.clv_margin_retention(self.margin.data, self.retention_rate.data, self.discount_rate.data)


CALCULATORS: dict[str, type[CalculatorForm]] = {
    form.slug: form
    for form in (NPSScoresForm, NPSCountsForm, CSATScoresForm, CSATCountsForm, CESForm, ChurnForm,
                 SimpleCLVForm, MarginCLVForm)
}


# The 5D self-assessment ---------------------------------------------------------------------
class RatingField(RadioField):
    """One statement rated 1-5, with our own message when no (valid) rating was chosen."""

    def pre_validate(self, form):
        if self.process_errors:
            return
        if self.data is None:
            raise StopValidation(_("Choose a rating from %(low)d to %(high)d for this statement.",
                                   low=RATING_MIN, high=RATING_MAX))
        if not RATING_MIN <= self.data <= RATING_MAX:
            raise StopValidation(_("Choose one of the five ratings."))


class FiveDAssessmentForm(FlaskForm):
    submit = SubmitField(_l("Save my assessment"))

    def statement_fields(self, code: str) -> list[RatingField]:
        return [getattr(self, f"{code}_{n}") for n in range(1, STATEMENTS_PER_DIMENSION + 1)]

    def groups(self):
        """(code, name, guiding question, fields) per dimension, in the model's order."""
        return [(code, DIMENSION_NAMES[code], DIMENSION_QUESTIONS[code], self.statement_fields(code))
                for code in DIMENSIONS]

    def ratings(self) -> dict[str, list[int]]:
        return {code: [f.data for f in self.statement_fields(code)] for code in DIMENSIONS}


for _code in DIMENSIONS:
    for _n, _statement in enumerate(STATEMENTS[_code], 1):
        setattr(FiveDAssessmentForm, f"{_code}_{_n}", RatingField(
            _statement, choices=[SelectChoice(value, label) for value, label in RATING_LABELS.items()], coerce=int,
            invalid_value_message=_l("Choose one of the five ratings.")))
