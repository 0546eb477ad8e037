"""Item analysis over first attempts: facility, point-biserial discrimination, option choices, flags.

Facility is the share of learners whose first answer to the question was right. Discrimination is
the point-biserial correlation between being right on the item and the learner's total score
(share right on all their first answers in the module, this item included: the uncorrected
form), so a good item is answered better by stronger learners. Aggregates are computed in SQL; Python only combines the per-question
sums into the formula.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, cast, func, select

from ..assessment.models import Attempt, AttemptItem, Question, ReviewCard
from ..extensions import db

TOO_EASY, TOO_HARD = 0.9, 0.2


@dataclass
class ItemStats:
    question_id: str
    answered: int
    facility: float
    discrimination: float | None
    options: dict[str, int] = field(default_factory=dict)
    leeches: int = 0

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.facility > TOO_EASY:
            flags.append("too_easy")
        if self.facility < TOO_HARD:
            flags.append("too_hard")
        if self.discrimination is not None and self.discrimination < 0:
            flags.append("negative_discrimination")
        return flags


def first_answers(module_id: str, learner_ids=None):
    """Each learner's first graded answer to each question of the module: one pass with a window
    function, materialised once (it is read three times below)."""
    ranked = (select(AttemptItem.user_id, AttemptItem.question_id,
                     case((AttemptItem.is_correct.is_(True), 1.0), else_=0.0).label("right"),
                     cast(AttemptItem.chosen, String).label("chosen"),
                     func.row_number().over(partition_by=(AttemptItem.question_id, AttemptItem.user_id),
                                            order_by=(AttemptItem.answered_at, AttemptItem.id)).label("nth"))
              .where(AttemptItem.question_id.in_(select(Question.id).where(Question.module_id == module_id)),
                     AttemptItem.is_correct.is_not(None)))
    if learner_ids is not None:
        ranked = ranked.where(AttemptItem.user_id.in_(learner_ids))
    ranked = ranked.subquery()
    first = (select(ranked.c.user_id, ranked.c.question_id, ranked.c.right, ranked.c.chosen)
             .where(ranked.c.nth == 1).subquery())
    # Each learner's total (share right over their first answers) rides along on every row, so the
    # per-question figures below need no join.
    return (select(first.c.user_id, first.c.question_id, first.c.right, first.c.chosen,
                   func.avg(first.c.right).over(partition_by=first.c.user_id).label("total"))
            .cte("first_answers").prefix_with("MATERIALIZED"))


def item_analysis(module_id: str, learner_ids=None) -> list[ItemStats]:
    answers = first_answers(module_id, learner_ids)
    rows = db.session.execute(
        select(answers.c.question_id, func.count(), func.avg(answers.c.right),
               func.avg(case((answers.c.right == 1.0, answers.c.total))),
               func.avg(case((answers.c.right == 0.0, answers.c.total))),
               func.avg(answers.c.total), func.avg(answers.c.total * answers.c.total))
        .group_by(answers.c.question_id).order_by(answers.c.question_id)).all()
    choices = db.session.execute(select(answers.c.question_id, answers.c.chosen, func.count())
                                 .group_by(answers.c.question_id, answers.c.chosen)).all()
    leeches = dict(db.session.execute(
        select(ReviewCard.question_id, func.count()).join(Question, Question.id == ReviewCard.question_id)
        .where(Question.module_id == module_id, ReviewCard.is_leech.is_(True))
        .group_by(ReviewCard.question_id)).all())
    stats = {}
    for question_id, n, facility, mean_right, mean_wrong, mean, mean_square in rows:
        variance = max(0.0, float(mean_square) - float(mean) ** 2)
        discrimination = None
        if variance > 0 and mean_right is not None and mean_wrong is not None:
            p = float(facility)
            discrimination = (float(mean_right) - float(mean_wrong)) / math.sqrt(variance) * math.sqrt(p * (1 - p))
        stats[question_id] = ItemStats(question_id, int(n), float(facility), discrimination,
                                       leeches=leeches.get(question_id, 0))
    for question_id, chosen, count in choices:
        if question_id in stats and chosen:
            stats[question_id].options[chosen.strip('[]"').replace('", "', "+")] = int(count)
    return list(stats.values())
