"""The researcher's pages: source collections (made, exported and imported as CSV) and saved searches
(what is new since you last looked, and an Atom feed of each). Writing forms need the CSRF token and
the session that signing in with the API token gives, as ingest does."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from xml.etree import ElementTree as ET

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from newsdesk.errors import QueryError
from newsdesk.exports import http_url
from newsdesk.store.desk import (
    SAVED_FILTERS,
    Collection,
    SavedSearch,
    desk_state,
    new_matches,
    newest_id,
    read_collections_csv,
    saved_request,
    write_collections_csv,
)
from newsdesk.store.rows import now
from newsdesk.web.pages import Reader, render
from newsdesk.web.state import Desk

router = APIRouter(include_in_schema=False)


def _writer(request: Request, desk: Desk, csrf: str) -> None:
    desk.guard.check_csrf(request, csrf)
    if not desk.guard.signed_in(request):
        raise HTTPException(401, "sign in with the API token first (see /login)")
    desk.guard.take_write(request)


# --- collections ------------------------------------------------------------------------------------

@router.get("/collections", response_class=HTMLResponse)
def collections_page(request: Request, desk: Reader) -> Response:
    found = desk_state(desk.store).collections()
    return render(request, "collections.html", title="Collections", collections=found,
                  next=quote(str(request.url.path)))


@router.post("/collections")
def save_collection(request: Request, desk: Reader, csrf: Annotated[str, Form()] = "",
                    name: Annotated[str, Form(max_length=100)] = "",
                    sites: Annotated[str, Form(max_length=200_000)] = "",
                    country: Annotated[str, Form(max_length=100)] = "",
                    language: Annotated[str, Form(max_length=20)] = "",
                    kind: Annotated[str, Form(max_length=100)] = "",
                    description: Annotated[str, Form(max_length=1000)] = "") -> Response:
    """Make (or replace) a collection: its sites one a line (names or hosts)."""
    _writer(request, desk, csrf)
    try:
        desk_state(desk.store).save_collection(Collection(
            name, [line.strip() for line in sites.splitlines() if line.strip()], country, language, kind,
            description))
    except QueryError as error:
        raise HTTPException(400, error.reason) from None
    return RedirectResponse("/collections", status_code=303)


@router.post("/collections/delete")
def delete_collection(request: Request, desk: Reader, csrf: Annotated[str, Form()] = "",
                      name: Annotated[str, Form(max_length=100)] = "") -> Response:
    _writer(request, desk, csrf)
    if not desk_state(desk.store).delete_collection(name):
        raise HTTPException(404, f"no collection {name!r}")
    return RedirectResponse("/collections", status_code=303)


@router.get("/collections.csv")
def collections_csv(desk: Reader) -> Response:
    """Every collection as CSV (as `newsdesk collections export` writes it)."""
    buffer = io.StringIO()
    write_collections_csv(desk_state(desk.store).collections(), buffer)
    return Response(buffer.getvalue().encode(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="newsdesk-collections.csv"'})


@router.post("/collections/import")
async def import_collections(request: Request, desk: Reader, csrf: Annotated[str, Form()] = "",
                             file: Annotated[UploadFile | None, File()] = None) -> Response:
    """Collections from CSV (the columns of the export), replacing the sites of those named in it."""
    _writer(request, desk, csrf)
    if file is None:
        raise HTTPException(400, "choose a CSV file to import")
    try:
        text = (await file.read()).decode("utf-8-sig")
        made = read_collections_csv(io.StringIO(text))
        state = desk_state(desk.store)
        for item in made:
            state.save_collection(item)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise HTTPException(400, f"not a CSV file in UTF-8: {error}") from None
    except QueryError as error:
        raise HTTPException(400, error.reason) from None
    return RedirectResponse("/collections", status_code=303)


# --- saved searches ---------------------------------------------------------------------------------

SEARCH_PARAMS = {"q": "query", "source": "site", "since": "since", "until": "until", "author": "author",
                 "language": "language", "entity": "entity", "topic": "topic", "collection": "collection"}


def search_link(saved: SavedSearch) -> str:
    names = {field: param for param, field in SEARCH_PARAMS.items()}
    params = {names[key]: value for key, value in saved.filters.items() if key in names and value}
    if not saved.filters.get("fold_duplicates", True):
        params["copies"] = "show"
    return "/search?" + urlencode(params)


@router.post("/saved")
def save_search(request: Request, desk: Reader, csrf: Annotated[str, Form()] = "",
                name: Annotated[str, Form(max_length=100)] = "",
                q: Annotated[str, Form(max_length=1000)] = "",
                source: Annotated[str, Form(max_length=300)] = "",
                since: Annotated[str, Form(max_length=40)] = "",
                until: Annotated[str, Form(max_length=40)] = "",
                author: Annotated[str, Form(max_length=300)] = "",
                language: Annotated[str, Form(max_length=20)] = "",
                entity: Annotated[str, Form(max_length=300)] = "",
                topic: Annotated[str, Form(max_length=300)] = "",
                collection: Annotated[str, Form(max_length=100)] = "",
                copies: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Save the search shown on the search page; what is stored now counts as seen."""
    _writer(request, desk, csrf)
    given = {"q": q, "source": source, "since": since, "until": until, "author": author,
             "language": language, "entity": entity, "topic": topic, "collection": collection}
    filters: dict[str, Any] = {SEARCH_PARAMS[key]: value.strip() for key, value in given.items()
                               if value.strip()}
    filters["fold_duplicates"] = copies != "show"
    state = desk_state(desk.store)
    try:
        state.save_search(name, filters, now())
        saved = state.saved_search(name)
        assert saved is not None
        desk.store.count(saved_request(desk.store, saved))  # a search that cannot run is refused now
    except QueryError as error:
        state.delete_search(name)
        raise HTTPException(400, error.reason) from None
    state.mark_seen(saved.name, newest_id(desk.store), now())
    return RedirectResponse("/saved", status_code=303)


@router.get("/saved", response_class=HTMLResponse)
def saved_page(request: Request, desk: Reader) -> Response:
    rows = []
    for item in desk_state(desk.store).saved_searches():
        try:
            _, new = new_matches(desk.store, item, limit=0)
        except QueryError:  # its collection was deleted since
            new = 0
        rows.append({"saved": item, "new": new, "link": search_link(item),
                     "filters": ", ".join(f"{k}: {v}" for k, v in item.filters.items()
                                          if k != "fold_duplicates")})
    return render(request, "saved.html", title="Saved searches", rows=rows)


@router.get("/saved/{name}", response_class=HTMLResponse)
def saved_search_page(request: Request, desk: Reader, name: str) -> Response:
    """The matches stored since the saved search was last looked at; looking marks them seen."""
    state = desk_state(desk.store)
    found = state.saved_search(name[:100])
    if found is None:
        raise HTTPException(404, f"no saved search {name!r}")
    newest = newest_id(desk.store)
    try:
        ids, total = new_matches(desk.store, found, limit=200)
    except QueryError as error:
        raise HTTPException(400, error.reason) from None
    articles = [stored for id in ids if (stored := desk.store.get(id)) is not None]
    state.mark_seen(found.name, newest, now())
    return render(request, "saved_one.html", title=f"New for {found.name}", saved=found, articles=articles,
                  total=total, link=search_link(found), feed=f"/saved/{quote(found.name, safe='')}/feed.atom")


@router.get("/saved/{name}/feed.atom")
def saved_feed(request: Request, desk: Reader, name: str) -> Response:
    """An Atom feed of the saved search's 50 newest matches (by publication date)."""
    from dataclasses import replace

    found = desk_state(desk.store).saved_search(name[:100])
    if found is None:
        raise HTTPException(404, f"no saved search {name!r}")
    try:
        page = desk.store.search(replace(saved_request(desk.store, found), sort="date", limit=50))
    except QueryError as error:
        raise HTTPException(400, error.reason) from None
    atom = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", atom)
    feed = ET.Element(f"{{{atom}}}feed")
    ET.SubElement(feed, f"{{{atom}}}title").text = f"newsdesk: {found.name}"
    ET.SubElement(feed, f"{{{atom}}}id").text = str(request.url)
    ET.SubElement(feed, f"{{{atom}}}updated").text = now()
    ET.SubElement(feed, f"{{{atom}}}link", rel="self", href=str(request.url))
    ET.SubElement(feed, f"{{{atom}}}link", rel="alternate",
                  href=str(request.base_url) + search_link(found)[1:])
    for hit in page.hits:
        stored = desk.store.get(hit.id)
        if stored is None:
            continue
        entry = ET.SubElement(feed, f"{{{atom}}}entry")
        ET.SubElement(entry, f"{{{atom}}}title").text = stored.article.title or "(untitled)"
        own = str(request.base_url) + f"articles/{stored.id}"
        ET.SubElement(entry, f"{{{atom}}}id").text = own
        ET.SubElement(entry, f"{{{atom}}}link", rel="alternate",
                      href=http_url(stored.article.canonical_url or stored.article.url) or own)
        ET.SubElement(entry, f"{{{atom}}}updated").text = _atom_date(stored.article.published,
                                                                     stored.stored_at)
        if stored.article.site_name:
            author = ET.SubElement(entry, f"{{{atom}}}author")
            ET.SubElement(author, f"{{{atom}}}name").text = stored.article.site_name
        ET.SubElement(entry, f"{{{atom}}}summary").text = hit.snippet.text
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
    return Response(body.encode(), media_type="application/atom+xml; charset=utf-8")


def _atom_date(published: str | None, stored_at: str) -> str:
    """An RFC 3339 date-time for Atom: the published date (midnight UTC for a day alone), else when stored."""
    from datetime import UTC, datetime

    from newsdesk.stories.features import published_at

    if published:
        from newsdesk.article import Article

        when = published_at(Article(published=published))
        if when is not None:
            return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()
    try:
        return datetime.fromisoformat(stored_at).isoformat()
    except ValueError:
        return now()


__all__ = ["SAVED_FILTERS", "router"]
