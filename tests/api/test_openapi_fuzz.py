"""Schemathesis generates requests from /openapi.json for every operation, valid and
invalid (negative data), with an admin's token and without one: none may make the server
fail (5xx), whatever the parameters."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from servtrade.access import add_user
from servtrade.api import Settings, create_app
from servtrade.store import Store


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("as_admin", [True, False])
def test_no_request_makes_the_server_fail(
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
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=8,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        no_server_error()
    app.state.service.close()
