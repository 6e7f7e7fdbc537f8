"""The REST API under /api/: the same records and filters as the CLI, described by /api/openapi.json."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date as Date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse

from newsdesk.errors import QueryError
from newsdesk.exports import (
    record,
)
from newsdesk.search.dates import check_date
from newsdesk.store import SearchRequest, Store, StoredArticle
from newsdesk.web import insights, stories, streams
from newsdesk.web.jobs import MAX_SOURCES, Job, Jobs, Refused, check_url
from newsdesk.web.models import (
    ArticleOut,
    ArticlePage,
    Coverage,
    DuplicateOut,
    EntityDetail,
    EntityList,
    ErrorOut,
    IngestRequest,
    JobOut,
    Problem,
    QuoteList,
    RoundupOut,
    SearchResults,
    SourceOut,
    StoryOut,
)
from newsdesk.web.state import Desk, desk_of

QUERY_DOC = ("Query language of `newsdesk search`: words (AND implied), \"phrases\", OR, NOT or -word, "
             "(groups), prefix*. Parentheses nest at most 32 deep and a word has at most 100 letters "
             "(400 beyond).")
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "A query, filter or cursor that cannot be searched"},
    401: {"model": Problem, "description": "The API token is missing or wrong"},
    413: {"model": Problem, "description": "The request body is over the size limit"},
    429: {"model": Problem, "description": "Too many write requests"},
}
UPLOAD_DOC = "Pages (.html, .htm, .txt, .gz) or web archives (.warc, .warc.gz, .arc)"
READ_ERRORS: dict[int | str, dict[str, Any]] = {code: ERRORS[code] for code in (400, 401)}
WRITE_ERRORS = ERRORS


# newsdesk.page_types.PAGE_TYPES and UNKNOWN (a test checks they agree).
PageTypeName = Literal["article", "listing", "collection", "forum", "product", "documentation", "service",
                       "unknown"]
AllPages = Annotated[bool, Query(description="Read every page; by default the pages extraction is sure "
                                 "(probability >= 0.8) are not articles are left out")]


def filters(
    http: Request,
    q: Annotated[str | None, Query(description=QUERY_DOC, max_length=1000, openapi_examples={
        "phrase": {"summary": "A phrase, either name, not a word", "value":
                   '"secretary general" (rutte OR stoltenb*) -trump'},
        "words": {"summary": "Both words", "value": "harbour bridge"}})] = None,
    site: Annotated[str | None, Query(description="Site name or host", max_length=300,
                                      examples=["ledger.example"])] = None,
    source: Annotated[str | None, Query(description="Deprecated: the old name of `site`, accepted until "
                                        "the next release", max_length=300, deprecated=True)] = None,
    since: Annotated[str | None, Query(description="Published on or after (ISO 8601)", max_length=40,
                                       examples=["2024-10-01"])] = None,
    until: Annotated[str | None, Query(description="Published on or before (2024-10 is the whole month)",
                                       max_length=40, examples=["2024-10"])] = None,
    author: Annotated[str | None, Query(description="Whole words of an author's name",
                                        max_length=300)] = None,
    language: Annotated[str | None, Query(description="ISO 639-1 code (en, de...)", max_length=20,
                                          examples=["en"])] = None,
    entity: Annotated[str | None, Query(description="Articles naming this entity (id, or whole words of "
                                        "its name; aliases understood)", max_length=300)] = None,
    speaker: Annotated[str | None, Query(description="Articles quoting this speaker (id or name)",
                                         max_length=300)] = None,
    topic: Annotated[str | None, Query(description="Articles on this topic (id or name)",
                                       max_length=300)] = None,
    page_type: Annotated[PageTypeName | None, Query(description="Only pages of this type, as extraction "
                                                    "classified them (unknown: pages without one)")] = None,
    collection: Annotated[str | None, Query(description="Only articles from the sites of this source "
                                            "collection (`newsdesk collections`, the Collections page)",
                                            max_length=100)] = None,
    input: Annotated[str | None, Query(description="Only pages whose input (where they were read from: "
                                       "a path, path@offset in a web archive, upload:NAME) starts with "
                                       "this, such as the `folder` of a `/api/sources` row",
                                       max_length=1000, examples=["pages/"])] = None,
) -> SearchRequest:
    since, until = _date(since, "since"), _date(until, "until")
    site = _site(site, source)
    request = SearchRequest(query=q or None, site=site, since=since, until=until,
                            author=author or None, language=language or None,
                            entity=insights.named(entity, "entity"),
                            speaker=insights.named(speaker, "speaker"), topic=insights.named(topic, "topic"),
                            page_type=page_type, input=input or None)
    if collection and collection.strip():
        from newsdesk.store.desk import with_collection

        request = with_collection(desk_of(http).store, request, collection)
    return request


def _site(site: str | None, source: str | None) -> str | None:
    """The site filter, given as `site` or by its deprecated name `source` (one release); both at once is
    a QueryError (400), as `--site` with `--source` is a usage error of the CLI."""
    if site and source and site.strip() != source.strip():
        raise QueryError("give the site filter as site (source is its deprecated name), not both",
                         stage="search")
    return site or source or None


def _date(value: str | None, name: str) -> str | None:
    """A date filter checked (`newsdesk.search.dates`): a QueryError (400) rather than an empty answer."""
    return check_date(value, name) if value and value.strip() else None


Filters = Annotated[SearchRequest, Depends(filters)]
Limit = Annotated[int, Query(ge=1, le=100, description="Results per page")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page", max_length=500)]
SortBy = Annotated[Literal["relevance", "date"], Query(description="relevance (with a query) or date")]
Fold = Annotated[bool, Query(description="One article per duplicate group (copies of one report on several "
                             "sites): the group's earliest copy that matches")]
StoryId = Annotated[str, Path(pattern=r"^[Ss][0-9]{1,18}$",
                              description="S + the store id of the story's first article, as S12")]
Day = Annotated[str | None, Query(description="A date (ISO 8601); 2024-10 is the whole month", max_length=40)]


def _desk(request: Request) -> Desk:
    desk = desk_of(request)
    desk.guard.require_read(request)
    return desk


def _writer(request: Request) -> Desk:
    desk = desk_of(request)
    desk.guard.require_write(request)
    return desk


Reader = Annotated[Desk, Depends(_desk)]
Writer = Annotated[Desk, Depends(_writer)]
router = APIRouter(prefix="/api", responses=READ_ERRORS)


def _page(store: Store, request: SearchRequest) -> tuple[list[tuple[StoredArticle, Any]], str | None]:
    page = store.search(request)
    found = []
    for hit in page.hits:
        stored = store.get(hit.id)
        if stored is not None:
            found.append((stored, hit))
    return found, page.next_cursor


@router.get("/articles", response_model=ArticlePage, tags=["articles"])
def list_articles(desk: Reader, request: Filters, sort: SortBy = "date", limit: Limit = 20,
                  cursor: Cursor = None, fold_duplicates: Fold = False) -> Response:
    """Stored articles matching the filters, newest first (or by relevance to `q`), a page at a time."""
    found, next_cursor = _page(desk.store, _with(request, sort=sort, limit=limit, cursor=cursor,
                                                 fold_duplicates=fold_duplicates))
    return _json({"articles": [record(stored) for stored, _ in found], "next_cursor": next_cursor})


def _json(content: Any) -> Response:
    """The records as they are (their shape is `newsdesk.exports.record`, pinned by the tests and
    checked against the OpenAPI document by schemathesis), without validating each page again."""
    return Response(json.dumps(content, ensure_ascii=False).encode(), media_type="application/json")


@router.get("/articles/{article_id}", response_model=ArticleOut, tags=["articles"],
            responses={404: {"model": Problem, "description": "No such article"}})
def get_article(desk: Reader, article_id: Annotated[int, Path(ge=1, le=2**62)]) -> dict[str, Any]:
    """One stored article: the same JSON as `newsdesk show ID`."""
    stored = desk.store.get(article_id)
    if stored is None:
        raise HTTPException(404, f"no article {article_id}")
    return record(stored)


@router.get("/articles/{article_id}/duplicates", response_model=list[DuplicateOut], tags=["stories"],
            responses={404: {"model": Problem, "description": "No such article"}})
def duplicates(desk: Reader, article_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    """The article's duplicate group (copies of one report), itself included, earliest published first:
    exact copies, near copies (most of the words) and teasers (its opening); [] when it has none known."""
    if desk.store.get(article_id) is None:
        raise HTTPException(404, f"no article {article_id}")
    return _json([asdict(copy) for copy in desk.store.duplicates_of(article_id)])


@router.get("/articles/{article_id}/story", response_model=StoryOut, tags=["stories"],
            responses={404: {"model": Problem, "description": "No such article, or it has no story yet"}})
def article_story(desk: Reader, article_id: Annotated[int, Path(ge=1, le=2**62)]) -> Response:
    """The story the article belongs to (as `/api/stories/{story_id}`)."""
    found = desk.store.story_of(article_id)
    if found is None:
        raise HTTPException(404, f"article {article_id} is in no story (or there is no such article)")
    return _json(asdict(found))


@router.get("/stories", response_model=list[StoryOut], tags=["stories"])
def list_stories(desk: Reader, since: Day = None, until: Day = None,
                 top: Annotated[int, Query(ge=1, le=500, description="How many stories")] = 20,
                 site: Annotated[str | None, Query(description="Only stories this site (name or host) "
                                                   "covered", max_length=300)] = None,
                 collection: Annotated[str | None, Query(description="Only stories a site of this source "
                                                         "collection covered", max_length=100)] = None
                 ) -> Response:
    """Stories with an article published in the period, most widely covered first (sources, then
    articles): `newsdesk stories --format jsonl`. A story is one event followed across outlets; its
    `articles` include duplicate copies, in order of arrival."""
    if collection and collection.strip():
        from newsdesk.store.desk import collection_stories

        found = collection_stories(desk.store, _date(since, "since"), _date(until, "until"), top, collection)
    else:
        found = desk.store.stories(since=_date(since, "since"), until=_date(until, "until"), top=top,
                                   site=site or None)
    return _json([asdict(story) for story in found])


@router.get("/stories/{story_id}", response_model=StoryOut, tags=["stories"],
            responses={404: {"model": Problem, "description": "No such story"}})
def get_story(desk: Reader, story_id: StoryId) -> Response:
    """One story: `newsdesk story ID`."""
    found = desk.store.story(story_id)
    if found is None:
        raise HTTPException(404, f"no story {story_id!r} (ids come from /api/stories, e.g. S12)")
    return _json(asdict(found))


@router.get("/search", response_model=SearchResults, tags=["articles"])
def search(desk: Reader, request: Filters, sort: SortBy = "relevance", limit: Limit = 20,
           cursor: Cursor = None, fold_duplicates: Fold = False) -> Response:
    """Search as `newsdesk search --format jsonl` does; each hit also has its snippet and score."""
    found, next_cursor = _page(desk.store, _with(request, sort=sort, limit=limit, cursor=cursor,
                                                 fold_duplicates=fold_duplicates))
    hits = [{**record(stored), "snippet": {"text": hit.snippet.text, "marks": list(hit.snippet.marks)},
             "score": hit.score} for stored, hit in found]
    return _json({"hits": hits, "next_cursor": next_cursor})


@router.get("/sources", response_model=list[SourceOut], tags=["sources"])
def sources(desk: Reader) -> list[dict[str, Any]]:
    """Every site: article count, published date range and failures (`newsdesk sources --format jsonl`)."""
    return [summary.__dict__ for summary in desk.store.sources()]


@router.get("/errors", response_model=list[ErrorOut], tags=["sources"])
def errors(desk: Reader, since: Annotated[str | None, Query(max_length=40)] = None,
           limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> list[dict[str, Any]]:
    """What could not be read, fetched or extracted, newest last (`newsdesk errors --format jsonl`)."""
    return [{**error.__dict__, "input": error.source} for error in desk.store.errors(since or None)][-limit:]


COVERAGE_EXAMPLE = "q=nato&site=ledger&label=NATO in the Ledger"
COVERAGE_TWO = ["q=nato&label=NATO", "q=ukraine&label=Ukraine"]
COVERAGE_CSV = "series,label,start,count,all_articles,share\n1,nato,2024-09-30,3,120,0.025\n"


@router.get("/coverage", response_model=Coverage, tags=["insights"],
            responses={200: {"content": {"text/csv": {"example": COVERAGE_CSV}}}})
def coverage(desk: Reader, request: Filters,
             interval: Annotated[Literal["day", "week", "month"], Query(
                 description="Bucket length; a range of over 750 buckets is counted by the next longer "
                             "interval (see `note`)")] = "day",
             series: Annotated[list[str] | None, Query(
                 description="Up to five searches to compare, each a URL-encoded query string of filters "
                             "(q, site, since, until, author, language, entity, speaker, topic, page_type, "
                             "collection, label); the other parameters are defaults for every series. "
                             "Without it: one series, the other parameters.", max_length=2000,
                 openapi_examples={"one": {"summary": "NATO in one outlet, labelled",
                                           "value": [COVERAGE_EXAMPLE]},
                                   "two": {"summary": "Two searches compared",
                                           "value": COVERAGE_TWO}})] = None,
             format: Annotated[Literal["json", "csv"], Query(
                 description="json, or csv: one row per series and bucket")] = "json",
             fold_duplicates: Fold = False) -> Response:
    """How many matching articles were published each day, week or month over their whole range, and
    their share of every stored article of the bucket: one search, or up to five compared
    (`newsdesk coverage QUERY... --interval week --format csv`)."""
    from newsdesk.coverage import MAX_SERIES, parse_series, to_csv

    defaults = _with(request, fold_duplicates=fold_duplicates)
    given = [parse_series(text, defaults, desk.store) for text in (series or [])[:MAX_SERIES + 1]]
    given = given or [(None, defaults)]
    totals = desk.all_days()
    result = desk.memo.get(("coverage", tuple(given), interval), lambda: insights.compare_coverage(
        desk.store, given, interval, totals))
    if format == "csv":
        return Response(to_csv(result).encode(), media_type="text/csv; charset=utf-8", headers={
            "content-disposition": 'attachment; filename="newsdesk-coverage.csv"'})
    return _json(result)


@router.get("/entities", response_model=EntityList, tags=["insights"])
def entities(desk: Reader, request: Filters,
             type: Annotated[Literal["person", "org", "place", "group"] | None, Query()] = None,
             limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    """The people, organisations, places and groups the matching articles name, most often named first."""
    return insights.entities(desk.store, request, type, limit)


@router.get("/entities/{entity_id:path}", response_model=EntityDetail, tags=["insights"],
            responses={404: {"model": Problem, "description": "No article names this entity"}})
def entity(desk: Reader, entity_id: Annotated[str, Path(max_length=300)],
           interval: Annotated[Literal["day", "week"], Query()] = "day") -> dict[str, Any]:
    """One entity: mentions over time, its quotations, co-mentioned entities and its articles."""
    view = insights.entity_view(desk.store, entity_id, interval, scan_limit=desk.scan_limit)
    if view is None:
        raise HTTPException(404, f"no stored article names the entity {entity_id!r}")
    return view.out()


@router.get("/quotes", response_model=QuoteList, tags=["insights"])
def quotes(desk: Reader, request: Filters,
           limit: Annotated[int, Query(ge=1, le=500)] = 50, all_pages: AllPages = False) -> dict[str, Any]:
    """Quotations in the matching articles, newest first (with `speaker`: only theirs)."""
    return insights.quotes(desk.store, _with(request, articles_only=not all_pages), limit, desk.scan_limit)


@router.get("/roundups/{day}", response_model=RoundupOut, tags=["insights"])
def roundup(desk: Reader, day: Date, all_pages: AllPages = False) -> dict[str, Any]:
    """The day's roundup: its articles, the entities most named and the quotations."""
    return insights.roundup(desk.store, day.isoformat(), articles_only=not all_pages)


ROUNDUP_TYPES = {"markdown": ("text/markdown; charset=utf-8", "md"),
                 "html": ("text/html; charset=utf-8", "html"),
                 "rss": ("application/rss+xml; charset=utf-8", "xml"), "json": ("application/json", "json")}


@router.get("/roundups/{day}/export", tags=["stories"], response_class=Response,
            responses={200: {"description": "The roundup, as a file to download", "content": {
                "text/markdown": {}, "text/html": {}, "application/rss+xml": {}, "application/json": {}}}})
def roundup_export(request: Request, desk: Reader, day: Date,
                   format: Annotated[Literal["markdown", "html", "rss", "json"], Query()] = "markdown"
                   ) -> Response:
    """The day's roundup: its stories grouped by topic, most widely covered first, as
    `newsdesk roundup --date DAY --format FORMAT` writes it (the RSS channel links to the desk's page)."""
    from newsdesk.stories.roundup import render

    built = stories.roundup_of(desk.store, day.isoformat())
    link = str(request.url_for("roundup_page").include_query_params(date=day.isoformat()))
    media_type, suffix = ROUNDUP_TYPES[format]
    return Response(render(built.roundup, format, link=link).encode(), media_type=media_type, headers={
        "content-disposition": f'attachment; filename="roundup-{day.isoformat()}.{suffix}"'})


@router.get("/export", tags=["articles"], response_class=StreamingResponse,
            responses={200: {"description": "The articles, streamed", "content": {
                "application/x-ndjson": {}, "text/csv": {}, "application/vnd.apache.parquet": {}}}})
def export(desk: Reader, request: Filters,
           format: Annotated[Literal["jsonl", "csv", "parquet"], Query()] = "jsonl",
           fold_duplicates: Fold = False) -> StreamingResponse:
    """Every matching article, streamed as JSONL, CSV or Parquet (the columns of docs/exports.md): with
    `q`, the hits best first with their snippet and score; else newest first; every row with its story
    and duplicate group."""
    store = desk.store
    request = _with(request, sort="relevance" if request.query else "date", fold_duplicates=fold_duplicates)
    store.count(request)  # a bad query fails here, with 400, before the stream starts
    name = f"newsdesk-export.{format}"
    disposition = {"content-disposition": f'attachment; filename="{name}"'}
    if format == "jsonl":
        return StreamingResponse(streams.jsonl(store, request), media_type="application/x-ndjson",
                                 headers=disposition)
    if format == "csv":
        return StreamingResponse(streams.csv_rows(store, request), media_type="text/csv; charset=utf-8",
                                 headers=disposition)
    return StreamingResponse(streams.parquet(store, request), media_type="application/vnd.apache.parquet",
                             headers=disposition)


@router.post("/ingest", response_model=JobOut, status_code=202, tags=["ingest"], responses=WRITE_ERRORS)
def ingest(desk: Writer, body: IngestRequest) -> dict[str, Any]:
    """Fetch and ingest URLs of articles, feeds or sitemaps in the background; poll the job for progress.

    Private, loopback and link-local addresses are refused (400) unless the server allows them.
    """
    return desk.jobs.submit(_checked(desk, body.sources)).out()


@router.post("/ingest/files", response_model=JobOut, status_code=202, tags=["ingest"],
             responses=WRITE_ERRORS)
async def ingest_files(desk: Writer, files: Annotated[list[UploadFile], File(description=UPLOAD_DOC)]
                       ) -> dict[str, Any]:
    """Ingest uploaded pages and web archives in the background; poll the job for progress."""
    job: Job = await submit_uploads(desk, [], files)
    return job.out()


async def submit_uploads(desk: Desk, urls: list[str], files: list[UploadFile]) -> Job:
    data = []
    for upload in files[:MAX_SOURCES]:
        content = await upload.read()
        if upload.filename or content:
            data.append((upload.filename or "upload", content))
    if not data and not urls:
        raise HTTPException(400, "nothing to ingest: no URL and no file")
    return desk.jobs.submit(urls, data)


@router.get("/ingest", response_model=list[JobOut], tags=["ingest"])
def jobs(desk: Reader) -> list[dict[str, Any]]:
    """The recent ingest jobs of this server, newest first."""
    return [job.out() for job in desk.jobs.recent()]


@router.get("/ingest/{job_id}", response_model=JobOut, tags=["ingest"],
            responses={404: {"model": Problem, "description": "No such job"}})
def job(desk: Reader, job_id: Annotated[str, Path(max_length=40)]) -> dict[str, Any]:
    """One ingest job's state and counts (read, fetched, extracted, stored... failed) and its errors."""
    found = desk.jobs.get(job_id)
    if found is None:
        raise HTTPException(404, f"no ingest job {job_id!r}")
    return found.out()


def _checked(desk: Desk, urls: list[str]) -> list[str]:
    urls = [url for url in urls if url.strip()]
    if not urls:
        raise HTTPException(400, "nothing to ingest: give at least one URL")
    if len(urls) > MAX_SOURCES:
        raise HTTPException(400, f"at most {MAX_SOURCES} URLs at a time")
    try:
        return [check_url(url, desk.allow_private) for url in urls]
    except Refused as error:
        raise HTTPException(400, str(error)) from None


def checked_urls(desk: Desk, urls: list[str]) -> list[str]:
    return _checked(desk, urls) if urls else []


def _with(request: SearchRequest, **changes: Any) -> SearchRequest:
    from dataclasses import replace

    if changes.get("sort") == "relevance" and not request.query:
        changes["sort"] = "date"
    return replace(request, **changes)


__all__ = ["Jobs", "checked_urls", "router", "submit_uploads"]
