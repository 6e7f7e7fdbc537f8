"""`newsdesk extract`: pages to article records on stdout, with no store."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from newsdesk.article import Article, Page
from newsdesk.errors import NewsdeskError
from newsdesk.exports import article_record, markdown_link, markdown_text
from newsdesk.extract import extract_page
from newsdesk.settings import Settings
from newsdesk.sources.detect import Kind, classify
from newsdesk.sources.files import expand_paths, read_pages
from newsdesk.sources.warc import ArchiveReader

if TYPE_CHECKING:
    from rich.progress import Progress


def _render(article: Article, fmt: str) -> str:
    if fmt == "jsonl":
        return json.dumps(article_record(article), ensure_ascii=False)
    if fmt == "json":
        return json.dumps(article_record(article), ensure_ascii=False, indent=2)
    if fmt == "markdown":  # the page's text escaped, links http(s) only (newsdesk.exports)
        lines = [f"# {markdown_text(article.title or '(untitled)')}", ""]
        url = article.canonical_url or article.url
        meta = [f"**{name}:** {value}" for name, value in (
            ("Authors", markdown_text(", ".join(article.authors))),
            ("Published", markdown_text(article.published or "")),
            ("Site", markdown_text(article.site_name or "")),
            ("URL", markdown_link(url, url) if url else "")) if value]
        if meta:
            lines += ["  \n".join(meta), ""]
        lines.append(markdown_text(article.body, lines=True))
        if article.related:
            lines += ["", "## Related", ""]
            lines += [f"- {markdown_link(link.title or link.url or '', link.url)}"
                      for link in article.related]
        return "\n".join(lines) + "\n"
    return (f"{article.title}\n\n" if article.title else "") + article.body + "\n"


def _articles(inputs: tuple[str, ...], url: str | None, settings: Settings,
              failures: list[str]) -> Iterator[Article | None]:
    """One article per input page, or None where it failed (reported as `path: reason`); a web archive
    is read record by record, each HTML record a page."""
    for item in _pages(inputs, url, settings):
        if isinstance(item, NewsdeskError):
            _fail(str(item), failures)
            yield None
            continue
        try:
            yield extract_page(item, settings)
        except NewsdeskError as error:
            _fail(f"{item.source}: {error.reason}", failures)
            yield None
        except Exception as error:  # a bug on one page must not stop a run over thousands
            _fail(f"{item.source}: internal error: {type(error).__name__}: {error}", failures)
            yield None


def _pages(inputs: tuple[str, ...], url: str | None, settings: Settings) -> Iterator[Page | NewsdeskError]:
    for item in inputs:
        if classify(item) is Kind.WARC:
            yield from ArchiveReader(item, max_bytes=settings.max_input_bytes)
        else:
            yield from read_pages([item], settings.max_input_bytes, url=url)


def _fail(message: str, failures: list[str]) -> None:
    failures.append(message)
    click.echo(message, err=True)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "markdown", "text"]),
              help="Output format. Default: json for one page, jsonl for several.")
@click.option("--url", help="The page's URL, when it is not in the page itself (resolves relative links).")
def extract(paths: tuple[str, ...], fmt: str | None, url: str | None) -> None:
    """Extract the article (body and metadata) from pages.

    PATHS are files (.html, .htm, .html.gz, .txt, .txt.gz), folders (searched recursively), web
    archives (.warc, .warc.gz, .wet, .arc, ...: each HTML record is a page) or - for stdin. .txt
    files are pages already flattened to text. Each failure is printed to stderr as `path: reason`
    and the run goes on; the exit status is non-zero only when nothing was extracted. Pages larger
    than NEWSDESK_MAX_INPUT_BYTES (default 32 MiB, after decompression) are refused.
    """
    settings = Settings.from_env()
    archives = any(classify(p) is Kind.WARC for p in paths)
    many = len(paths) > 1 or archives or any(Path(p).is_dir() for p in paths if p != "-")
    fmt = fmt or ("jsonl" if many else "json")
    failures: list[str] = []
    extracted = 0
    out = sys.stdout
    if fmt == "json" and many:
        out.write("[\n")
    total = None if archives else sum(1 for _ in expand_paths(paths)) if many else 1
    with _Progress(total, enabled=many) as advance:
        for article in _articles(paths, url, settings, failures):
            advance()
            if article is None:
                continue
            text = _render(article, fmt)
            if fmt == "json" and many:
                text = ("" if extracted == 0 else ",\n") + text
            elif fmt in ("markdown", "text") and extracted:
                text = "\n---\n\n" + text
            out.write(text if fmt == "json" and many else text.rstrip("\n") + "\n")
            out.flush()
            extracted += 1
    if fmt == "json" and many:
        out.write("\n]\n")
    if many:
        click.echo(f"{extracted} extracted, {len(failures)} failed", err=True)
    if extracted == 0:
        sys.exit(1)


class _Progress:
    """A rich progress bar on stderr, shown only for many inputs and only on a terminal."""

    def __init__(self, total: int | None, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and sys.stderr.isatty()
        self.progress: Progress | None = None

    def __enter__(self) -> Callable[[], None]:
        if not self.enabled:
            return lambda: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        progress = Progress("extracting", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=Console(stderr=True), transient=True)
        self.progress = progress
        progress.start()
        task = progress.add_task("extract", total=self.total)
        return lambda: progress.advance(task)

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()
