"""The desk's pages, rendered on the server with Jinja2 (autoescaped everywhere), usable without JavaScript.

Every form posts with a CSRF token equal to its cookie; writing forms also need the session that signing
in with the API token gives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from newsdesk.article import Article
from newsdesk.coverage import bucket_of, fill
from newsdesk.enrich import models
from newsdesk.exports import http_url
from newsdesk.search.dates import check_date
from newsdesk.store import SearchRequest, SiteSummary
from newsdesk.store.desk import desk_state, with_collection
from newsdesk.web import charts, insights, stories
from newsdesk.web.security import CSRF_COOKIE, SESSION_COOKIE
from newsdesk.web.state import Desk, desk_of

HERE = Path(__file__).parent
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(
    enabled_extensions=("html",), default_for_string=True, default=True))
router = APIRouter(include_in_schema=False)


def _reader(request: Request) -> Desk:
    desk = desk_of(request)
    if desk.guard.read_token and not desk.guard.signed_in(request):
        raise HTTPException(401, "this desk needs signing in: open the link `newsdesk serve` printed, or "
                            "sign in on /login with the API token")
    return desk


Reader = Annotated[Desk, Depends(_reader)]


def render(request: Request, name: str, status: int = 200, headers: dict[str, str] | None = None,
           **context: Any) -> HTMLResponse:
    desk = desk_of(request)
    token, new = desk.guard.csrf_token(request)
    try:
        signed_in = desk.guard.signed_in(request)
    except HTTPException:  # a client over its wrong-token limit: this page (maybe its 429) shows anyway
        signed_in = False
    html = templates.get_template(name).render(
        request=request, csrf=token, signed_in=signed_in, path=request.url.path, **context)
    response = HTMLResponse(html, status_code=status, headers=headers)
    if new is not None:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict", path="/")
    return response


def error_page(request: Request, status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    title = {400: "Bad request", 401: "Sign-in needed", 403: "Refused", 404: "Not found",
             413: "Too large", 429: "Too many requests"}.get(status, "Error")
    return render(request, "error.html", status=status, headers=headers, title=title, status_code=status,
                  detail=detail)


safe_url = http_url  # an http(s) URL for a link, or None: never javascript:, data: or anything else

templates.filters["safe_url"] = safe_url
templates.filters["pathpart"] = lambda value: quote(str(value), safe="")
templates.globals["qs"] = lambda **params: urlencode({k: v for k, v in params.items() if v not in (None, "")})


chart = charts.bars  # one series of counts as bars: newsdesk.web.charts


def drawn(desk: Desk, key: Hashable, id: str, make: Callable[[], charts.Chart | None]) -> Markup:
    """The chart `make` draws, rendered by chart.html's macro (the SVG and its table of numbers) with the
    element id `id`, kept until the store changes: `key` names what the chart shows (its data depend on
    nothing else), so a page viewed again does not draw its hundreds of bars again."""
    return desk.memo.get(("chart", id, key), lambda: _bars(make(), id))


def _bars(drawing: charts.Chart | None, id: str) -> Markup:
    return Markup(templates.get_template("chart.html").module.bars(drawing, id))  # type: ignore[attr-defined]


# --- article bodies: paragraphs of text, entity links and quotations ----------------------------------

@dataclass
class Piece:
    text: str
    entity: dict[str, str] | None = None  # id, name, type


@dataclass
class Part:
    pieces: list[Piece]
    quote: dict[str, Any] | None = None  # number, speaker, type


def annotate(article: Article) -> list[list[Part]]:
    """The body as paragraphs of parts: plain runs and quotations, each made of text and entity pieces."""
    body = article.body
    names = {entity.id: entity.name for entity in article.entities}
    mentions: list[tuple[int, int, dict[str, str]]] = []
    for entity in article.entities:
        for start, end in entity.mentions:
            if 0 <= start < end <= len(body):
                mentions.append((start, end, {"id": entity.id, "name": entity.name, "type": entity.type}))
    mentions.sort(key=lambda m: (m[0], -m[1]))
    quotes: list[tuple[int, int, dict[str, Any]]] = []
    for number, said in enumerate(article.quotes):
        start, end = said.span
        if 0 <= start < end <= len(body):
            speaker = names.get(said.speaker or "") or said.speaker_name
            quotes.append((start, end, {"number": number, "speaker": speaker, "type": said.type,
                                        "speaker_id": said.speaker if said.speaker in names else None}))
    quotes.sort(key=lambda q: q[0])
    paragraphs: list[list[Part]] = []
    at = 0
    for paragraph in body.split("\n"):
        start, end = at, at + len(paragraph)
        at = end + 1
        if not paragraph.strip():
            continue
        parts: list[Part] = []
        cut = start
        for q_start, q_end, info in quotes:
            q_start, q_end = max(q_start, start, cut), min(q_end, end)
            if q_start >= q_end:
                continue
            if q_start > cut:
                parts.append(Part(_pieces(body, cut, q_start, mentions)))
            parts.append(Part(_pieces(body, q_start, q_end, mentions), info))
            cut = q_end
        if cut < end:
            parts.append(Part(_pieces(body, cut, end, mentions)))
        paragraphs.append(parts)
    return paragraphs


def _pieces(body: str, start: int, end: int, mentions: list[tuple[int, int, dict[str, str]]]) -> list[Piece]:
    pieces: list[Piece] = []
    cut = start
    for m_start, m_end, entity in mentions:
        if m_start < cut or m_end > end:
            continue
        if m_start > cut:
            pieces.append(Piece(body[cut:m_start]))
        pieces.append(Piece(body[m_start:m_end], entity))
        cut = m_end
    if cut < end:
        pieces.append(Piece(body[cut:end]))
    return pieces


# --- pages ----------------------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, desk: Reader,
                q: Annotated[str, Query(max_length=1000)] = "",
                source: Annotated[str, Query(max_length=300)] = "",
                since: Annotated[str, Query(max_length=40)] = "",
                until: Annotated[str, Query(max_length=40)] = "",
                language: Annotated[str, Query(max_length=20)] = "",
                author: Annotated[str, Query(max_length=300)] = "",
                entity: Annotated[str, Query(max_length=300)] = "",
                topic: Annotated[str, Query(max_length=300)] = "",
                sort: Annotated[str, Query(pattern="^(relevance|date)?$")] = "",
                copies: Annotated[str, Query(pattern="^(show)?$")] = "",
                collection: Annotated[str, Query(max_length=100)] = "",
                input: Annotated[str, Query(max_length=1000)] = "",
                cursor: Annotated[str, Query(max_length=500)] = "") -> Response:
    fold = copies != "show"  # duplicate copies folded into their group's earliest copy, unless asked
    problem = None
    hits: list[dict[str, Any]] = []
    next_cursor = None
    cover = _bars(None, "coverage-chart")
    facets: dict[str, Any] = {"entities": [], "topics": []}
    try:
        search = SearchRequest(query=q.strip() or None, site=source or None,
                               since=check_date(since, "since") if since.strip() else None,
                               until=check_date(until, "until") if until.strip() else None,
                               author=author or None, language=language or None,
                               entity=insights.named(entity, "entity"), topic=insights.named(topic, "topic"),
                               sort="relevance" if q.strip() and sort != "date" else "date", limit=20,
                               cursor=cursor or None, fold_duplicates=fold, input=input or None)
        search = with_collection(desk.store, search, collection)
        hits, next_cursor = desk.memo.get(("hits", search), lambda: _hits(desk, search))
        unpaged = replace(search, cursor=None)

        def plot() -> charts.Chart | None:
            counts = desk.memo.get(("coverage", unpaged), lambda: insights.coverage(
                desk.store, unpaged, "day", totals=desk.all_days()))
            return chart(counts["buckets"], "Matching articles", counts["interval"], counts["note"])

        cover = drawn(desk, unpaged, "coverage-chart", plot)
        facets = insights.facets([hit["stored"].article for hit in hits])
    except Exception as error:
        from newsdesk.errors import QueryError

        if not isinstance(error, QueryError):
            raise
        problem = error.reason
    params = {"q": q, "source": source, "since": since, "until": until, "language": language,
              "author": author, "entity": entity, "topic": topic, "sort": sort, "copies": copies,
              "collection": collection, "input": input}
    return render(request, "search.html", title=f"Search: {q}" if q else "Search", hits=hits,
                  next_cursor=next_cursor, chart=cover, problem=problem, params=params,
                  sources=_sources(desk)[:200], facets=facets,
                  collections=[c.name for c in desk_state(desk.store).collections()])


def _hits(desk: Desk, search: SearchRequest) -> tuple[list[dict[str, Any]], str | None]:
    """A page of results with each article and its number of copies, and the next page's cursor: kept
    until the store changes (ranking a common word's matches is most of a search page's time)."""
    page = desk.store.search(search)
    hits = []
    for hit in page.hits:
        stored = desk.store.get(hit.id)
        if stored is not None:
            others, _ = stories.copies_count(desk.store, hit.id)
            hits.append({"stored": stored, "snippet": hit.snippet, "copies": others})
    return hits, page.next_cursor


def _sources(desk: Desk) -> list[SiteSummary]:
    """The store's sites, read again only after the store changed (every search page lists them)."""
    return desk.memo.get(("sources",), desk.store.sources)


SERIES_FIELDS = ("label", "q", "source", "collection", "entity", "language")


@router.get("/coverage", response_class=HTMLResponse)
def coverage_page(request: Request, desk: Reader,
                  since: Annotated[str, Query(max_length=40)] = "",
                  until: Annotated[str, Query(max_length=40)] = "",
                  interval: Annotated[str, Query(pattern="^(day|week|month)?$")] = "",
                  measure: Annotated[str, Query(pattern="^(count|share)?$")] = "",
                  copies: Annotated[str, Query(pattern="^(show)?$")] = "") -> Response:
    """Attention over time: up to five searches (q1, source1, entity1, language1, label1 ... q5...) on one
    chart, counts or shares of all articles, with the table and the CSV and JSON of the numbers."""
    from newsdesk.coverage import MAX_SERIES

    params = request.query_params
    rows = [{name: params.get(f"{name}{number}", "")[:1000] for name in SERIES_FIELDS}
            for number in range(1, MAX_SERIES + 1)]
    given = [row for row in rows if any(row[name].strip() for name in SERIES_FIELDS[1:])]
    problem = None
    result: dict[str, Any] | None = None
    plot = None
    links: dict[str, str] = {}
    step = interval or "week"
    if given:
        try:
            common = SearchRequest(since=check_date(since, "since") if since.strip() else None,
                                   until=check_date(until, "until") if until.strip() else None,
                                   fold_duplicates=copies != "show")
            series = [({k: v for k, v in row.items() if v.strip()}) for row in given]
            from newsdesk.coverage import parse_series

            texts = [urlencode(row) for row in series]
            parsed = [parse_series(text, common, desk.store) for text in texts]
            result = desk.memo.get(("coverage", tuple(parsed), step), lambda: insights.compare_coverage(
                desk.store, parsed, step, desk.all_days()))  # type: ignore[arg-type]
            plot = charts.comparison(result, measure or "count")
            base = [("since", since), ("until", until), ("interval", step),
                    ("fold_duplicates", "false" if copies == "show" else "true")]
            query = [*[(k, v) for k, v in base if v], *[("series", text) for text in texts]]
            links = {"CSV": "/api/coverage?" + urlencode([*query, ("format", "csv")]),
                     "JSON": "/api/coverage?" + urlencode(query)}
        except Exception as error:
            from newsdesk.errors import QueryError

            if not isinstance(error, QueryError):
                raise
            problem = error.reason
    return render(request, "coverage.html", title="Coverage over time", rows=rows, since=since, until=until,
                  interval=step, measure=measure or "count", copies=copies, result=result, chart=plot,
                  problem=problem, links=links, sources=_sources(desk)[:200],
                  collections=[c.name for c in desk_state(desk.store).collections()])


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, desk: Reader, article_id: int) -> Response:
    stored = desk.store.get(article_id) if 0 < article_id < 2**62 else None
    if stored is None:
        raise HTTPException(404, f"no article {article_id}")
    article = stored.article
    names = {entity.id: entity.name for entity in article.entities}
    quotes = [{"text": quote.text, "type": quote.type, "speaker_id": quote.speaker if quote.speaker in names
               else None, "speaker": names.get(quote.speaker or "") or quote.speaker_name}
              for quote in article.quotes]
    return render(request, "article.html", title=article.title or "(untitled)", stored=stored,
                  article=article, paragraphs=annotate(article), quotes=quotes,
                  links=stories.article_links(desk.store, article_id),
                  link=safe_url(article.canonical_url or article.url),
                  image_url=safe_url(article.image.url) if article.image else None,
                  no_entities=models.unavailable(article.language) if article.enrichment else None)


@router.get("/entities", response_class=HTMLResponse)
def entities_page(request: Request, desk: Reader,
                  q: Annotated[str, Query(max_length=1000)] = "") -> Response:
    search = SearchRequest(query=q.strip() or None)
    found = insights.entities(desk.store, search, None, 100)
    gaps = desk.memo.get(("entity-gaps", q.strip()),
                         lambda: models.languages_without_entities(desk.store, search))
    return render(request, "entities.html", title="Entities", entities=found["entities"],
                  partial=found["partial"], q=q,
                  gaps=[(models.language_name(code), count) for code, count in gaps.items()])


@router.get("/entities/{entity_id:path}", response_class=HTMLResponse)
def entity_page(request: Request, desk: Reader, entity_id: str) -> Response:
    view = desk.memo.get(("entity", entity_id[:300]), lambda: insights.entity_view(
        desk.store, entity_id[:300], "day", scan_limit=desk.scan_limit))
    if view is None:
        raise HTTPException(404, f"no stored article names the entity {entity_id!r}")
    return render(request, "entity.html", title=view.entity["name"], view=view,
                  chart=drawn(desk, entity_id[:300], "mentions-chart", lambda: chart(
                      view.coverage, f"Articles naming {view.entity['name']}", view.interval, view.note)))


SOURCE_SORTS = {
    "name": lambda row: row["name_key"], "articles": lambda row: row["summary"].articles,
    "first": lambda row: row["summary"].first_published or "",
    "last": lambda row: row["summary"].last_published or "",
    "failures": lambda row: row["summary"].failures, "rate": lambda row: row["rate"],
}


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, desk: Reader, q: Annotated[str, Query(max_length=300)] = "",
                 collection: Annotated[str, Query(max_length=100)] = "",
                 sort: Annotated[str, Query(pattern="^(name|articles|first|last|failures|rate)?$")] = "",
                 order: Annotated[str, Query(pattern="^(asc|desc)?$")] = "") -> Response:
    """Every site, filtered by words of its name or host (`q`), sorted by any column (`sort`, `order`)."""
    errors = desk.store.errors()[-50:]
    errors.reverse()
    from newsdesk.store.rows import name_key

    rows = []
    wanted = q.strip().casefold()
    state = desk_state(desk.store)
    chosen = state.collection(collection) if collection.strip() else None
    if collection.strip() and chosen is None:
        raise HTTPException(404, f"no collection {collection!r} (see the Collections page)")
    members = {site.casefold() for site in chosen.sites} if chosen else set()
    for s in _sources(desk):
        if wanted and wanted not in s.site.casefold() and not any(wanted in host for host in s.hosts):
            continue
        if chosen is not None and s.site.casefold() not in members and not members & set(s.hosts):
            continue
        rows.append({"summary": s, "name_key": name_key(s.site),
                     "rate": s.failures / (s.articles + s.failures) if s.articles + s.failures else 0.0})
    column = sort or "name"
    descending = order == "desc" if order else column not in ("name",)
    rows.sort(key=SOURCE_SORTS[column], reverse=descending)
    return render(request, "sources.html", title="Sources", rows=rows, errors=errors, q=q, sort=column,
                  order="desc" if descending else "asc", total=len(_sources(desk)), collection=collection,
                  collections=[c.name for c in state.collections()])


@router.get("/roundup", response_class=HTMLResponse)
def roundup_page(request: Request, desk: Reader, date: Annotated[str, Query(max_length=10)] = "") -> Response:
    day = _day(desk, date)
    data = insights.roundup(desk.store, day)
    exports = {fmt: "/api/export?" + urlencode({"since": day, "until": day, "format": fmt})
               for fmt in ("jsonl", "csv", "parquet")}
    downloads = {label: f"/api/roundups/{day}/export?" + urlencode({"format": fmt}) for label, fmt in
                 (("Markdown", "markdown"), ("HTML", "html"), ("RSS", "rss"), ("JSON", "json"))}
    return render(request, "roundup.html", title=f"Roundup {day}", roundup=data, day=day, exports=exports,
                  downloads=downloads, stories=stories.roundup_of(desk.store, day))


def _day(desk: Desk, given: str) -> str:
    """The day asked for (YYYY-MM-DD), else that of the latest article, else today (UTC)."""
    day = given.strip() or stories.latest_day(desk.store) or datetime.now(UTC).date().isoformat()
    try:
        day = datetime.strptime(day, "%Y-%m-%d").date().isoformat()
        stories.week_of(day)  # the week before it must be a date too (0001-01-01 has none)
    except (ValueError, OverflowError):
        raise HTTPException(400, f"not a date the desk can show: {given!r} (write YYYY-MM-DD)") from None
    return day


@router.get("/stories", response_class=HTMLResponse)
def stories_page(request: Request, desk: Reader, date: Annotated[str, Query(max_length=10)] = "",
                 source: Annotated[str, Query(max_length=300)] = "") -> Response:
    day = _day(desk, date)
    first, last = stories.week_of(day)
    site = source.strip() or None
    of_day = desk.store.stories(since=day, until=day, top=20, site=site)
    of_week = desk.store.stories(since=first, until=last, top=20, site=site)
    return render(request, "stories.html", title=f"Stories {day}", day=day, week=(first, last),
                  of_day=of_day, of_week=of_week, source=source, sources=_sources(desk)[:200])


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, desk: Reader, story_id: str) -> Response:
    found = desk.store.story(story_id) if stories.STORY_ID.match(story_id) else None
    if found is None:
        raise HTTPException(404, f"no story {story_id!r} (see the Stories page)")
    # The timeline reads each of the story's articles and its copy record: kept until the store changes.
    view = desk.memo.get(("story", found.id), lambda: stories.story_view(desk.store, found))

    def plot() -> charts.Chart | None:
        counts = Counter(key for item in view.timeline if (key := bucket_of(item.published, "day")))
        interval, note, buckets = fill(counts, "day")
        return chart(buckets, "Articles of the story", interval, note)

    cover = drawn(desk, found.id, "story-chart", plot)
    return render(request, "story.html", title=found.headline or found.id, view=view, story=found,
                  chart=cover)


@router.get("/ingest", response_class=HTMLResponse)
def ingest_page(request: Request, desk: Reader) -> Response:
    return render(request, "ingest.html", title="Ingest", jobs=desk.jobs.recent()[:20],
                  allow_private=desk.allow_private)


@router.post("/ingest")
async def ingest_form(request: Request, desk: Reader, csrf: Annotated[str, Form()] = "",
                      urls: Annotated[str, Form(max_length=200_000)] = "",
                      files: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    from newsdesk.web.api import checked_urls, submit_uploads

    desk.guard.check_csrf(request, csrf)
    if not desk.guard.signed_in(request):
        raise HTTPException(401, "sign in with the API token first (see /login)")
    desk.guard.take_write(request)
    job = await submit_uploads(desk, checked_urls(desk, urls.split()), files or [])
    return RedirectResponse(f"/ingest/jobs/{job.id}", status_code=303)


@router.get("/ingest/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, desk: Reader, job_id: str) -> Response:
    job = desk.jobs.get(job_id[:40])
    if job is None:
        raise HTTPException(404, f"no ingest job {job_id!r}")
    return render(request, "job.html", title="Ingest progress", job=job.out())


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request, desk: Reader) -> Response:
    """The API documentation: Swagger UI served from the package's own files over /api/openapi.json."""
    return render(request, "docs.html", title="API documentation", read_token=desk.guard.read_token)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, token: Annotated[str, Query(max_length=200)] = "",
               next: Annotated[str, Query(max_length=300)] = "/ingest") -> Response:
    desk = desk_of(request)
    target = next if next.startswith("/") and not next.startswith(("//", "/\\")) else "/ingest"
    if token and desk.guard.check_token(request, token):
        return _signed_in(desk, target)
    return render(request, "login.html", title="Sign in", next=target, wrong=bool(token))


@router.post("/login")
def login_form(request: Request, csrf: Annotated[str, Form()] = "",
               token: Annotated[str, Form(max_length=200)] = "",
               next: Annotated[str, Form(max_length=300)] = "/ingest") -> Response:
    desk = desk_of(request)
    desk.guard.check_csrf(request, csrf)
    target = next if next.startswith("/") and not next.startswith(("//", "/\\")) else "/ingest"
    if not desk.guard.check_token(request, token):
        return render(request, "login.html", status=401, title="Sign in", next=target, wrong=True)
    return _signed_in(desk, target)


def _signed_in(desk: Desk, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, desk.guard.new_session(), httponly=True, samesite="strict", path="/")
    return response
