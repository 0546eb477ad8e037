"""The question-type registry: each type knows its input, how to validate an answer and how to score it.
Adding a type means adding one class here and listing it in QUESTION_TYPES."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


class AnswerInvalid(ValueError):
    """The submitted answer does not fit the question (unknown option, wrong number of choices)."""


@dataclass(frozen=True)
class QuestionType:
    code: str
    input_type: str  # "radio" or "checkbox"
    label: object
    instructions: object

    def check_key(self, option_ids: list[str], correct: set[str]) -> str | None:
        """A problem with the answer key as written in the content files, or None."""
        if len(correct) != 1:
            return f"a {self.code} question needs exactly one correct option, found {len(correct)}"
        return None

    def validate(self, chosen: list[str], option_ids: list[str]) -> list[str]:
        unknown = [c for c in chosen if c not in option_ids]
        if unknown:
            raise AnswerInvalid(f"unknown option {unknown[0]!r}")
        if len(set(chosen)) != 1:
            raise AnswerInvalid("choose exactly one option")
        return sorted(set(chosen))

    def score(self, chosen: list[str], correct: set[str]) -> bool:
        return set(chosen) == correct


class MultipleChoice(QuestionType):
    def check_key(self, option_ids, correct):
        if len(correct) < 2 or len(correct) == len(option_ids):
            return "a multiple question needs at least two correct options and at least one wrong one"
        return None

    def validate(self, chosen, option_ids):
        unknown = [c for c in chosen if c not in option_ids]
        if unknown:
            raise AnswerInvalid(f"unknown option {unknown[0]!r}")
        if not chosen:
            raise AnswerInvalid("choose at least one option")
        return sorted(set(chosen))

    def score(self, chosen, correct):
        # All or nothing: every correct option and no wrong one (the interface says so).
        return set(chosen) == correct


class TrueFalse(QuestionType):
    def check_key(self, option_ids, correct):
        if sorted(option_ids) != ["false", "true"]:
            return "a true_false question has exactly the options 'true' and 'false'"
        return super().check_key(option_ids, correct)


QUESTION_TYPES: dict[str, QuestionType] = {
    t.code: t for t in (
        QuestionType("single", "radio", _l("Single answer"), _l("Choose one answer.")),
        MultipleChoice("multiple", "checkbox", _l("Multiple answers"),
                       _l("Choose every correct answer. Scored all or nothing: you get the point only when you "
                          "choose all the correct options and none of the wrong ones.")),
        TrueFalse("true_false", "radio", _l("True or false"), _l("Choose true or false.")),
    )
}
