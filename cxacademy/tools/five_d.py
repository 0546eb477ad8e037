"""The 5D self-assessment's content: dimension names, statements, advice, and which lessons to link."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

DIMENSION_NAMES = {
    "product": _l("Right Product"),
    "customer": _l("Right Customer"),
    "time": _l("Right Time"),
    "price": _l("Right Price"),
    "approach": _l("Right Approach"),
}

DIMENSION_QUESTIONS = {
    "product": _l("Does what we offer do the job the customer needs, reliably?"),
    "customer": _l("Do we know whom we serve, and serve them as they need?"),
    "time": _l("Are we there when the customer needs us, and quick enough?"),
    "price": _l("Is what the customer gives up worth what they get?"),
    "approach": _l("Does the way we deal with customers make them want to come back?"),
}

# Three statements per dimension, rated from 1 (strongly disagree) to 5 (strongly agree).
STATEMENTS = {
    "product": (
        _l("Our product or service does what we say it does, every time."),
        _l("We can name the customer needs our offering meets, and the ones it does not."),
        _l("We change the offering based on what customers tell us and what we see them struggle with."),
    ),
    "customer": (
        _l("We can describe the customers our service is designed for."),
        _l("We recognise that groups of customers need different things and adapt how we serve each group."),
        _l("We attract and keep customers whose needs match what we do well."),
    ),
    "time": (
        _l("Customers can reach us when, and through the channels, they need."),
        _l("We respond and resolve within times customers find reasonable, and we measure those times."),
        _l("We contact customers at moments that are useful to them, not only convenient for us."),
    ),
    "price": (
        _l("Customers see our price as fair for the value they receive."),
        _l("Prices, fees and terms are clear to customers before they commit."),
        _l("We reduce what dealing with us costs customers in time and effort, not only in money."),
    ),
    "approach": (
        _l("Our people treat customers with courtesy and empathy, also when something has gone wrong."),
        _l("Customers get the same quality of service whichever person or channel they deal with."),
        _l("Our front-line staff may solve a customer's problem themselves instead of passing it on."),
    ),
}

ADVICE = {
    "product": _l("Start from the job the customer is trying to get done. Collect the top complaints and "
                  "returns of the last quarter, find the promises the product breaks most often, and fix "
                  "or stop making those promises before adding features."),
    "customer": _l("Write down who your service is for and who it is not for. Build two or three simple "
                   "segments from real data (needs, value, channel), and check that each has a journey "
                   "designed for it rather than one journey for everyone."),
    "time": _l("Map when customers actually try to reach you against when you are available. Set response "
               "and resolution targets from the customer's point of view, publish them internally and "
               "review the misses every week."),
    "price": _l("Ask customers what they think they pay, including fees, waiting and effort. Remove surprises "
                "from bills and terms, and make the value visible at the moments customers decide whether "
                "to stay."),
    "approach": _l("Agree on how customers should feel after each contact and coach to it. Give front-line "
                   "staff the authority and a small budget to put things right on the spot, and share stories "
                   "of recoveries that worked."),
}

RATING_LABELS = {
    1: _l("Strongly disagree"),
    2: _l("Disagree"),
    3: _l("Neither agree nor disagree"),
    4: _l("Agree"),
    5: _l("Strongly agree"),
}

# The lesson on each dimension. They may not exist yet, so a link is shown only when
# `lesson_exists` says so. This package cannot tell by itself: the catalog plugs in the real
# check with `use_lesson_lookup`; until it does, no link is shown (better than a link to a 404).
LESSON_FOR_DIMENSION = {
    "product": "5d-right-product-customer",
    "customer": "5d-right-product-customer",
    "time": "5d-right-time-price",
    "price": "5d-right-time-price",
    "approach": "5d-right-approach",
}
LESSON_ENDPOINT = "catalog.lesson"
_LESSON_LOOKUP = "cxacademy.tools.lesson_exists"


def use_lesson_lookup(app: Flask, lookup: Callable[[str], bool]) -> None:
    """Plug in how to tell whether a lesson id exists and may be opened (the catalog knows)."""
    app.extensions[_LESSON_LOOKUP] = lookup


def lesson_exists(lesson_id: str) -> bool:
    """False while no lesson page ('catalog.lesson') is registered or no lookup is plugged in;
    otherwise whatever the lookup answers."""
    if LESSON_ENDPOINT not in current_app.view_functions:
        return False
    lookup = current_app.extensions.get(_LESSON_LOOKUP)
    return lookup is not None and bool(lookup(lesson_id))
