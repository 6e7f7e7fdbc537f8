"""Property-based tests of every API endpoint against the OpenAPI document (schemathesis): no server
error, and every response has a documented status code, content type and a body matching its schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from desk_fixtures import DeskServer

pytestmark = pytest.mark.timeout(600)
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]


@pytest.fixture(scope="module")
def api_schema(desk_server: DeskServer) -> Any:
    with desk_server.client(token=True) as client:  # something to find: two articles
        texts = [f"Schema story {n}\n\nWords about the harbour and the council, story {n}, long enough to "
                 "be an article body of its own." for n in range(2)]
        files = [("files", (f"s{n}.txt", text.encode(), "text/plain")) for n, text in enumerate(texts)]
        job = client.post("/api/ingest/files", files=files).json()
    desk_server.wait_for_job(job["id"])
    return schemathesis.openapi.from_url(f"{desk_server.url}/api/openapi.json")


def test_api_conforms_to_its_openapi_document(api_schema: Any) -> None:
    """Every operation, with generated parameters and bodies (schemathesis' own pytest plugin does not
    load under pytest 9, so the operations are walked here, each with its hypothesis strategy)."""
    tested = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)

        check()
        tested.append(operation.label)
    assert len(tested) >= 20, tested
    assert {"GET /api/stories", "GET /api/stories/{story_id}", "GET /api/articles/{article_id}/duplicates",
            "GET /api/articles/{article_id}/story", "GET /api/roundups/{day}/export"} <= set(tested), tested
