"""Refusals that read in the reader's language: a fault raised by the core (a period that
does not parse, a plan that does not hold together) and the reasons pydantic gives for a
document or a request that does not fit its schema.

A fault keeps its catalog template and values, so that the same refusal reads in Chinese
for one reader and in English for another (`str(fault)` translates each time)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from servtrade.i18n import N_, Listing, Message

# Pydantic's error types (https://docs.pydantic.dev/latest/errors/validation_errors/) in
# the catalog's words; `ctx` values fill them. A type not named here keeps pydantic's own
# English message, which a test of every schema's faults would show.
SCHEMA_REASONS = {
    "missing": N_("a required field is missing"),
    "extra_forbidden": N_("this field is not part of the document"),
    "string_type": N_("give text"),
    "string_too_short": N_("give at least {min_length} characters"),
    "string_too_long": N_("give at most {max_length} characters"),
    "string_pattern_mismatch": N_("give letters, digits and dashes (pattern {pattern})"),
    "int_type": N_("give a whole number"),
    "int_parsing": N_("give a whole number"),
    "int_from_float": N_("give a whole number"),
    "float_type": N_("give a number"),
    "float_parsing": N_("give a number"),
    "bool_type": N_("give true or false"),
    "bool_parsing": N_("give true or false"),
    "date_type": N_("give a date as YYYY-MM-DD"),
    "date_parsing": N_("give a date as YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("give a date as YYYY-MM-DD"),
    "list_type": N_("give a list"),
    "dict_type": N_("give a mapping of names to values"),
    "model_type": N_("give a mapping of names to values"),
    "model_attributes_type": N_("give a mapping of names to values"),
    "literal_error": N_("give one of {expected}"),
    "enum": N_("give one of {expected}"),
    "greater_than": N_("give a number above {gt}"),
    "greater_than_equal": N_("give {ge} or more"),
    "less_than": N_("give a number below {lt}"),
    "less_than_equal": N_("give {le} or less"),
    "too_short": N_("give at least {min_length} item(s)"),
    "too_long": N_("give at most {max_length} item(s)"),
    "json_invalid": N_("the body is not valid JSON: {error}"),
}
_QUOTED = re.compile(r"'([^']*)'")


class LocalisedError(ValueError):
    """A refusal with a reason from the message catalog, read in the reader's language."""

    def __init__(self, template: str, /, **params: object) -> None:
        self.message = Message.of(template, **params)
        super().__init__(template)

    def __str__(self) -> str:
        return str(self.message)


def schema_reason(problem: Mapping[str, Any]) -> Message:
    """The reason of one entry of a pydantic `ValidationError.errors()`, to be read in the
    reader's language: a `LocalisedError` a validator raised keeps its own message."""
    context = dict(problem.get("ctx") or {})
    raised = context.get("error")
    if isinstance(raised, LocalisedError):
        return raised.message
    template = SCHEMA_REASONS.get(str(problem.get("type")))
    if template is None:
        return Message.of("{text}", text=str(problem.get("msg", "")))
    expected = _QUOTED.findall(str(context.get("expected", "")))
    if expected:  # pydantic writes "'a', 'b' or 'c'": listed in the reader's words
        context["expected"] = Listing(tuple(expected), style="or")
    return Message.of(template, **context)
