"""Schemathesis generates requests from /openapi.json for every operation: none may make
the server fail (5xx), whatever the parameters."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from servtrade.access import add_user
from servtrade.api import Settings, create_app
from servtrade.store import Store


def test_no_request_makes_the_server_fail(bundled: Store) -> None:
    # As an admin, so that requests get past authentication to the code behind it.
    headers = {"Authorization": f"Bearer {add_user(bundled, 'root', 'admin', [])}"}
    path = bundled.path
    bundled.close()
    app = create_app(Settings(db=path, write_rate="100000/minute", read_rate="100000/minute"))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
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
