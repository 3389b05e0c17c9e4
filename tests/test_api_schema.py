"""schemathesis against the app's own OpenAPI schema, in process: no generated request gets a 5xx.

Valid and invalid requests are generated per operation from `app.openapi()` and sent through the ASGI
app (its lifespan run by schemathesis). `schema.parametrize()` with a lazy fixture does not work with
pytest 9 (schemathesis 4.32 reads `node._nodeid`), so the operations are looped over here instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from api_support import make_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from api import create_app

EXAMPLES_PER_OPERATION = 25  # about 15 operations: well under a minute in all


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    app = create_app(make_settings(tmp_path_factory.mktemp("schema")))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def server_errors(operation: Any) -> list[str]:
    """What went 5xx (or broke the error envelope) among generated valid and invalid requests."""
    seen: list[str] = []
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def send(case: Any) -> None:
        response = case.call()
        if response.status_code >= 500:
            seen.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}")
        elif response.status_code >= 400 and not response.json().get("error", {}).get("code"):
            seen.append(f"{case.method} {case.formatted_path}: {response.status_code} without the envelope")

    send()
    return seen


def test_no_generated_request_gets_a_server_error(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12
    failures = [failure for operation in operations for failure in server_errors(operation)]
    assert failures == []


def test_the_schema_documents_the_error_envelope(tmp_path: Path) -> None:
    openapi = create_app(make_settings(tmp_path, built=False)).openapi()
    chat = openapi["paths"]["/chat"]["post"]["responses"]
    assert "4XX" in chat and "422" not in chat
    assert "ErrorOut" in openapi["components"]["schemas"]
