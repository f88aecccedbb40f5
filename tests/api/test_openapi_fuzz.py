"""Schemathesis generates requests from /openapi.json for every operation, valid and
invalid (negative data), with an admin's token and without one, and checks each answer
against the document: no server error (5xx), only documented statuses, the documented
content type and body schema, and invalid requests refused.

Not checked: that every schema-valid request is accepted. A label must name a code the
store knows, a plan document must be a plan and an upload a statistics file; JSON Schema
cannot say so, and those answers are 4xx with their own codes (tested route by route).
Nor is a multipart file field checked for JSON types: an uploaded file is bytes, and the
text `null` in one is a file, not JSON null."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from servtrade.access import add_user
from servtrade.server import Settings, create_app
from servtrade.store import Store


def _takes_a_file(operation: Any) -> bool:
    body = operation.definition.raw.get("requestBody", {})
    return "multipart/form-data" in body.get("content", {})


def _conformance(
    operation: Any, mode: GenerationMode, headers: dict[str, str], excluded: list[Any]
) -> Any:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def conforms(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    return conforms


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("as_admin", [True, False])
def test_every_answer_is_the_documented_one(
    bundled: Store, mode: GenerationMode, as_admin: bool
) -> None:
    # As an admin, requests get past authentication to the code behind it.
    token = add_user(bundled, "root", "admin", [])
    headers = {"Authorization": f"Bearer {token}"} if as_admin else {}
    path = bundled.location
    bundled.close()
    app = create_app(Settings(db=path, write_rate="100000/minute", read_rate="100000/minute"))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 25
    tested = 0
    for operation in operations:
        excluded = [positive_data_acceptance]
        if _takes_a_file(operation):
            excluded.append(negative_data_rejection)
        conforms = _conformance(operation, mode, headers, excluded)
        try:
            conforms()
        except Unsatisfiable:
            # No request can be invalid (every parameter a free string, none required):
            # only in negative mode, and only for such operations.
            assert mode == GenerationMode.NEGATIVE
            continue
        tested += 1
    assert tested >= 15
    app.state.service.close()
