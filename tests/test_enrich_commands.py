"""The enrichment commands over a real store of the bundled examples: `enrich`, `entities`, `quotes`,
the --entity/--speaker filters of `search` and `export`, and `annotate` on text files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import Result

from newsdesk.enrich.entities import entity_id

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
RUTTE = entity_id("person", "Mark Rutte")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The examples ingested without enrichment, then enriched by `newsdesk enrich`."""
    from click.testing import CliRunner

    from newsdesk.cli import main

    db = f"sqlite:///{tmp_path_factory.mktemp('desk') / 'desk.db'}"
    runner = CliRunner()
    ingested = runner.invoke(main, ["ingest", str(EXAMPLES), "--db", db, "--no-enrich"],
                             catch_exceptions=False)
    assert ingested.exit_code == 0 and "0 enriched" in ingested.stderr
    nothing = runner.invoke(main, ["entities", "--db", db], catch_exceptions=False)
    assert "no entities" in nothing.stderr
    enriched = runner.invoke(main, ["enrich", "--db", db], catch_exceptions=False)
    assert enriched.exit_code == 0 and "4 articles enriched" in enriched.stderr
    again = runner.invoke(main, ["enrich", "--db", db], catch_exceptions=False)
    assert "0 articles enriched" in again.stderr  # done once per enrichment version
    return db


def test_entities_lists_the_most_covered(desk: str, cli: Callable[..., Result]) -> None:
    people = cli("entities", "--type", "person", "--format", "jsonl", "--db", desk).stdout.splitlines()
    names = [json.loads(line)["name"] for line in people]
    assert "Mark Rutte" in names and "Jens Stoltenberg" in names
    assert all(json.loads(line)["type"] == "person" for line in people)
    top = cli("entities", "--top", "3", "--db", desk).stdout
    assert len(top.splitlines()) == 4 and "articles" in top.splitlines()[0]


def test_quotes_by_speaker(desk: str, cli: Callable[..., Result]) -> None:
    found = [json.loads(line) for line in
             cli("quotes", "--speaker", "Rutte", "--format", "jsonl", "--db", desk).stdout.splitlines()]
    direct = [q for q in found if q["type"] == "direct"]
    assert len(direct) == 2 and all(q["speaker"] == RUTTE for q in found)
    assert direct[0]["title"].startswith("Incoming NATO Chief")
    table = cli("quotes", "--speaker", RUTTE, "--type", "direct", "--db", desk).stdout
    assert table.count("Mark Rutte said") == 2
    assert "no quotations match" in cli("quotes", "--speaker", "Nobody Here", "--db", desk).stderr


def test_search_and_export_filters(desk: str, cli: Callable[..., Result], tmp_path: Path) -> None:
    by_speaker = cli("search", "--speaker", "Mark Rutte", "--format", "jsonl", "--db", desk).stdout
    assert [json.loads(line)["title"][:19] for line in by_speaker.splitlines()] == ["Incoming NATO Chief"]
    assert "Incoming NATO Chief" in cli("search", "ukraine", "--entity", "Kiev", "--db", desk).stdout
    assert "no articles match" in cli("search", "--entity", "Atlantis", "--db", desk).stderr
    out = tmp_path / "rutte.parquet"
    cli("export", "--entity", "Rutte", "--format", "parquet", "--out", str(out), "--db", desk)
    table = pq.read_table(out).to_pylist()
    assert len(table) == 1
    entities = {entity["name"]: entity for entity in table[0]["entities"]}
    assert entities["Mark Rutte"]["id"] == RUTTE and entities["Brussels"]["caption_mentions"]
    assert any(q["speaker"] == RUTTE for q in table[0]["quotes"])
    assert dict(table[0]["enrichment"])["version"]


def test_annotate_prints_offsets_into_the_text_as_given(cli: Callable[..., Result], tmp_path: Path) -> None:
    text = "\ufeffHeadline\r\n\r\n“We will rebuild the bridge,” Mayor Anna Smith said on Monday.\r\n"
    path = tmp_path / "story.txt"
    path.write_bytes(text.encode("utf-8"))
    (record,) = [json.loads(line) for line in cli("annotate", str(path)).stdout.splitlines()]
    body = path.read_bytes().decode("utf-8")
    assert record["length"] == len(body)
    (quote,) = record["quotes"]
    assert body[slice(*quote["span"])] == quote["text"] == "We will rebuild the bridge,"
    assert quote["speaker_name"] == "Anna Smith" and body[slice(*quote["speaker_span"])].endswith("Smith")
    smith = next(e for e in record["entities"] if e["name"] == "Anna Smith")
    assert quote["speaker"] == smith["id"]
    assert all(body[s:e] in ("Anna Smith", "Smith") for s, e in smith["mentions"])
