"""`newsdesk extract`: results on stdout, failures as `path: reason` on stderr, meaningful exit codes."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import PARAGRAPHS, PROJECT, article_html

Cli = Callable[..., Result]


@pytest.fixture
def story(tmp_path: Path) -> Path:
    path = tmp_path / "story.html"
    path.write_text(article_html(), encoding="utf-8")
    return path


def jsonl(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines()]


def test_one_file_gives_one_indented_json_article(cli: Cli, story: Path) -> None:
    result = cli("extract", str(story))
    assert result.exit_code == 0
    article = json.loads(result.stdout)
    assert article["source"] == str(story)
    assert PARAGRAPHS[0] in str(article["body"])
    assert result.stdout.startswith("{\n  ")
    assert result.stderr == ""


def test_files_and_folders_give_one_json_line_per_page(cli: Cli, story: Path, pages_dir: Path) -> None:
    result = cli("extract", str(story), str(pages_dir))
    assert result.exit_code == 0
    sources = [line["source"] for line in jsonl(result.stdout)]
    assert sources == [str(story), str(pages_dir / "a.html"), str(pages_dir / "b" / "c.htm"),
                       str(pages_dir / "b" / "deeper" / "d.txt")]
    assert result.stderr == "4 extracted, 0 failed\n"


def test_a_single_folder_counts_as_many_pages(cli: Cli, pages_dir: Path) -> None:
    result = cli("extract", str(pages_dir))
    assert len(jsonl(result.stdout)) == 3


def test_json_format_for_many_pages_is_one_array(cli: Cli, pages_dir: Path) -> None:
    result = cli("extract", str(pages_dir), "--format", "json")
    articles = json.loads(result.stdout)
    names = ["a.html", "b/c.htm", "b/deeper/d.txt"]
    assert [a["source"] for a in articles] == [str(pages_dir / name) for name in names]


def test_jsonl_format_for_one_page_is_one_line(cli: Cli, story: Path) -> None:
    [article] = jsonl(cli("extract", str(story), "--format", "jsonl").stdout)
    assert article["source"] == str(story)


def test_markdown_format_has_a_heading_and_the_body(cli: Cli, story: Path) -> None:
    output = cli("extract", str(story), "--format", "markdown").stdout
    assert output.startswith("# ")
    assert PARAGRAPHS[1] in output
    assert "{" not in output


def test_markdown_pages_are_separated_by_a_rule(cli: Cli, pages_dir: Path) -> None:
    output = cli("extract", str(pages_dir), "--format", "markdown").stdout
    assert output.count("\n---\n") == 2


def test_text_format_is_the_plain_body(cli: Cli, story: Path) -> None:
    output = cli("extract", str(story), "--format", "text").stdout
    assert PARAGRAPHS[2] in output
    assert '"body"' not in output


def test_stdin_with_a_url(cli: Cli) -> None:
    result = cli("extract", "-", "--url", "https://example.com/news/budget", input=article_html().encode())
    assert result.exit_code == 0
    article = json.loads(result.stdout)
    assert article["source"] == "-"
    assert article["url"] == "https://example.com/news/budget"
    assert PARAGRAPHS[0] in str(article["body"])


def test_flattened_text_on_stdin_is_read_as_text(cli: Cli) -> None:
    text = "Council approves budget\n\n" + "\n\n".join(PARAGRAPHS) + "\n"
    article = json.loads(cli("extract", "-", input=text).stdout)
    assert PARAGRAPHS[1] in str(article["body"])
    extraction = article["extraction"]
    assert isinstance(extraction, dict)
    assert extraction["body"].startswith("text")


def test_a_failure_is_reported_as_path_and_reason_and_the_run_goes_on(cli: Cli, story: Path,
                                                                       tmp_path: Path) -> None:
    missing = tmp_path / "missing.html"
    result = cli("extract", str(missing), str(story))
    assert result.exit_code == 0
    assert [a["source"] for a in jsonl(result.stdout)] == [str(story)]
    assert result.stderr.splitlines() == [f"{missing}: no such file", "1 extracted, 1 failed"]


def test_exit_status_is_non_zero_only_when_nothing_was_extracted(cli: Cli, tmp_path: Path) -> None:
    result = cli("extract", str(tmp_path / "a.html"), str(tmp_path / "b.html"))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == "0 extracted, 2 failed"


def test_one_missing_file_exits_non_zero(cli: Cli, tmp_path: Path) -> None:
    result = cli("extract", str(tmp_path / "gone.html"))
    assert result.exit_code == 1
    assert result.stderr == f"{tmp_path / 'gone.html'}: no such file\n"


def test_the_size_limit_comes_from_the_environment(cli: Cli, story: Path) -> None:
    result = cli("extract", str(story), env={"NEWSDESK_MAX_INPUT_BYTES": "100"})
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{story}: is larger than the 100-byte input limit")


def test_a_bad_setting_is_a_usage_error_naming_the_variable(cli: Cli, story: Path) -> None:
    result = cli("extract", str(story), env={"NEWSDESK_MAX_INPUT_BYTES": "lots"})
    assert result.exit_code == 2
    assert "NEWSDESK_MAX_INPUT_BYTES: expected int, got 'lots'" in result.stderr


def test_paths_are_required(cli: Cli) -> None:
    result = cli("extract")
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_no_progress_bar_when_stderr_is_not_a_terminal(cli: Cli, pages_dir: Path) -> None:
    assert cli("extract", str(pages_dir)).stderr == "3 extracted, 0 failed\n"


@pytest.mark.timeout(60)
def test_progress_bar_on_a_terminal_goes_to_stderr_only(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"page{i:02}.html").write_text(article_html(f"Story {i}"))
    leader, follower = pty.openpty()
    chunks: list[bytes] = []

    def read_terminal() -> None:  # drain it as the child writes, so the child never blocks on it
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closes when the child is gone
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    with subprocess.Popen([sys.executable, "-m", "newsdesk", "extract", str(tmp_path)], cwd=PROJECT, env=env,
                          stdout=subprocess.PIPE, stderr=follower) as child:
        os.close(follower)
        stdout, _ = child.communicate(timeout=50)
    reader.join(timeout=10)
    os.close(leader)
    terminal = b"".join(chunks)
    assert child.returncode == 0
    assert len(jsonl(stdout.decode())) == 30
    assert b"\x1b[" in terminal  # the bar was drawn (and cleared) with terminal escapes
    assert b"30 extracted, 0 failed" in terminal


def test_python_dash_m_newsdesk_help(run_newsdesk: Callable[..., subprocess.CompletedProcess[bytes]]) -> None:
    result = run_newsdesk("--help")
    assert result.returncode == 0
    assert b"extract" in result.stdout
    assert b"Usage: newsdesk" in result.stdout


def test_extract_help_names_the_inputs_and_formats(cli: Cli) -> None:
    result = cli("extract", "--help")
    assert result.exit_code == 0
    for word in (".html.gz", ".txt", "stdin", "--format", "markdown", "--url", "path: reason"):
        assert word in result.stdout


def test_ingest_help_promises_no_more_speed_than_the_benchmark_measured(cli: Cli) -> None:
    """The --enrich help said about 10 articles/s per process; docs/benchmarks.md measured 3.7."""
    benchmarks = (Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md").read_text()
    # The latest measurement: sections are appended as the enrichment changes.
    found = re.findall(r"full enrichment, one process[^|\n]*\| \**([\d.]+) articles/s", benchmarks)
    assert found, "docs/benchmarks.md lost its enrichment speed"
    measured = float(found[-1])
    help_text = " ".join(cli("ingest", "--help").stdout.split())
    promised = [float(figure) for figure in re.findall(r"([\d.]+) articles/s", help_text.replace("-", " "))]
    assert promised and max(promised) <= measured


def test_version(cli: Cli) -> None:
    assert "version" in cli("--version").stdout


@pytest.mark.timeout(60)
def test_a_reader_closing_the_pipe_early_stops_the_run_quietly(tmp_path: Path) -> None:
    for i in range(200):
        (tmp_path / f"page{i:03}.html").write_text(article_html(f"Story {i}"))
    with subprocess.Popen([sys.executable, "-m", "newsdesk", "extract", str(tmp_path)], cwd=PROJECT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        assert child.stdout is not None and child.stderr is not None
        first = child.stdout.readline()
        child.stdout.close()  # like `| head -1`
        stderr = child.stderr.read()
        child.wait(timeout=50)
    assert json.loads(first)["source"].endswith("page000.html")
    assert b"Traceback" not in stderr
    assert b"BrokenPipeError" not in stderr


def test_pages_from_files_are_listed_by_folder_and_searched_by_input(cli: Cli, tmp_path: Path) -> None:
    """Issue 17: pages read from files (no site, no address) are a `newsdesk sources` row per folder,
    whose `folder` finds them again with `--input`."""
    for folder, words in (("north", "lighthouse"), ("south", "harbour crane")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "page.txt").write_text(
            f"The {words} report\n\nThe {words} was repaired on Monday after a storm damaged it last week, "
            "the port office said in a statement to residents.\n\nWork will go on until the end of the "
            "month, and the ferry timetable is not affected by it, officials added.\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path}/pages.db"
    assert cli("ingest", str(tmp_path / "north"), str(tmp_path / "south"), "--db", db).exit_code == 0
    rows = [json.loads(line) for line in cli("sources", "--format", "jsonl", "--db", db).stdout.splitlines()]
    folders = {row["site"]: (row["folder"], row["articles"]) for row in rows}
    assert folders == {f"folder: {tmp_path}/north/": (f"{tmp_path}/north/", 1),
                       f"folder: {tmp_path}/south/": (f"{tmp_path}/south/", 1)}
    found = cli("search", "--input", f"{tmp_path}/south/", "--format", "jsonl", "--db", db).stdout
    assert [json.loads(line)["input"] for line in found.splitlines()] == [f"{tmp_path}/south/page.txt"]
    assert cli("search", "report", "--input", f"{tmp_path}/nowhere/", "--count", "--db", db).stdout == "0\n"
