"""Exports read back: JSONL, CSV and Parquet carry every documented column, on every store."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq

import newsdesk
from newsdesk.article import Article
from newsdesk.exports import COLUMNS, write_csv, write_jsonl, write_parquet
from newsdesk.pipeline import Ingester
from newsdesk.store import SearchRequest, Store

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def filled(store: Store) -> Store:
    Ingester(store).run([str(EXAMPLES)])
    return store


def test_jsonl_lines_are_article_json_with_the_store_fields(store: Store) -> None:
    out = io.StringIO()
    assert write_jsonl(filled(store).iter_articles(SearchRequest()), out) == 4
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    bridge = next(r for r in records if r["title"] == "Harbour bridge reopens after two-year repair")
    assert bridge["authors"] == ["Aisha Morgan", "Tom Lindqvist"]
    assert bridge["image"]["caption"].startswith("The first buses cross")
    assert {"id", "version", "stored_at", "updated_at", "body", "related"} <= set(bridge)


def test_csv_has_the_documented_columns_and_lists_as_json(store: Store) -> None:
    out = io.StringIO()
    write_csv(filled(store).iter_articles(SearchRequest(query="bridge")), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == 2
    assert all(json.loads(row["authors"]) == ["Aisha Morgan", "Tom Lindqvist"] or
               json.loads(row["authors"]) == ["Aisha Morgan"] for row in rows)


def test_parquet_reads_back_with_its_schema(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "articles.parquet"
    assert write_parquet(filled(store).iter_articles(SearchRequest()), str(path)) == 4
    table = pq.read_table(path)
    assert table.column_names == list(COLUMNS)
    assert table.num_rows == 4
    related = [link for links in table.column("related").to_pylist() for link in links or []]
    assert {"title": "Harbour bridge to close for two years",
            "url": "https://ledger.example/news/2022/09/bridge-closes"} in related


def test_export_command_writes_a_file(tmp_path: Path, run_newsdesk) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'desk.db'}"
    assert run_newsdesk("ingest", str(EXAMPLES), "--db", db).returncode == 0
    out = tmp_path / "rutte.jsonl"
    result = run_newsdesk("export", "rutte", "--format", "jsonl", "--out", str(out), "--db", db)
    assert result.returncode == 0 and b"1 articles exported" in result.stderr
    [line] = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["authors"] == ["Kyle Anzalone"]


def test_url_falls_back_to_the_canonical_url_in_every_export() -> None:
    """A page read from a file knows its address only from <link rel=canonical>: exports join on url."""
    from newsdesk.exports import flat_record, record
    from newsdesk.store.base import StoredArticle

    article = Article(canonical_url="https://ledger.example/news/1", title="Bridge", body="Text.")
    stored = StoredArticle(id=1, version=1, stored_at="2024-10-01T00:00:00+00:00",
                           updated_at="2024-10-01T00:00:00+00:00", article=article)
    assert record(stored)["url"] == "https://ledger.example/news/1"
    assert flat_record(stored)["url"] == "https://ledger.example/news/1"
    assert record(stored)["canonical_url"] == "https://ledger.example/news/1"


def test_a_site_name_written_as_a_host_loses_its_slash() -> None:
    page = ('<html><head><meta property="og:site_name" content="tdg.ch/"><title>Bridge</title></head>'
            "<body><article><h1>Bridge</h1><p>" + "The bridge reopened on Monday. " * 10
            + "</p></article></body></html>")
    assert newsdesk.extract(page.encode()).site_name == "tdg.ch"
