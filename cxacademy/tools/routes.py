"""Tool views: the CX metrics lab and the 5D self-assessment."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..clock import now_utc
from ..extensions import db
from . import charts, services
from .five_d import ADVICE, DIMENSION_NAMES, LESSON_ENDPOINT, LESSON_FOR_DIMENSION, lesson_exists
from .forms import CALCULATORS, FiveDAssessmentForm, display_number
from .models import DIMENSIONS, FiveDAssessment

bp = Blueprint("tools", __name__, url_prefix="/tools", template_folder="templates")

INVALID = 422  # a form with errors is re-rendered with this status


@bp.context_processor
def tool_helpers():
    return {"number": display_number, "charts": charts, "dimension_names": DIMENSION_NAMES}


# The CX metrics lab ----------------------------------------------------------------------------
def _lab_page(forms: dict, active: str | None = None, result=None):
    return render_template("tools/metrics_lab.html", calculators=forms, active=active, result=result)


def _blank_forms() -> dict:
    # formdata=None: on a POST, only the submitted calculator reads the request.
    return {slug: form_class(formdata=None) for slug, form_class in CALCULATORS.items()}


@bp.get("/metrics-lab")
@login_required
def metrics_lab():
    return _lab_page(_blank_forms())


@bp.get("/metrics-lab/<calculator>")
@login_required
def calculator_page(calculator: str):
    form_class = CALCULATORS.get(calculator) or abort(404)
    return redirect(url_for("tools.metrics_lab", _anchor=form_class.section))


@bp.post("/metrics-lab/<calculator>")
@login_required
def calculate(calculator: str):
    form_class = CALCULATORS.get(calculator) or abort(404)
    forms = _blank_forms()
    form = forms[calculator] = form_class()
    if form.validate_on_submit():
        try:
            result = form.calculate()
        except services.MetricError as exc:
            form.show_error(exc)
        else:
            return _lab_page(forms, active=calculator, result=result)
    return _lab_page(forms, active=calculator), INVALID


# The 5D self-assessment ------------------------------------------------------------------------
def get_assessment_or_404(assessment_id: int, *, owner) -> FiveDAssessment:
    """A learner's own result; anyone else's is as good as missing."""
    assessment = db.get_or_404(FiveDAssessment, assessment_id)
    if assessment.user_id != owner.id:
        abort(404)
    return assessment


@bp.route("/5d-assessment", methods=["GET", "POST"])
@login_required
def five_d_assessment():
    form = FiveDAssessmentForm()
    if form.validate_on_submit():
        assessment = services.record_assessment(current_user.id, form.ratings(), now=now_utc())
        db.session.commit()
        flash(_("Your 5D self-assessment has been saved."), "success")
        return redirect(url_for("tools.five_d_result", assessment_id=assessment.id))
    status = INVALID if form.is_submitted() else 200
    return render_template("tools/five_d_assessment.html", form=form,
                           history=services.assessment_history(current_user.id)), status


@bp.get("/5d-assessment/<int:assessment_id>")
@login_required
def five_d_result(assessment_id: int):
    assessment = get_assessment_or_404(assessment_id, owner=current_user)
    previous = services.previous_assessment(assessment)
    series = [("current", assessment.means)] + ([("previous", previous.means)] if previous else [])
    weakest = services.weakest_dimensions(assessment.means)
    lessons = {code: url_for(LESSON_ENDPOINT, lesson_id=LESSON_FOR_DIMENSION[code])
               for code in weakest if lesson_exists(LESSON_FOR_DIMENSION[code])}
    return render_template("tools/five_d_result.html", assessment=assessment, previous=previous,
                           radar=charts.radar_chart(DIMENSIONS, series), weakest=weakest, advice=ADVICE,
                           lessons=lessons, dimensions=DIMENSIONS,
                           history=services.assessment_history(current_user.id))
