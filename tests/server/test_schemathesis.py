"""schemathesis against the JSON API's OpenAPI schema, on the real uvicorn server.

Every operation gets a bounded number of generated requests; none may get a 5xx answer or one
that does not match the schema (status, content type, body).
"""

from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

# derandomize: the same cases every run, so a red suite is a regression, not luck. The real
# server rather than schemathesis' ASGI transport, which would start the app for every call.
EXAMPLES_PER_OPERATION = 25


def test_every_operation_answers_within_its_schema(live_server: str) -> None:
    schema = schemathesis.openapi.from_url(live_server + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = httpx.get(live_server + "/openapi.json", timeout=10).json()["paths"]
    assert len(operations) == sum(len(methods) for methods in paths.values()) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        check()
