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


def test_exports_carry_story_duplicate_group_snippet_and_score(store: Store) -> None:
    from newsdesk.exports import joined, searched

    filled(store)  # ingest places every article in its duplicate group and story
    rows = [flat for flat in map(_flat, joined(store, store.iter_articles(SearchRequest())))]
    assert all(row["story_id"] and row["story_id"].startswith("S") for row in rows)
    assert all(isinstance(row["duplicate_group"], int) for row in rows)
    assert all(row["snippet"] is None and row["score"] is None for row in rows)  # no search ran
    hits = list(searched(store, SearchRequest(query="bridge"), page_size=1))  # paged: 2 hits, 2 pages
    assert len(hits) == 2
    found = [_flat(item) for item in hits]
    assert found[0]["score"] >= found[1]["score"] and all("[" in row["snippet"] for row in found)
    out = io.StringIO()
    write_csv(hits, out)
    back = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [row["story_id"] for row in back] == [row["story_id"] for row in found]
    assert [float(row["score"]) for row in back] == [row["score"] for row in found]
    copies = [row["duplicate_group"] for row in rows]
    assert set(copies) <= {row["id"] for row in rows}  # a group is named by its earliest copy's id


def _flat(item: object) -> dict[str, object]:
    from newsdesk.exports import flat_record

    return flat_record(item)  # type: ignore[arg-type]


def test_search_counts_pages_and_offsets(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'pages.db'}"
    from newsdesk.store import open_store

    with open_store(db) as store:
        store.put_many([Article(source="t", url=f"https://pages.example/{n}", title=f"Tide {n:02d}",
                                body=f"The tide table number {n}.", published=f"2024-01-{n + 1:02d}",
                                site_name="Pages") for n in range(25)])
    assert cli("search", "tide", "--count", "--db", db).stdout.strip() == "25"
    first = cli("search", "tide", "--sort", "date", "--limit", "10", "--db", db)
    assert "25 matching articles; showing 1-10" in first.stderr
    cursor = first.stderr.split("next page: --cursor ")[1].split()[0]
    second = cli("search", "tide", "--sort", "date", "--limit", "10", "--cursor", cursor, "--format", "jsonl",
                 "--db", db)
    offset = cli("search", "tide", "--sort", "date", "--limit", "10", "--offset", "10", "--format", "jsonl",
                 "--db", db)
    titles = [json.loads(line)["title"] for line in second.stdout.splitlines()]
    assert titles == [json.loads(line)["title"] for line in offset.stdout.splitlines()]
    assert titles == [f"Tide {n:02d}" for n in range(14, 4, -1)]
    last = cli("search", "tide", "--sort", "date", "--offset", "20", "--db", db)
    assert "showing 21-25" in last.stderr and "next page" not in last.stderr
    beyond = cli("search", "tide", "--offset", "100", "--db", db)
    assert beyond.exit_code == 0 and "showing none" in beyond.stderr


def test_show_writes_markdown_with_quotations_and_entities(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    from newsdesk.article import Entity, Quote
    from newsdesk.store import open_store

    body = "Mayor Helen Ortiz opened the bridge. “It is a *great* day,” said Helen Ortiz on Monday."
    at = body.index("“") + 1
    db = f"sqlite:///{tmp_path / 'show.db'}"
    with open_store(db) as store:
        stored = store.put(Article(
            source="t", url="https://show.example/bridge", title="Bridge [opens]", body=body,
            published="2024-10-01", site_name="Show Post",
            entities=[Entity("e1", "Helen Ortiz", "person",
                             [(6, 17), (body.index("said") + 5, len(body) - 11)])],
            quotes=[Quote("It is a *great* day", "direct", (at, body.index(",”")), speaker="e1",
                          speaker_name="Helen Ortiz")])).id
    text = cli("show", str(stored), "--format", "markdown", "--db", db).stdout
    assert text.startswith("# Bridge \\[opens\\]\n")
    assert "**URL:** [https://show.example/bridge](https://show.example/bridge)" in text
    assert "## Quotations\n\n- “It is a \\*great\\* day” — Helen Ortiz" in text
    assert "## Named\n\n- Helen Ortiz (person, 2 mentions)" in text
