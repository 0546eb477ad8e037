"""Saved results of the 5D self-assessment (the metrics lab keeps nothing)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now_utc
from ..dbtypes import UTCDateTime
from ..extensions import db

# The 5D model of service excellence: the right product, customer, time, price and approach.
DIMENSIONS = ("product", "customer", "time", "price", "approach")
STATEMENTS_PER_DIMENSION = 3
RATING_MIN, RATING_MAX = 1, 5
TOTAL_MIN, TOTAL_MAX = STATEMENTS_PER_DIMENSION * RATING_MIN, STATEMENTS_PER_DIMENSION * RATING_MAX


def _total_in_range(code: str) -> CheckConstraint:
    return CheckConstraint(f"{code}_total BETWEEN {TOTAL_MIN} AND {TOTAL_MAX}", name=f"{code}_total_range")


class FiveDAssessment(db.Model):
    """One team self-assessment. Per dimension we store the *sum* of its three 1-5 ratings
    (3-15) as an integer: exact (a mean like 3.67 is not), checkable in the database, and
    averageable in SQL across learners; the mean is total / 3, derived in one place (`means`)."""

    __tablename__ = "five_d_assessments"
    __table_args__ = (
        *(_total_in_range(code) for code in DIMENSIONS),
        Index("ix_five_d_assessments_user_id_taken_at", "user_id", "taken_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    product_total: Mapped[int]
    customer_total: Mapped[int]
    time_total: Mapped[int]
    price_total: Mapped[int]
    approach_total: Mapped[int]

    @property
    def means(self) -> dict[str, float]:
        """Mean rating (1-5) per dimension, in the model's order."""
        return {code: getattr(self, f"{code}_total") / STATEMENTS_PER_DIMENSION for code in DIMENSIONS}

    def __repr__(self) -> str:
        return f"<FiveDAssessment {self.id} user {self.user_id} {self.taken_at:%Y-%m-%d}>"
