"""Tool rules as plain functions: the CX metric formulas (plain numbers in, dataclass results out,
no request or app needed) and the 5D self-assessment's records (they flush, never commit)."""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import or_, select

from ..extensions import db
from .models import DIMENSIONS, FiveDAssessment, RATING_MAX, RATING_MIN, STATEMENTS_PER_DIMENSION


class MetricError(Exception):
    """An input breaks a metric's rule. `code` picks the message, `field` names the form field
    it belongs to, and `params` are the numbers the message quotes."""

    def __init__(self, code: str, field: str | None = None, **params):
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params


# Score lists ---------------------------------------------------------------------------------
MAX_SCORES = 10_000
_SEPARATORS = re.compile(r"[,;\s]+")
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def parse_scores(text: str, low: int, high: int) -> list[int]:
    """Whole-number scores separated by commas, spaces or new lines, each within low..high.
    The first bad entry is named in the error, so the learner can find it."""
    entries = [entry for entry in _SEPARATORS.split(text or "") if entry]
    if not entries:
        raise MetricError("no_scores")
    if len(entries) > MAX_SCORES:
        raise MetricError("too_many_scores", count=len(entries), max=MAX_SCORES)
    scores = []
    for position, entry in enumerate(entries, 1):
        shown = entry if len(entry) <= 20 else entry[:20] + "…"
        if not _WHOLE_NUMBER.fullmatch(entry):
            raise MetricError("not_whole_number", entry=shown, position=position, low=low, high=high)
        score = int(entry) if len(entry) <= 6 else None  # a very long number is out of any scale
        if score is None or not low <= score <= high:
            raise MetricError("score_out_of_range", entry=shown, position=position, low=low, high=high)
        scores.append(score)
    return scores


def _require_counts(counts: Mapping[str, int]) -> None:
    for name, count in counts.items():
        if count < 0:
            raise MetricError("negative", name)


def _percent(part: float, whole: float) -> float:
    return 100 * part / whole


# Net Promoter Score --------------------------------------------------------------------------
NPS_SCALE = (0, 10)


@dataclass(frozen=True)
class NPSResult:
    promoters: int  # scored 9-10
    passives: int  # scored 7-8; in the base, in neither percentage
    detractors: int  # scored 0-6
    responses: int
    pct_promoters: float
    pct_passives: float
    pct_detractors: float
    nps: float  # -100..+100
    scores_given: int | None = None  # how many raw scores were entered, when a list was


def nps_from_counts(promoters: int, passives: int, detractors: int) -> NPSResult:
    """NPS = % promoters - % detractors, passives counted in the base."""
    _require_counts({"promoters": promoters, "passives": passives, "detractors": detractors})
    responses = promoters + passives + detractors
    if responses == 0:
        raise MetricError("no_responses", "promoters")
    pct_promoters = _percent(promoters, responses)
    pct_detractors = _percent(detractors, responses)
    return NPSResult(promoters=promoters, passives=passives, detractors=detractors, responses=responses,
                     pct_promoters=pct_promoters, pct_passives=_percent(passives, responses),
                     pct_detractors=pct_detractors, nps=pct_promoters - pct_detractors)


def nps_from_scores(scores: Iterable[int]) -> NPSResult:
    scores = list(scores)
    if not scores:
        raise MetricError("no_scores")
    if any(not 0 <= s <= 10 for s in scores):
        raise ValueError("NPS scores run from 0 to 10; parse_scores checks that")
    promoters = sum(1 for s in scores if s >= 9)
    passives = sum(1 for s in scores if 7 <= s <= 8)
    result = nps_from_counts(promoters, passives, len(scores) - promoters - passives)
    return replace(result, scores_given=len(scores))


# Customer satisfaction (CSAT) on a 1-5 scale --------------------------------------------------
CSAT_SCALE = (1, 5)
CSAT_SATISFIED = (4, 5)


@dataclass(frozen=True)
class CSATResult:
    distribution: dict[int, int]  # score -> how many gave it, for every score 1..5
    responses: int
    satisfied: int  # scored 4 or 5
    csat: float  # percent satisfied, 0..100


def csat_from_counts(counts: Mapping[int, int]) -> CSATResult:
    """CSAT % = (number of 4s and 5s) / all responses x 100."""
    low, high = CSAT_SCALE
    if any(not low <= score <= high for score in counts):
        raise ValueError("CSAT scores run from 1 to 5; parse_scores checks that")
    distribution = {score: int(counts.get(score, 0)) for score in range(low, high + 1)}
    _require_counts({f"count_{score}": count for score, count in distribution.items()})
    responses = sum(distribution.values())
    if responses == 0:
        raise MetricError("no_responses", "count_1")
    satisfied = sum(distribution[score] for score in CSAT_SATISFIED)
    return CSATResult(distribution=distribution, responses=responses, satisfied=satisfied,
                      csat=_percent(satisfied, responses))


def csat_from_scores(scores: Iterable[int]) -> CSATResult:
    scores = list(scores)
    if not scores:
        raise MetricError("no_scores")
    return csat_from_counts(Counter(scores))


# Customer Effort Score (CES 2.0): 1-7 agreement with "The company made it easy for me to ...";
# higher is better.
CES_SCALE = (1, 7)
CES_AGREEING = (5, 6, 7)


@dataclass(frozen=True)
class CESResult:
    distribution: dict[int, int]  # score -> how many gave it, for every score 1..7
    responses: int
    total: int  # sum of all scores, the numerator of the mean
    mean: float  # 1..7, higher means less effort
    agreeing: int  # scored 5, 6 or 7
    pct_agreeing: float


def ces_from_scores(scores: Iterable[int]) -> CESResult:
    """CES = mean of the 1-7 scores; the alternative aggregation is % agreeing (5-7)."""
    scores = list(scores)
    if not scores:
        raise MetricError("no_scores")
    low, high = CES_SCALE
    if any(not low <= s <= high for s in scores):
        raise ValueError("CES scores run from 1 to 7; parse_scores checks that")
    counts = Counter(scores)
    agreeing = sum(counts[s] for s in CES_AGREEING)
    return CESResult(distribution={s: counts[s] for s in range(low, high + 1)}, responses=len(scores),
                     total=sum(scores), mean=sum(scores) / len(scores), agreeing=agreeing,
                     pct_agreeing=_percent(agreeing, len(scores)))


# Churn and retention over a period -------------------------------------------------------------
@dataclass(frozen=True)
class ChurnResult:
    start: int  # S, customers at the start of the period
    end: int  # E, customers at the end
    new: int  # N, customers acquired during the period
    lost: int  # L, customers lost during the period
    lost_was_derived: bool  # L was not given, so it is S + N - E
    retained: int  # E - N: customers from the start who are still customers
    churn: float  # L / S x 100
    retention: float  # (E - N) / S x 100


def churn_and_retention(start: int, end: int, new: int, lost: int | None = None) -> ChurnResult:
    """Churn % = L / S x 100; customer retention rate (CRR) % = (E - N) / S x 100.
    The four numbers must balance: S + N - L = E; a missing L is derived from that."""
    _require_counts({"start": start, "end": end, "new": new, **({"lost": lost} if lost is not None else {})})
    if start == 0:
        raise MetricError("zero_start", "start")
    if new > end:
        raise MetricError("new_above_end", "new", new=new, end=end)
    balance = start + new - end
    if balance < 0:
        raise MetricError("end_above_start_plus_new", "end", end=end, start=start, new=new, limit=start + new)
    if lost is not None and lost != balance:
        raise MetricError("unbalanced", "lost", lost=lost, start=start, new=new, end=end, expected=balance)
    return ChurnResult(start=start, end=end, new=new, lost=balance, lost_was_derived=lost is None,
                       retained=end - new, churn=_percent(balance, start), retention=_percent(end - new, start))


# Customer lifetime value -------------------------------------------------------------------------
CHART_PERIODS = 10


@dataclass(frozen=True)
class SimpleCLVResult:
    purchase_value: float
    purchases_per_year: float
    lifespan_years: float
    value_per_year: float  # purchase value x frequency
    clv: float
    cumulative: list[tuple[float, float]] = field(default_factory=list)  # (year, value earned by then)


def clv_simple(purchase_value: float, purchases_per_year: float, lifespan_years: float) -> SimpleCLVResult:
    """CLV = average purchase value x purchases per year x average lifespan in years."""
    for name, value in (("purchase_value", purchase_value), ("purchases_per_year", purchases_per_year),
                        ("lifespan_years", lifespan_years)):
        if not math.isfinite(value):
            raise MetricError("not_a_number", name)
        if value < 0:
            raise MetricError("negative", name)
    per_year = purchase_value * purchases_per_year
    return SimpleCLVResult(purchase_value=purchase_value, purchases_per_year=purchases_per_year,
                           lifespan_years=lifespan_years, value_per_year=per_year,
                           clv=per_year * lifespan_years, cumulative=_cumulative_by_year(per_year, lifespan_years))


def _cumulative_by_year(per_year: float, lifespan_years: float, max_points: int = CHART_PERIODS) -> list[tuple[float, float]]:
    """Value earned by the end of each year of the lifespan, thinned to at most `max_points`
    evenly spaced years, always ending at the full lifespan."""
    if lifespan_years <= 0:
        return []
    years = math.ceil(lifespan_years)
    step = math.ceil(years / max_points)
    marks = [float(y) for y in range(step, years, step)][: max_points - 1] + [float(lifespan_years)]
    return [(year, per_year * year) for year in marks]


@dataclass(frozen=True)
class MarginCLVResult:
    margin: float  # m, margin per customer per period
    retention_rate: float  # r, percent
    discount_rate: float  # d, percent
    r: float  # as a fraction
    d: float  # as a fraction
    denominator: float  # 1 + d - r
    numerator: float  # m x r
    clv: float
    cumulative: list[tuple[int, float]] = field(default_factory=list)  # (period, discounted value by then)


def clv_margin_retention(margin: float, retention_rate: float, discount_rate: float) -> MarginCLVResult:
    """CLV = m x r / (1 + d - r): the sum over all future periods of the margin, kept with
    probability r each period and discounted at d. r and d are percentages; r < 100."""
    for name, value in (("margin", margin), ("retention_rate", retention_rate), ("discount_rate", discount_rate)):
        if not math.isfinite(value):
            raise MetricError("not_a_number", name)
        if value < 0:
            raise MetricError("negative", name)
    if retention_rate >= 100:
        raise MetricError("retention_not_below_100", "retention_rate")
    if discount_rate > 100:
        raise MetricError("percent_above_100", "discount_rate")
    r, d = retention_rate / 100, discount_rate / 100
    denominator = 1 + d - r
    numerator = margin * r
    kept_and_discounted = r / (1 + d)
    cumulative, running = [], 0.0
    for period in range(1, CHART_PERIODS + 1):
        running += margin * kept_and_discounted**period
        cumulative.append((period, running))
    return MarginCLVResult(margin=margin, retention_rate=retention_rate, discount_rate=discount_rate, r=r, d=d,
                           denominator=denominator, numerator=numerator, clv=numerator / denominator,
                           cumulative=cumulative)


# 5D self-assessment ----------------------------------------------------------------------------
def record_assessment(user_id: int, ratings: Mapping[str, Sequence[int]], *, now: datetime) -> FiveDAssessment:
    """Save one self-assessment: for each dimension, the ratings (1-5) of its statements."""
    totals = {}
    for code in DIMENSIONS:
        given = list(ratings.get(code, ()))
        if len(given) != STATEMENTS_PER_DIMENSION or any(not RATING_MIN <= r <= RATING_MAX for r in given):
            raise ValueError(f"{code}: need {STATEMENTS_PER_DIMENSION} ratings from {RATING_MIN} to {RATING_MAX}")
        totals[code] = sum(given)
    assessment = FiveDAssessment(user_id=user_id, taken_at=now, **{f"{code}_total": totals[code] for code in DIMENSIONS})
    db.session.add(assessment)
    db.session.flush()
    return assessment


def assessment_history(user_id: int) -> list[FiveDAssessment]:
    """The user's results, newest first."""
    return list(db.session.scalars(select(FiveDAssessment).where(FiveDAssessment.user_id == user_id)
                                   .order_by(FiveDAssessment.taken_at.desc(), FiveDAssessment.id.desc())))


def previous_assessment(assessment: FiveDAssessment) -> FiveDAssessment | None:
    """The same user's result taken just before this one, to compare with."""
    earlier = or_(FiveDAssessment.taken_at < assessment.taken_at,
                  (FiveDAssessment.taken_at == assessment.taken_at) & (FiveDAssessment.id < assessment.id))
    return db.session.scalar(select(FiveDAssessment)
                             .where(FiveDAssessment.user_id == assessment.user_id, earlier)
                             .order_by(FiveDAssessment.taken_at.desc(), FiveDAssessment.id.desc()).limit(1))


def weakest_dimensions(means: Mapping[str, float], count: int = 2) -> list[str]:
    """The `count` dimensions with the lowest mean; ties go to the one listed first in the model."""
    return sorted(DIMENSIONS, key=lambda code: (means[code], DIMENSIONS.index(code)))[:count]

