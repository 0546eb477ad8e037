"""Spaced review of questions with FSRS: every graded answer updates the learner's card."""
from __future__ import annotations

from datetime import datetime
from functools import cache

from fsrs import Card, Rating, Scheduler
from sqlalchemy import bindparam, func, select

from ..extensions import db
from .models import ReviewCard

DEFAULT_RETENTION = 0.90
# A question missed this many times after first seeing it is a "leech": shown to trainers.
LEECH_LAPSES = 4


def scheduler(retention: float) -> Scheduler:
    # No fuzzing: the same answers give the same schedule, so behaviour is testable and explainable.
    # No minute-long learning steps either: a question comes back after days, not in ten minutes.
    return Scheduler(desired_retention=retention, learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def record_answer(user_id: int, question_id: str, correct: bool, *, now: datetime,
                  retention: float = DEFAULT_RETENTION) -> ReviewCard:
    card_row = db.session.scalar(select(ReviewCard).where(ReviewCard.user_id == user_id,
                                                          ReviewCard.question_id == question_id))
    if card_row is None:
        card = Card()
        card_row = ReviewCard(user_id=user_id, question_id=question_id, reviews=0, lapses=0, is_leech=False)
        db.session.add(card_row)
    else:
        card = Card.from_dict(card_row.fsrs_card)
    card, _log = scheduler(retention).review_card(card, Rating.Good if correct else Rating.Again, review_datetime=now)
    card_row.fsrs_card = card.to_dict()
    card_row.due_at = card.due
    card_row.reviews += 1
    if not correct:
        card_row.lapses += 1
        card_row.is_leech = card_row.lapses >= LEECH_LAPSES
    card_row.last_reviewed_at = now
    db.session.flush()
    return card_row


@cache
def _due_count_statement():
    # Built once (it is on the dashboard), on the table: plain SQL, no ORM bookkeeping.
    cards = ReviewCard.__table__
    return select(func.count()).where(cards.c.user_id == bindparam("user_id"), cards.c.due_at <= bindparam("now"))


def due_count(user_id: int, *, now: datetime) -> int:
    return db.session.scalar(_due_count_statement(), {"user_id": user_id, "now": now})


def due_question_ids(user_id: int, *, now: datetime, limit: int) -> list[str]:
    return list(db.session.scalars(select(ReviewCard.question_id)
                                   .where(ReviewCard.user_id == user_id, ReviewCard.due_at <= now)
                                   .order_by(ReviewCard.due_at).limit(limit)))
