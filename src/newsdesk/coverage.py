"""Attention over time: how many stored articles match each of up to five searches per day, week or
month, and their share of all stored articles in the same period (`newsdesk coverage`,
`/api/coverage`, the desk's Coverage page and the charts of the search, entity, story and source pages).

Nothing is cut: the buckets run from the earliest to the latest matching date (or over the range
asked), every matching dated article is in one of them, and a range with more than `MAX_BUCKETS`
buckets of the interval asked is counted by the next longer interval (day, week, month), with a note
saying so. The SQL stores count by day themselves (`published_days`), reading no article; the memory
store is read article by article (all of them: it is small by nature).
"""

from __future__ import annotations

import csv
import functools
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal

from newsdesk.errors import QueryError
from newsdesk.store import SearchRequest, Store

Interval = Literal["day", "week", "month"]
INTERVALS: tuple[Interval, ...] = ("day", "week", "month")
MAX_BUCKETS = 750  # buckets of one chart (two years of days, 14 of weeks); a longer range moves up
MAX_SERIES = 5

# The filters a series may carry (SearchRequest's fields), as the API and the pages name them.
FILTER_NAMES = {"q": "query", "site": "site", "since": "since", "until": "until", "author": "author",
                "language": "language", "entity": "entity", "speaker": "speaker", "topic": "topic",
                "page_type": "page_type", "input": "input"}
# Old names a series still accepts, until the next release (CHANGELOG.md): `source` is now `site`.
DEPRECATED_NAMES = {"source": "site"}


@functools.lru_cache(maxsize=1 << 16)
def bucket_of(published: str | None, interval: Interval) -> str | None:
    """The bucket (its first day, YYYY-MM-DD) of a published date: the day, the Monday of its ISO week
    or the first of its month; None when the date is missing or unparsable. Kept for the last 65,536
    dates asked: a chart over ten years asks it of the same ~3,600 days four times a series, which was
    most of the CPU of a coverage count in this process once the store counted the days (1,000,000
    articles on PostgreSQL: 13,400 calls, ~10 of the ~15 ms)."""
    if not published or len(published) < 10:
        return None
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return None
    return start_of(day, interval).isoformat()


def start_of(day: date, interval: Interval) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def next_start(day: date, interval: Interval) -> date:
    if interval == "month":
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return day + timedelta(days=7 if interval == "week" else 1)


def starts(first: date, last: date, interval: Interval) -> list[str]:
    """Every bucket from the one holding `first` to the one holding `last`."""
    found = []
    day = start_of(first, interval)
    while day <= last:
        found.append(day.isoformat())
        if day.year >= 9999 and day.month == 12:
            break
        day = next_start(day, interval)
    return found


def bucket_count(first: date, last: date, interval: Interval) -> int:
    first, last = start_of(first, interval), start_of(last, interval)
    if interval == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return (last - first).days // (7 if interval == "week" else 1) + 1


def fitting(first: date, last: date, interval: Interval) -> tuple[Interval, str | None]:
    """The interval asked, or the next longer one when the range has more than MAX_BUCKETS buckets of
    it (months always fit: a month bar per month however long), with the note saying why."""
    chosen = interval
    while chosen != "month" and bucket_count(first, last, chosen) > MAX_BUCKETS:
        chosen = INTERVALS[INTERVALS.index(chosen) + 1]
    if chosen == interval:
        return chosen, None
    return chosen, (f"{first.isoformat()} to {last.isoformat()} is {bucket_count(first, last, interval):,} "
                    f"{interval}s, over the {MAX_BUCKETS} bars a chart shows: counted by {chosen} instead")


@dataclass
class Series:
    """One search of a comparison: its label, the request and what it counted per bucket."""

    label: str
    request: SearchRequest
    counts: list[int] = field(default_factory=list)
    shares: list[float | None] = field(default_factory=list)
    total: int = 0  # dated matching articles (the sum of counts)
    undated: int = 0  # matching articles without a usable published date
    partial: bool = False

    def out(self) -> dict[str, Any]:
        return {"label": self.label, "filters": filters_of(self.request), "total": self.total,
                "undated": self.undated, "counts": self.counts, "shares": self.shares,
                "partial": self.partial}


def filters_of(request: SearchRequest) -> dict[str, Any]:
    """The filters of a request as the API names them (only those given)."""
    values = asdict(request)
    found: dict[str, Any] = {name: values[field] for name, field in FILTER_NAMES.items() if values[field]}
    if request.fold_duplicates:
        found["fold_duplicates"] = True
    return found


def label_of(request: SearchRequest) -> str:
    """A short label: the query (or "all articles") and the filters beside it."""
    parts = [request.query or "all articles"]
    parts += [f"{name} {value}" for name, value in filters_of(request).items()
              if name not in ("q", "fold_duplicates")]
    return ", ".join(str(part) for part in parts)


def day_counts(store: Store, request: SearchRequest) -> tuple[Counter[str], int]:
    """Matching articles per day published (YYYY-MM-DD) and how many have no usable date."""
    counts: Counter[str] = Counter()
    undated = 0
    by_day = getattr(store, "published_days", None)
    if by_day is not None:  # the SQL stores count by day themselves: every match, none read
        pairs: Iterable[tuple[str, int]] = by_day(replace(request, cursor=None))
    else:
        pairs = ((stored.article.published or "", 1)
                 for stored in store.iter_articles(replace(request, cursor=None, sort="date")))
    for day, count in pairs:
        if bucket_of(day, "day") is None:
            undated += count
        else:
            counts[day[:10]] += count
    return counts, undated


def _bound(value: str | None, last: bool) -> date | None:
    """The first (or last) day a since/until filter admits ("2024-10" until: 2024-10-31)."""
    if not value:
        return None
    try:
        if len(value) >= 10:
            return date.fromisoformat(value[:10])
        if len(value) == 7:
            first = date(int(value[:4]), int(value[5:7]), 1)
            return next_start(first, "month") - timedelta(days=1) if last else first
        return date(int(value[:4]), 12, 31) if last else date(int(value[:4]), 1, 1)
    except ValueError:
        return None


def compare(store: Store, series: list[tuple[str | None, SearchRequest]], interval: Interval = "week",
            totals: Counter[str] | None = None) -> dict[str, Any]:
    """Up to MAX_SERIES searches counted per bucket over one range, with their share of all stored
    articles per bucket. The range runs from the earliest to the latest matching date of any series,
    widened to the since/until every series was given; `totals` are all articles per day when the
    caller has them already (the desk keeps them)."""
    if not series:
        raise QueryError("give at least one search to count", stage="search")
    if len(series) > MAX_SERIES:
        raise QueryError(f"at most {MAX_SERIES} searches can be compared, not {len(series)}", stage="search")
    counted = [(Series(label or label_of(request), request), *day_counts(store, request))
               for label, request in series]
    if totals is None:
        totals, _ = day_counts(store, SearchRequest())
    days = [date.fromisoformat(day) for _, counts, _ in counted for day in counts]
    since = [_bound(request.since, False) for _, request in series]
    until = [_bound(request.until, True) for _, request in series]
    if all(since):
        days.append(min(day for day in since if day))
    if all(until):
        days.append(max(day for day in until if day))
    chosen, note = (interval, None)
    keys: list[str] = []
    if days:
        first, last = min(days), max(days)
        chosen, note = fitting(first, last, interval)
        keys = starts(first, last, chosen)
    all_counts = _rebucket(totals, chosen)
    everything = [all_counts.get(key, 0) for key in keys]
    out = []
    for item, counts, undated in counted:
        buckets = _rebucket(counts, chosen)
        item.counts = [buckets.get(key, 0) for key in keys]
        item.shares = [round(count / whole, 6) if whole else None
                       for count, whole in zip(item.counts, everything, strict=True)]
        item.total, item.undated = sum(item.counts), undated
        out.append(item.out())
    return {"interval": chosen, "asked_interval": interval, "note": note, "starts": keys,
            "all": everything, "series": out}


def _rebucket(counts: Counter[str], interval: Interval) -> Counter[str]:
    found: Counter[str] = Counter()
    for day, count in counts.items():
        key = bucket_of(day, interval)
        if key is not None:
            found[key] += count
    return found


def fill(counts: Counter[str], interval: Interval) -> tuple[Interval, str | None, list[dict[str, Any]]]:
    """Counts already made per bucket start of `interval` (or per day), spread over every bucket from
    the first to the last, moving up an interval when they are too many; nothing is dropped."""
    if not counts:
        return interval, None, []
    first, last = date.fromisoformat(min(counts)), date.fromisoformat(max(counts))
    chosen, note = fitting(first, last, interval)
    buckets = _rebucket(counts, chosen)
    return chosen, note, [{"start": key, "count": buckets.get(key, 0)} for key in starts(first, last, chosen)]


CSV_COLUMNS = ["series", "label", "start", "count", "all_articles", "share"]


def rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per series and bucket (the CSV's rows): series number (1-based), label, bucket start,
    matching articles, all stored articles in the bucket, and the share (empty when none are stored)."""
    found = []
    for number, item in enumerate(result["series"], 1):
        for start, count, whole, share in zip(result["starts"], item["counts"], result["all"], item["shares"],
                                              strict=True):
            found.append({"series": number, "label": item["label"], "start": start, "count": count,
                          "all_articles": whole, "share": "" if share is None else share})
    return found


def to_csv(result: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(result))
    return buffer.getvalue()


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, indent=1)


def parse_series(text: str, defaults: SearchRequest | None = None,
                 store: Store | None = None) -> tuple[str | None, SearchRequest]:
    """A series written as a URL query string of filters (`q=nato&site=ledger&label=NATO`), each
    filter given over `defaults`; QueryError for an unknown name or a date that is not one. With the
    `store`, `collection=NAME` narrows the series to the sites of that source collection."""
    from urllib.parse import parse_qsl

    from newsdesk.page_types import PAGE_TYPES, UNKNOWN
    from newsdesk.search.dates import check_date
    from newsdesk.search.tokens import tokens

    request = defaults or SearchRequest()
    label = None
    changes: dict[str, Any] = {}
    for name, value in parse_qsl(text, keep_blank_values=True, max_num_fields=20):
        value = value.strip()
        name = DEPRECATED_NAMES.get(name, name)
        if name == "label":
            label = value[:100] or None
        elif name in ("since", "until"):
            changes[name] = check_date(value, name) if value else None
        elif name == "collection" and store is not None:
            if value:
                from newsdesk.store.desk import with_collection

                changes["sites"] = with_collection(store, SearchRequest(), value).sites
        elif name == "fold_duplicates":
            changes[name] = value.lower() in ("1", "true", "yes", "on")
        elif name in FILTER_NAMES:
            if len(value) > 1000:
                raise QueryError(f"the {name} of a series is over 1000 characters", stage="search")
            if name == "page_type" and value and value not in (*PAGE_TYPES, UNKNOWN):
                raise QueryError(f"no page type {value[:40]!r} (one of {', '.join(PAGE_TYPES)}, {UNKNOWN})",
                                 stage="search")
            if name in ("entity", "speaker", "topic") and value and not tokens(value):
                raise QueryError(f"the {name} filter {value[:60]!r} has no letter or digit", stage="search")
            changes[FILTER_NAMES[name]] = value or None
        else:
            raise QueryError(f"a series takes {', '.join(FILTER_NAMES)}, collection, label and "
                             f"fold_duplicates, not {name[:40]!r}", stage="search")
    return label, replace(request, **changes)
