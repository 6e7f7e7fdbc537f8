"""/docs (Swagger UI from the package's own files, never a CDN), examples in the OpenAPI document, and
404s: the desk's HTML page for pages, JSON for /api/."""

from __future__ import annotations

import re

from desk_fixtures import DeskServer


def test_docs_page_is_served_from_the_desk(desk_server: DeskServer) -> None:
    with desk_server.client() as client:
        page = client.get("/docs")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]  # a JSON 404 before
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert "/static/vendor/swagger-ui-bundle.js" in sources and "/static/vendor/swagger-ui.css" in sources
        assert all(source.startswith("/") or source.startswith("#") for source in sources), sources
        for source in sources:
            if source.startswith("/static/"):
                assert client.get(source).status_code == 200, source
        assert client.get("/static/vendor/swagger-ui.LICENSE").status_code == 200


def test_openapi_has_examples(desk_server: DeskServer) -> None:
    with desk_server.client() as client:
        spec = client.get("/api/openapi.json").json()
    search = {p["name"]: p for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert search["q"]["examples"]["phrase"]["value"].startswith('"secretary general"')
    assert search["since"]["schema"]["examples"] == ["2024-10-01"]
    coverage = {p["name"]: p for p in spec["paths"]["/api/coverage"]["get"]["parameters"]}
    assert coverage["series"]["examples"]["two"]["value"] == ["q=nato&label=NATO", "q=ukraine&label=Ukraine"]
    ingest = spec["components"]["schemas"]["IngestRequest"]
    assert ingest["examples"][0]["sources"]


def test_unknown_pages_get_the_desks_404_page_and_the_api_json(desk_server: DeskServer) -> None:
    with desk_server.client() as client:
        page = client.get("/no/such/page")
        assert page.status_code == 404 and "text/html" in page.headers["content-type"]  # JSON before
        assert "<title>Not found · newsdesk</title>" in page.text
        api = client.get("/api/no/such/thing")
        assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
        wrong_method = client.delete("/sources")
        assert wrong_method.status_code == 405 and "text/html" in wrong_method.headers["content-type"]
