"""One name per idea: the outlet is the site (`--site`), where a page came from is its input. The old
names are accepted for one release, with a deprecation warning."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from newsdesk import Article, open_store

Cli = Callable[..., Result]
BODY = "The harbour bridge carried its first traffic in two years on Monday morning. " * 5


def _two_sites(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'names.db'}"
    with open_store(url) as store:
        store.put_many([
            Article(url="https://ledger.example/bridge", title="Bridge reopens", body=BODY,
                    site_name="The Coastal Ledger", source="pages/ledger.html"),
            Article(url="https://herald.example/bridge", title="Bridge open again", body=BODY,
                    site_name="Harbour Herald", source="pages/herald.html"),
        ])
    return url


def test_site_filters_by_outlet_and_source_is_its_deprecated_name(cli: Cli, tmp_path: Path) -> None:
    db = _two_sites(tmp_path)
    new = cli("search", "bridge", "--db", db, "--site", "herald.example")
    assert new.exit_code == 0 and "deprecated" not in new.stderr
    assert "Bridge open again" in new.stdout and "Bridge reopens" not in new.stdout
    old = cli("search", "bridge", "--db", db, "--source", "herald.example")
    assert old.exit_code == 0 and old.stdout == new.stdout
    assert "--source is deprecated, use --site" in old.stderr
    export = cli("export", "--format", "jsonl", "--db", db, "--source", "the coastal ledger")
    assert export.exit_code == 0 and export.stdout.count("\n") == 1 and "ledger.example" in export.stdout


def test_the_site_given_under_both_names_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    db = _two_sites(tmp_path)
    for args in (["--site", "herald.example", "--source", "ledger.example"],
                 ["--source", "ledger.example", "--site", "herald.example"]):
        both = cli("search", "bridge", "--db", db, *args)
        assert both.exit_code == 2 and "give --site once (--source is its old name)" in both.stderr


def test_help_names_the_site_and_not_the_old_option(cli: Cli) -> None:
    for command in ("search", "export", "stories", "enrich"):
        shown = cli(command, "--help").stdout
        assert "--site" in shown and "--source TEXT" not in shown, command


def test_where_a_page_came_from_is_its_input_in_every_output(cli: Cli, tmp_path: Path) -> None:
    page = tmp_path / "bridge.html"
    page.write_text(f"<html><body><article><h1>Bridge reopens</h1><p>{BODY}</p></article></body></html>",
                    encoding="utf-8")
    extracted = json.loads(cli("extract", str(page)).stdout)
    assert extracted["input"] == extracted["source"] == str(page)  # `source`: the old name, one release
    db = _two_sites(tmp_path)
    lines = [json.loads(line) for line in cli("export", "--format", "jsonl", "--db", db).stdout.splitlines()]
    assert sorted(line["input"] for line in lines) == ["pages/herald.html", "pages/ledger.html"]
    assert all(line["source"] == line["input"] for line in lines)
    with open_store(db) as store:
        store.record_error("pages/broken.html", "extract", "no text")
    listed = cli("errors", "--format", "jsonl", "--db", db).stdout
    [error] = [json.loads(line) for line in listed.splitlines()]
    assert error["input"] == error["source"] == "pages/broken.html"
    table = list(csv.DictReader(io.StringIO(cli("export", "--format", "csv", "--db", db).stdout)))
    columns = list(table[0])
    assert columns[columns.index("page_type_probability") + 1] == "input"  # added after the page types
    assert sorted(row["input"] for row in table) == [
        "pages/herald.html", "pages/ledger.html"]
