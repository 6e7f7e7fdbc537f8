"""Hostile and broken input: each ends in a clear NewsdeskError or a best-effort Article, within the time
and memory limits that Settings documents (max_input_bytes), and never crashes or hangs the process.

Pages that might crash or hang the interpreter run through `extract_isolated` (a child process) and
`run_newsdesk` (the command as a child process), so a failure there fails one test, not the run.
"""

from __future__ import annotations

import contextlib
import gzip
import random
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

import newsdesk
from conftest import ACCENTED, PARAGRAPHS, RUSSIAN, Outcome, article_html
from newsdesk import Article, ExtractionError, InputError, NewsdeskError, Page, Settings

Cli = Callable[..., Result]
Isolated = Callable[..., Outcome]
RunNewsdesk = Callable[..., subprocess.CompletedProcess[bytes]]

MB = 1024 * 1024
# Settings.help()["max_input_bytes"] promises: well under a minute and about 30x the page in memory.
MINUTE = 60
MEMORY_PER_INPUT_BYTE = 30
DEEP = 100_000
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00" + bytes(200)
RANDOM_BYTES = random.Random(2024).randbytes(256 * 1024)
NO_TEXT_PAGE = """<!DOCTYPE html><html><head><title></title>
<style>body { font-family: serif } .hero { background: url(hero.jpg) }</style>
<script>window.dataLayer = [{"event": "pageview", "section": "news"}]; function track() {}</script>
<script type="application/ld+json">{"@type": "WebPage"}</script>
</head><body>
<script src="/static/app.js"></script>
<noscript><img src="/pixel.gif" width="1" height="1"></noscript>
<div class="hero"><img src="hero.jpg" alt=""><img src="logo.png" alt=""></div>
<picture><source srcset="a.webp"><img src="a.jpg" alt=""></picture>
<svg width="10" height="10"><path d="M0 0L10 10"/></svg>
<style>.late { color: red }</style><script>track();</script>
</body></html>"""
MISNESTED_PAGE = f"""<html><head><title>Council approves budget</title></head>
<body><div class="article"><h1>Council approves budget</h2>
<p>{PARAGRAPHS[0]} <b>Bold and <i>both</b> italic</i> words.
<p>{PARAGRAPHS[1]}</span></font></a>
<ul><li>First point<li>Second point</ul>
<div><p>{PARAGRAPHS[2]}</div></p>
<table><td>A cell that was never in a row</p></table>
<div><div><section>"""


def fifty_megabyte_page() -> bytes:
    """A real-looking article paragraph repeated, each copy wrapped in plenty of markup, to 50 MB."""
    parts = ['<!DOCTYPE html><html><head><title>Budget</title></head><body><main><article><h1>Budget</h1>']
    size, i = 0, 0
    while size < 50 * MB:
        block = (f'<div class="story-block block-{i % 7}" data-index="{i}" data-track="para">'
                 f'<p class="story-paragraph"><span class="lead">{PARAGRAPHS[i % 3]}</span> '
                 f'<a href="/news/{i}" rel="nofollow"><em>Read</em> more</a></p></div>\n')
        parts.append(block)
        size += len(block)
        i += 1
    parts.append("</article></main></body></html>")
    return "".join(parts).encode("utf-8")


@pytest.fixture(scope="module")
def big_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "fifty.html"
    path.write_bytes(fifty_megabyte_page())
    assert path.stat().st_size > Settings().max_input_bytes
    return path


def only_failure(result: Result, path: Path) -> str:
    """The reason given for a single failed input, after checking the form `path: reason`."""
    assert result.exit_code == 1, result.stdout
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{path}: ")
    return line.removeprefix(f"{path}: ")


# --- empty input --------------------------------------------------------------------------------

@pytest.mark.parametrize("page", [b"", "", b"   \n\t\n", "\n"])
def test_empty_input_is_a_clear_error_from_the_api(page: bytes | str) -> None:
    with pytest.raises(NewsdeskError):
        newsdesk.extract(page)


def test_empty_page_is_a_clear_error_from_extract_page() -> None:
    with pytest.raises(NewsdeskError):
        newsdesk.extract_page(Page(source="empty.html", content=b"", content_type="text/html"))


@pytest.mark.parametrize("name", ["empty.html", "empty.txt"])
def test_empty_file_is_a_clear_error_from_the_command(cli: Cli, tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"")
    assert only_failure(cli("extract", str(tmp_path / name)), tmp_path / name) == "is empty"


# --- binary junk --------------------------------------------------------------------------------

@pytest.mark.parametrize(("junk", "kind"), [(PNG, "a PNG image"), (RANDOM_BYTES, "binary data")])
def test_binary_junk_is_an_input_error_from_the_api(junk: bytes, kind: str) -> None:
    with pytest.raises(InputError, match=f"binary content \\({kind}\\), not a web page"):
        newsdesk.extract(junk)
    with pytest.raises(InputError):
        newsdesk.extract_page(Page(source="junk.txt", content=junk, content_type="text/plain"))


@pytest.mark.parametrize(("junk", "kind"), [(PNG, "a PNG image"), (RANDOM_BYTES, "binary data")])
def test_binary_junk_is_a_clear_error_from_the_command(cli: Cli, tmp_path: Path, junk: bytes,
                                                       kind: str) -> None:
    path = tmp_path / "junk.html"
    path.write_bytes(junk)
    assert only_failure(cli("extract", str(path)), path) == f"binary content ({kind}), not a web page"


def test_binary_junk_among_good_pages_does_not_stop_the_run(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(article_html())
    (tmp_path / "b.html").write_bytes(PNG)
    (tmp_path / "c.html.gz").write_bytes(gzip.compress(RANDOM_BYTES))
    (tmp_path / "d.htm").write_text(article_html())
    result = cli("extract", str(tmp_path))
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr.splitlines()[-1] == "2 extracted, 2 failed"


def test_random_bytes_in_any_amount_never_crash_the_api() -> None:
    generator = random.Random(11)
    for size in (1, 2, 7, 64, 1000, 50_000):
        with contextlib.suppress(NewsdeskError):
            assert isinstance(newsdesk.extract(generator.randbytes(size)), Article)


# --- a 50 MB page -------------------------------------------------------------------------------

@pytest.mark.timeout(MINUTE)
def test_page_over_the_size_limit_is_refused_by_the_reader(cli: Cli, big_page: Path) -> None:
    started = time.perf_counter()
    reason = only_failure(cli("extract", str(big_page)), big_page)
    assert reason == ("is larger than the 33,554,432-byte input limit "
                      "(set NEWSDESK_MAX_INPUT_BYTES to raise it)")
    assert time.perf_counter() - started < 5  # refused before reading, not after parsing


@pytest.mark.timeout(2 * MINUTE)
def test_page_over_the_size_limit_is_an_input_error_from_the_api(extract_isolated: Isolated,
                                                                 big_page: Path) -> None:
    outcome = extract_isolated(big_page.read_bytes(), timeout=MINUTE)
    assert outcome.error == "InputError"
    assert "limit" in outcome.reason
    assert outcome.seconds < 5  # refused before parsing


@pytest.mark.timeout(2 * MINUTE)
def test_page_under_a_raised_limit_gives_a_best_effort_article_within_the_documented_bounds(
        extract_isolated: Isolated, big_page: Path) -> None:
    data = big_page.read_bytes()
    outcome = extract_isolated(data, timeout=MINUTE, max_input_bytes=64 * MB)
    assert outcome.error is None, outcome.reason
    assert PARAGRAPHS[0] in outcome.body
    assert outcome.memory_growth < MEMORY_PER_INPUT_BYTE * len(data)


# --- markup nested 100,000 deep ------------------------------------------------------------------

@pytest.mark.timeout(MINUTE)
def test_the_brief_deep_nesting_case_ends_quickly_and_keeps_its_text(extract_isolated: Isolated) -> None:
    outcome = extract_isolated("<div>" * DEEP + "text" + "</div>" * DEEP, timeout=20)
    assert outcome.error in (None, "ExtractionError")
    if outcome.error is None:
        assert "text" in outcome.body
    assert outcome.memory_growth < 500 * MB


@pytest.mark.timeout(MINUTE)
@pytest.mark.parametrize("closed", [True, False], ids=["closed", "never-closed"])
def test_deeply_nested_article_gives_its_text(extract_isolated: Isolated, closed: bool) -> None:
    page = "<html><body>" + "<div>" * DEEP + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page += "</div>" * DEEP if closed else ""
    outcome = extract_isolated(page, timeout=20)
    assert outcome.error is None, outcome.reason
    assert PARAGRAPHS[0] in outcome.body
    assert outcome.memory_growth < 500 * MB


@pytest.mark.timeout(MINUTE)
def test_deeply_nested_page_through_the_command(run_newsdesk: RunNewsdesk, tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * DEEP + f"<p>{PARAGRAPHS[0]}</p>" + "</div>" * DEEP)
    try:
        result = run_newsdesk("extract", str(path), "--format", "text", timeout=20)
    except subprocess.TimeoutExpired:
        result = None
    if result is None:
        pytest.fail("newsdesk extract did not finish a 100,000-deep page within 20 s", pytrace=False)
    assert result.returncode == 0, result.stderr.decode()
    assert PARAGRAPHS[0] in result.stdout.decode()


# --- elements with hundreds of thousands of attributes ------------------------------------------

@pytest.mark.timeout(2 * MINUTE)
def test_an_element_with_200000_attributes_ends_quickly_and_keeps_its_text(
        extract_isolated: Isolated) -> None:
    """The parser's time grows with the square of one element's attributes (148 s for these 1.9 MB):
    those past max_attributes_per_element are dropped before it runs."""
    attributes = " ".join(f'data-a{n}="v"' for n in range(200_000))
    page = f"<html><body><article {attributes}>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    outcome = extract_isolated(page + "</article></body></html>", timeout=30)
    assert outcome.error is None, outcome.reason
    assert PARAGRAPHS[0] in outcome.body


@pytest.mark.timeout(2 * MINUTE)
def test_an_undated_page_with_a_huge_element_before_it_ends_quickly(extract_isolated: Isolated) -> None:
    """An undated page sends its markup to htmldate, whose lxml parse is as quadratic in one element's
    attributes as lexbor's: it gets the guarded markup too (the fuzz run found 20 s for 50,000)."""
    attributes = " ".join(f"a{n}=v" for n in range(50_000))
    page = f"<div {attributes}><html><body><article>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    outcome = extract_isolated(page + "</article></body></html>", timeout=10)
    assert outcome.error is None, outcome.reason
    assert PARAGRAPHS[0] in outcome.body


def test_attributes_past_the_limits_are_dropped_and_the_text_stays() -> None:
    from newsdesk.extract.html.markup import limit_attributes

    page = ('<div a=1 b="x > y" c d=\'q\'>kept text</div><script>if (a<b c d e) {}</script>'
            "<!-- <p a b c d> --><p e f g>more text</p>")
    guarded = limit_attributes(page, 2, 3)
    assert guarded.markup == ('<div a=1 b="x > y">kept text</div><script>if (a<b c d e) {}</script>'
                              "<!-- <p a b c d> --><p e>more text</p>")
    assert (guarded.elements, guarded.attributes, guarded.dropped) == (3, 7, 4)
    assert limit_attributes(page, 10, 100).markup == page


def test_a_page_past_max_html_nodes_gives_its_paragraph_text() -> None:
    page = article_html()
    article = newsdesk.extract(page, settings=Settings(max_html_nodes=5))
    assert article.extraction["body"] == "paragraphs"
    assert article.body == "\n\n".join(PARAGRAPHS)
    assert newsdesk.extract(page).extraction["body"] in ("model", "dom")  # scored as usual


# --- unclosed and misnested tags -------------------------------------------------------------

@pytest.mark.timeout(MINUTE)
def test_unclosed_and_misnested_tags_give_the_whole_text_in_order() -> None:
    body = newsdesk.extract(MISNESTED_PAGE.encode()).body
    positions = [body.find(p) for p in PARAGRAPHS]
    assert -1 not in positions, body
    assert positions == sorted(positions)
    assert "Bold and both italic words." in body


@pytest.mark.parametrize("fragment", ["<", "<<<>>>", "</p>", "<!--", "<![CDATA[", "<script>", "<a href='",
                                      "<p>text", "&#xffffffff; &#0; &bogus;"])
def test_truncated_fragments_never_crash(fragment: str) -> None:
    with contextlib.suppress(NewsdeskError):
        assert isinstance(newsdesk.extract(fragment), Article)


# --- wrong and mixed encodings, through the API ---------------------------------------------------

def test_page_declaring_the_wrong_charset_gives_readable_text() -> None:
    page = article_html(paragraphs=[*PARAGRAPHS[:2], ACCENTED], head='<meta charset="utf-8">')
    body = newsdesk.extract(page.encode("cp1252")).body
    assert ACCENTED in body


def test_page_declaring_latin_1_but_sent_as_utf8_gives_readable_text() -> None:
    page = article_html(paragraphs=[*PARAGRAPHS[:2], RUSSIAN], head='<meta charset="iso-8859-1">')
    assert RUSSIAN in newsdesk.extract(page.encode("utf-8")).body


def test_page_mixing_utf8_and_windows_1252_gives_readable_text(cli: Cli, tmp_path: Path) -> None:
    utf8 = article_html(paragraphs=[*PARAGRAPHS[:2], ACCENTED]).encode("utf-8")
    pasted = "<p>The mayor called the vote “a good day for the city” – and left early.</p>".encode("cp1252")
    page = utf8.replace(b"</article>", pasted + b"</article>")
    body = newsdesk.extract(page).body
    assert ACCENTED in body
    assert "“a good day for the city” – and left early." in body
    (tmp_path / "mixed.html").write_bytes(page)
    assert ACCENTED in cli("extract", str(tmp_path / "mixed.html"), "--format", "text").stdout


# --- a .html.gz that expands past the limit ------------------------------------------------------

def write_gzip_bomb(path: Path, expanded: int) -> Path:
    with gzip.open(path, "wb", compresslevel=9) as out:
        block = bytes(MB)
        for _ in range(expanded // MB):
            out.write(block)
    return path


@pytest.mark.timeout(MINUTE)
def test_gzip_bomb_is_refused_by_the_command_at_the_limit(cli: Cli, tmp_path: Path) -> None:
    bomb = write_gzip_bomb(tmp_path / "bomb.html.gz", 100 * MB)
    result = cli("extract", str(bomb), env={"NEWSDESK_MAX_INPUT_BYTES": str(MB)})
    assert only_failure(result, bomb) == ("expands to more than the 1,048,576-byte input limit "
                                          "(set NEWSDESK_MAX_INPUT_BYTES to raise it)")


@pytest.mark.timeout(MINUTE)
def test_gzip_bomb_at_the_default_limit_fails_fast(run_newsdesk: RunNewsdesk, tmp_path: Path) -> None:
    bomb = write_gzip_bomb(tmp_path / "bomb.html.gz", 100 * MB)
    started = time.perf_counter()
    result = run_newsdesk("extract", str(bomb), timeout=30)
    assert result.returncode == 1
    assert result.stderr.decode().startswith(f"{bomb}: expands to more than the 33,554,432-byte input limit")
    assert time.perf_counter() - started < 10


# --- a page with no text at all -------------------------------------------------------------------

def test_page_with_only_scripts_styles_and_images_is_an_extraction_error() -> None:
    with pytest.raises(ExtractionError):
        newsdesk.extract(NO_TEXT_PAGE.encode())


def test_page_with_no_text_is_a_clear_error_from_the_command(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "empty-shell.html"
    path.write_text(NO_TEXT_PAGE)
    reason = only_failure(cli("extract", str(path)), path)
    assert reason
    assert "internal error" not in reason


def test_text_with_lone_surrogates_is_extracted_and_stored() -> None:
    """Bytes decoded with surrogateescape leave lone surrogates, which no encoder (and so no store)
    accepts: extraction replaces them with U+FFFD (found by benchmarks/fuzz.py)."""
    page = article_html().encode("utf-8").replace(b"budget", b"bud\xffget").decode("utf-8", "surrogateescape")
    with newsdesk.open_store("memory://") as store, newsdesk.open_store("sqlite:///:memory:") as sqlite:
        for article in (newsdesk.extract(page), newsdesk.extract_text(page)):
            assert "\ufffd" in article.body + (article.title or "")
            assert article.to_json().encode("utf-8")
            assert sqlite.put(article).status == "stored" and store.put(article).status == "stored"
