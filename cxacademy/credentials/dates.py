"""Calendar arithmetic for validity periods: months are added with the day clamped to the month's end."""
from __future__ import annotations

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """start + months; 29 Feb + 12 months is 28 Feb, 31 Jan + 1 month is 28/29 Feb."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
