"""Tools: the CX metrics lab's formulas and forms, and the 5D self-assessment with its history."""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy import func, select

from cxacademy.extensions import db
from cxacademy.tools import charts, services
from cxacademy.tools.five_d import (ADVICE, DIMENSION_NAMES, LESSON_FOR_DIMENSION, STATEMENTS, lesson_exists,
                                    use_lesson_lookup)
from cxacademy.tools.models import DIMENSIONS, FiveDAssessment
from cxacademy.tools.services import MetricError

from .conftest import post_form

LAB = "/tools/metrics-lab"
FIVE_D = "/tools/5d-assessment"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def field_errors(html: str, field_id: str) -> str:
    """The text of the error list tied to one field (empty when the field has none)."""
    match = re.search(rf'<ul class="errors" id="{re.escape(field_id)}-errors">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


def _error(call) -> MetricError:
    with pytest.raises(MetricError) as caught:
        call()
    return caught.value


# Formulas against worked examples -----------------------------------------------------------------
def test_nps_is_percent_promoters_minus_percent_detractors():
    result = services.nps_from_counts(promoters=50, passives=30, detractors=20)
    assert (result.responses, result.pct_promoters, result.pct_detractors, result.nps) == (100, 50, 20, 30)


def test_nps_counts_passives_in_the_base_but_in_neither_percentage():
    assert services.nps_from_counts(promoters=10, passives=90, detractors=0).nps == 10


def test_nps_runs_from_minus_100_to_plus_100():
    assert services.nps_from_counts(0, 0, 7).nps == -100
    assert services.nps_from_counts(7, 0, 0).nps == 100


def test_nps_from_scores_sorts_9_10_as_promoters_7_8_as_passives_0_6_as_detractors():
    result = services.nps_from_scores([10, 9, 8, 7, 6, 0, 9, 10])
    assert (result.promoters, result.passives, result.detractors, result.scores_given) == (4, 2, 2, 8)
    assert result.nps == 25


def test_nps_rejects_zero_responses():
    assert _error(lambda: services.nps_from_counts(0, 0, 0)).code == "no_responses"


def test_csat_is_share_of_fours_and_fives():
    result = services.csat_from_counts({1: 5, 2: 5, 3: 10, 4: 30, 5: 50})
    assert (result.responses, result.satisfied, result.csat) == (100, 80, 80)


def test_csat_from_scores_counts_every_score_of_the_scale():
    result = services.csat_from_scores([5, 4, 3, 2, 1])
    assert result.distribution == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1} and result.csat == 40


def test_csat_rejects_zero_responses():
    assert _error(lambda: services.csat_from_counts({n: 0 for n in range(1, 6)})).code == "no_responses"


def test_ces_is_the_mean_with_share_agreeing_as_the_alternative():
    result = services.ces_from_scores([7, 6, 5, 4, 3])
    assert (result.mean, result.agreeing, result.pct_agreeing) == (5, 3, 60)


def test_churn_and_retention_derive_lost_customers_from_the_balance():
    result = services.churn_and_retention(start=1000, end=1050, new=150)
    assert (result.lost, result.lost_was_derived, result.churn, result.retention) == (100, True, 10, 90)


def test_churn_accepts_lost_customers_that_balance():
    result = services.churn_and_retention(start=200, end=190, new=10, lost=20)
    assert (result.churn, result.retention, result.lost_was_derived) == (10, 90, False)


@pytest.mark.parametrize(("args", "code", "field"), [
    ((0, 10, 5, None), "zero_start", "start"),
    ((100, 10, 20, None), "new_above_end", "new"),
    ((100, 130, 20, None), "end_above_start_plus_new", "end"),
    ((100, 90, 10, 5), "unbalanced", "lost"),
    ((-1, 10, 5, None), "negative", "start"),
])
def test_churn_rejects_impossible_periods(args, code, field):
    error = _error(lambda: services.churn_and_retention(*args))
    assert (error.code, error.field) == (code, field)


def test_clv_simple_is_value_times_frequency_times_lifespan():
    result = services.clv_simple(300, 5, 2)
    assert (result.value_per_year, result.clv) == (1500, 3000)
    assert result.cumulative == [(1.0, 1500), (2.0, 3000)]


def test_clv_simple_chart_ends_at_a_fractional_lifespan():
    assert services.clv_simple(100, 1, 2.5).cumulative[-1] == (2.5, 250)


def test_clv_margin_form_is_m_times_r_over_one_plus_d_minus_r():
    result = services.clv_margin_retention(margin=100, retention_rate=80, discount_rate=10)
    assert result.denominator == pytest.approx(0.3)
    assert result.clv == pytest.approx(100 * 0.8 / 0.3)
    assert result.cumulative[-1][1] < result.clv  # ten periods fall short of all periods


def test_clv_margin_form_rejects_retention_of_100_percent():
    assert _error(lambda: services.clv_margin_retention(100, 100, 10)).code == "retention_not_below_100"


def test_score_list_accepts_commas_spaces_and_new_lines():
    assert services.parse_scores("10, 9 8\n7,\r\n 0", 0, 10) == [10, 9, 8, 7, 0]


@pytest.mark.parametrize(("text", "code", "entry"), [
    ("9, 7.5, 3", "not_whole_number", "7.5"),
    ("9 ten", "not_whole_number", "ten"),
    ("9 11", "score_out_of_range", "11"),
    ("-1", "score_out_of_range", "-1"),
    ("1" * 5000, "score_out_of_range", "1" * 20 + "…"),
])
def test_score_list_names_the_first_bad_entry(text, code, entry):
    error = _error(lambda: services.parse_scores(text, 0, 10))
    assert (error.code, error.params["entry"]) == (code, entry)


def test_score_list_must_not_be_empty():
    assert _error(lambda: services.parse_scores(" ,\n ", 0, 10)).code == "no_scores"


# Charts ---------------------------------------------------------------------------------------------
def test_radar_puts_the_first_axis_at_the_top_and_5_on_the_outer_ring():
    chart = charts.radar_chart(DIMENSIONS, [("current", {code: 5 for code in DIMENSIONS})], radius=100)
    top = chart.axes[0]
    assert math.isclose(top.x, chart.cx) and math.isclose(top.y, chart.cy - 100)
    x, y, value = chart.series[0].vertices[0]
    assert (round(x, 6), round(y, 6), value) == (round(chart.cx, 6), round(chart.cy - 100, 6), 5)
    assert len(chart.rings) == 5


@pytest.mark.parametrize(("highest", "gridlines"), [(50, [0, 20, 40, 60]), (3, [0, 1, 2, 3]), (1000, [0, 500, 1000])])
def test_bar_chart_gridlines_sit_at_round_values_above_the_tallest_bar(highest, gridlines):
    chart = charts.bar_chart([("a", highest, False), ("b", 1, True)], whole_numbers=True)
    assert [line.value for line in chart.gridlines] == gridlines
    assert math.isclose(chart.bars[0].height, (chart.baseline - chart.gridlines[-1].y) * highest / gridlines[-1])


def test_stacked_bar_parts_fill_the_bar():
    bar = charts.stacked_bar([("a", 20), ("b", 30), ("c", 50)])
    assert math.isclose(sum(s.width for s in bar.segments), bar.bar_width)


# The metrics lab over HTTP ------------------------------------------------------------------------
def test_anonymous_visitor_is_sent_to_login(client):
    for url in (LAB, FIVE_D, f"{FIVE_D}/1"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    for url, data in ((f"{LAB}/nps-counts", {"promoters": "1", "passives": "1", "detractors": "1"}),
                      (FIVE_D, _ratings())):
        response = post_form(client, url, data)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _count_results() == 0


def test_metrics_lab_shows_every_calculator_without_inline_script_or_style(client, make_user, login_as):
    login_as(make_user())
    response = client.get(LAB)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for slug in ("nps-scores", "nps-counts", "csat-scores", "csat-counts", "ces", "churn", "clv-simple", "clv-margin"):
        assert f'action="{LAB}/{slug}#' in html
    assert "style=" not in html and "<script" not in html


def test_nps_from_counts_shows_result_working_and_chart(client, make_user, login_as):
    login_as(make_user())
    response = post_form(client, f"{LAB}/nps-counts", {"promoters": "50", "passives": "30", "detractors": "20"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "NPS = % promoters − % detractors = 50 − 20 = 30" in html
    assert 'id="nps-chart"' in html and 'role="img"' in html and '<title id="nps-chart-title">' in html
    assert "style=" not in html


def test_nps_from_scores_sorts_the_scores(client, make_user, login_as):
    login_as(make_user())
    response = post_form(client, f"{LAB}/nps-scores", {"nps_scores": "10, 9, 8\n7 6 0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sort the 6 scores: 2 promoters (9–10), 2 passives (7–8), 2 detractors (0–6)." in html


@pytest.mark.parametrize(("scores", "message"), [
    ("10, 9, 7.5", "“7.5” (entry 3) is not a whole number"),
    ("10 nine", "“nine” (entry 2) is not a whole number"),
    ("10 11", "“11” (entry 2) is outside the scale. Use whole numbers from 0 to 10."),
    ("", "Enter at least one score."),
])
def test_nps_score_list_errors_are_shown_at_the_field_with_422(client, make_user, login_as, scores, message):
    login_as(make_user())
    response = post_form(client, f"{LAB}/nps-scores", {"nps_scores": scores})
    assert response.status_code == 422
    assert message in field_errors(response.get_data(as_text=True), "nps_scores")


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"promoters": "0", "passives": "0", "detractors": "0"}, "promoters", "All the counts are 0"),
    ({"promoters": "abc", "passives": "1", "detractors": "1"}, "promoters", "Enter a whole number"),
    ({"promoters": "1", "passives": "-3", "detractors": "1"}, "passives", "Enter 0 or more."),
    ({"promoters": "1", "passives": "1", "detractors": ""}, "detractors", "This field is required."),
])
def test_nps_count_errors_are_shown_at_the_field_with_422(client, make_user, login_as, data, field, message):
    login_as(make_user())
    response = post_form(client, f"{LAB}/nps-counts", data)
    assert response.status_code == 422
    assert message in field_errors(response.get_data(as_text=True), field)


def test_csat_counts_of_zero_are_rejected_at_the_first_count(client, make_user, login_as):
    login_as(make_user())
    response = post_form(client, f"{LAB}/csat-counts", {f"csat_count_{n}": "0" for n in range(1, 6)})
    assert response.status_code == 422
    assert "All the counts are 0" in field_errors(response.get_data(as_text=True), "csat_count_1")


def test_csat_from_scores_shows_percent_satisfied_and_distribution_chart(client, make_user, login_as):
    login_as(make_user())
    response = post_form(client, f"{LAB}/csat-scores", {"csat_scores": "5 5 4 3 1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "CSAT = 3 ÷ 5 × 100 = 60%" in html and 'id="csat-chart"' in html


def test_csat_score_out_of_scale_is_rejected(client, make_user, login_as):
    login_as(make_user())
    response = post_form(client, f"{LAB}/csat-scores", {"csat_scores": "5 0"})
    assert response.status_code == 422
    assert "“0” (entry 2) is outside the scale" in field_errors(response.get_data(as_text=True), "csat_scores")


def test_ces_result_states_the_scale_and_that_higher_is_better(client, make_user, login_as):
    login_as(make_user())
    response = post_form(client, f"{LAB}/ces", {"ces_scores": "7 6 5 4 3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "CES = 25 ÷ 5 = 5" in html and "from 1 to 7, where higher is better" in html
    assert "Agreeing (5 to 7): 60%" in html


def test_ces_score_of_8_is_rejected(client, make_user, login_as):
    login_as(make_user())
    response = post_form(client, f"{LAB}/ces", {"ces_scores": "7 8"})
    assert response.status_code == 422
    assert "“8” (entry 2) is outside the scale" in field_errors(response.get_data(as_text=True), "ces_scores")


def test_churn_without_lost_customers_works_them_out(client, make_user, login_as):
    login_as(make_user())
    response = post_form(client, f"{LAB}/churn", {"churn_start": "1000", "churn_end": "1050", "churn_new": "150",
                                                 "churn_lost": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "L = S + N − E = 1,000 + 150 − 1,050 = 100" in html
    assert "Churn = L ÷ S × 100 = 100 ÷ 1,000 × 100 = 10%" in html
    assert "= 900 ÷ 1,000 × 100 = 90%" in html


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"churn_start": "0", "churn_end": "5", "churn_new": "5"}, "churn_start", "must be more than 0"),
    ({"churn_start": "100", "churn_end": "10", "churn_new": "20"}, "churn_new", "cannot be more than the customers at the end"),
    ({"churn_start": "100", "churn_end": "90", "churn_new": "10", "churn_lost": "5"}, "churn_lost", "The numbers do not add up"),
    ({"churn_start": "100", "churn_end": "90", "churn_new": "10", "churn_lost": "-5"}, "churn_lost", "Enter 0 or more."),
    ({"churn_start": "many", "churn_end": "90", "churn_new": "10"}, "churn_start", "Enter a whole number"),
])
def test_churn_errors_are_shown_at_the_field_with_422(client, make_user, login_as, data, field, message):
    login_as(make_user())
    response = post_form(client, f"{LAB}/churn", data)
    assert response.status_code == 422
    assert message in field_errors(response.get_data(as_text=True), field)


def test_clv_simple_shows_the_worked_example(client, make_user, login_as):
    login_as(make_user())
    response = post_form(client, f"{LAB}/clv-simple", {"purchase_value": "300", "purchases_per_year": "5",
                                                       "lifespan_years": "2"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "= 300 × 5 = 1,500" in html and "= 1,500 × 2 = 3,000" in html and 'id="clv-chart"' in html


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"purchase_value": "lots", "purchases_per_year": "5", "lifespan_years": "2"}, "purchase_value", "Enter a number"),
    ({"purchase_value": "NaN", "purchases_per_year": "5", "lifespan_years": "2"}, "purchase_value", "Enter a number"),
    ({"purchase_value": "300", "purchases_per_year": "-1", "lifespan_years": "2"}, "purchases_per_year", "Enter 0 or more."),
    ({"purchase_value": "300", "purchases_per_year": "5", "lifespan_years": ""}, "lifespan_years", "This field is required."),
])
def test_clv_simple_errors_are_shown_at_the_field_with_422(client, make_user, login_as, data, field, message):
    login_as(make_user())
    response = post_form(client, f"{LAB}/clv-simple", data)
    assert response.status_code == 422
    assert message in field_errors(response.get_data(as_text=True), field)


def test_clv_margin_form_shows_the_substituted_formula(client, make_user, login_as):
    login_as(make_user())
    response = post_form(client, f"{LAB}/clv-margin", {"margin": "100", "retention_rate": "80", "discount_rate": "10"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "CLV = m × r ÷ (1 + d − r) = 100 × 0.8 ÷ (1 + 0.1 − 0.8)" in html
    assert "= 80 ÷ 0.3 = 266.67" in html


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"margin": "100", "retention_rate": "100", "discount_rate": "10"}, "retention_rate", "must be below 100%"),
    ({"margin": "100", "retention_rate": "80", "discount_rate": "120"}, "discount_rate", "from 0 to 100"),
])
def test_clv_margin_form_rejects_rates_outside_their_range(client, make_user, login_as, data, field, message):
    login_as(make_user())
    response = post_form(client, f"{LAB}/clv-margin", data)
    assert response.status_code == 422
    assert message in field_errors(response.get_data(as_text=True), field)


def test_unknown_calculator_is_404(client, make_user, login_as):
    login_as(make_user())
    assert post_form(client, f"{LAB}/roi", {}).status_code == 404


def test_calculator_without_csrf_token_is_refused(client, make_user, login_as):
    login_as(make_user())
    response = client.post(f"{LAB}/nps-counts", data={"promoters": "1", "passives": "1", "detractors": "1"})
    assert response.status_code == 400


# The 5D self-assessment ----------------------------------------------------------------------------
def _ratings(**per_dimension) -> dict:
    """Form data rating every statement 3, or the given rating(s) per dimension."""
    data = {}
    for code in DIMENSIONS:
        given = per_dimension.get(code, 3)
        values = given if isinstance(given, (list, tuple)) else [given] * 3
        for n, value in enumerate(values, 1):
            data[f"{code}_{n}"] = str(value)
    return data


def _count_results() -> int:
    return db.session.scalar(select(func.count()).select_from(FiveDAssessment))


def test_every_dimension_has_three_statements_and_advice():
    assert set(STATEMENTS) == set(ADVICE) == set(DIMENSION_NAMES) == set(LESSON_FOR_DIMENSION) == set(DIMENSIONS)
    assert all(len(statements) == 3 for statements in STATEMENTS.values())


def test_assessment_form_groups_statements_in_fieldsets_with_labelled_radios(client, make_user, login_as):
    login_as(make_user())
    html = client.get(FIVE_D).get_data(as_text=True)
    assert html.count('<fieldset class="panel dimension"') == 5 and html.count('<fieldset class="rating') == 15
    assert '<label for="product_1-0"><span class="rating-number">1</span> Strongly disagree</label>' in html
    assert "style=" not in html and "<script" not in html


def test_assessment_is_saved_and_shown_with_radar_and_weakest_dimensions(client, make_user, login_as):
    user = login_as(make_user())
    response = post_form(client, FIVE_D, _ratings(product=5, customer=4, time=(1, 2, 3), price=(2, 2, 1), approach=4))
    assert response.status_code == 302
    saved = db.session.scalar(select(FiveDAssessment))
    assert (saved.user_id, saved.product_total, saved.time_total, saved.price_total) == (user.id, 15, 6, 5)
    assert saved.means["time"] == 2
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<svg class="chart chart-radar" id="five-d-radar"' in html and '<title id="five-d-radar-title">' in html
    focus = html.split('id="focus-title"')[1]
    assert focus.index("Right Price (1.7)") < focus.index("Right Time (2.0)") and "Right Product (5.0)" not in focus
    assert "style=" not in html


def test_missing_ratings_are_errors_at_their_statements_and_nothing_is_saved(client, make_user, login_as):
    login_as(make_user())
    data = _ratings()
    del data["time_2"], data["approach_3"]
    response = post_form(client, FIVE_D, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a rating from 1 to 5 for this statement." in field_errors(html, "time_2")
    assert "Choose a rating from 1 to 5" in field_errors(html, "approach_3")
    assert field_errors(html, "time_1") == ""
    assert 'checked' in html  # what was chosen is kept
    assert _count_results() == 0


def test_rating_outside_1_to_5_is_rejected(client, make_user, login_as):
    login_as(make_user())
    response = post_form(client, FIVE_D, {**_ratings(), "price_1": "9"})
    assert response.status_code == 422
    assert "Choose one of the five ratings." in field_errors(response.get_data(as_text=True), "price_1")
    assert _count_results() == 0


def test_history_lists_results_newest_first_and_radar_overlays_the_previous_one(client, make_user, login_as):
    user = login_as(make_user())
    services.record_assessment(user.id, {code: [2, 2, 2] for code in DIMENSIONS}, now=T0)
    services.record_assessment(user.id, {code: [3, 3, 3] for code in DIMENSIONS}, now=T0 + timedelta(days=30))
    db.session.commit()
    response = post_form(client, FIVE_D, _ratings(product=5))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    history = html.split('id="history-title"')[1]
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">(.*?)</th>", history)
    assert len(rows) == 3
    assert rows[1].startswith("Apr 1, 2026") and rows[2].startswith("Mar 2, 2026")
    assert 'aria-current="true"' in history
    assert "Previous result, Apr 1, 2026" in html and 'stroke-dasharray="6 4"' in html


def test_learner_sees_only_their_own_results(client, make_user, login_as):
    owner, other = make_user(), make_user()
    mine = services.record_assessment(owner.id, {code: [4, 4, 4] for code in DIMENSIONS}, now=T0)
    db.session.commit()
    login_as(other)
    assert client.get(f"{FIVE_D}/{mine.id}").status_code == 404
    html = client.get(FIVE_D).get_data(as_text=True)
    assert 'id="history-title"' not in html and f"{FIVE_D}/{mine.id}" not in html


def test_lesson_exists_is_false_without_a_lesson_page():
    bare = Flask(__name__)
    with bare.app_context():
        assert lesson_exists("5d-right-time") is False


def test_weakest_dimensions_link_to_lessons_the_lookup_knows(app, client, make_user, login_as):
    use_lesson_lookup(app, lambda lesson_id: lesson_id == "5d-right-time-price")
    user = login_as(make_user())
    services.record_assessment(user.id, {**{code: [4, 4, 4] for code in DIMENSIONS},
                                         "time": [1, 1, 1], "approach": [2, 2, 2]}, now=T0)
    db.session.commit()
    result_id = db.session.scalar(select(FiveDAssessment.id))
    html = client.get(f"{FIVE_D}/{result_id}").get_data(as_text=True)
    assert 'href="/lessons/5d-right-time-price"' in html
    assert "5d-right-approach" not in html and "The lesson on this dimension is not in the course yet." in html


def test_without_a_lesson_lookup_no_lesson_is_linked(client, make_user, login_as):
    user = login_as(make_user())
    result = services.record_assessment(user.id, {code: [2, 3, 4] for code in DIMENSIONS}, now=T0)
    db.session.commit()
    html = client.get(f"{FIVE_D}/{result.id}").get_data(as_text=True)
    assert "/lessons/" not in html and html.count("The lesson on this dimension is not in the course yet.") == 2


def test_weakest_dimensions_break_ties_in_model_order():
    means = {"product": 3, "customer": 2, "time": 2, "price": 2, "approach": 4}
    assert services.weakest_dimensions(means) == ["customer", "time"]
