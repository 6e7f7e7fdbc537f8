"""The roundup: a period's stories grouped by topic, most widely covered first, duplicates folded.

    >>> roundup = build_stored_roundup(stored, store)  # the groups and stories kept in the store
    >>> roundup = build_roundup(articles)             # or recomputed, in order of publication
    >>> print(render(roundup, "markdown"))           # or "html", "rss", "json"

With a store whose articles all have their duplicate group and story (`newsdesk.stories.persist`), the
roundup takes them from there: the period's articles of one story are one item, the copies of one
report folded into the earliest of them. Otherwise they are recomputed for the period: articles are
taken in order of publication, copies of one report (`DuplicateIndex`) are folded into their earliest
copy, and the rest go through the story tracker. Each story is one item:
its headline and link are those of its earliest article, its sources every site that carried it (copies
included), its summary the lead sentence of that article (or its description): text from the article,
never written here.

Topic of a story: the `Article.topics` its articles carry (enrichment), the best score summed over the
story; when no article has topics, the section of the URL (`/politics/...` is Politics), else the
article's first tag, else "Other". Headings come in one language, that of most of the roundup's
articles: a section or tag only of an article in it, enrichment's topic names (English) only in an
English roundup; a story with neither is under "Other". Items are ordered by the number of sources,
then of articles; topics by the number of sources of their stories.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import cast
from urllib.parse import urlparse
from xml.etree import ElementTree as ET

from newsdesk.article import Article
from newsdesk.exports import http_url, markdown_link, markdown_text
from newsdesk.store.base import Store, StoredArticle
from newsdesk.store.rows import site_of as store_site_of
from newsdesk.store.rows import story_source
from newsdesk.stories.duplicates import DuplicateIndex
from newsdesk.stories.tracker import StoryTracker, published_at
from newsdesk.text import host_of

SENTENCE_END = re.compile(r"[.!?][\"”’)]?(?=\s+[\"“‘(]?[A-Z0-9])")
# Words after which a full stop does not end a sentence ("Mr. Smith", "U.S. officials").
ABBREVIATION = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|Gen|Sen|Rep|Gov|Jr|Sr|No|Inc|Co|Corp|Ltd|vs)|"
                          r"\b[A-Z](?:\.[A-Z])*)$")
SECTION = re.compile(r"^[a-z][a-z-]{2,30}$")
NOT_SECTIONS = frozenset({"news", "article", "articles", "story", "stories", "www", "amp", "en", "index"})


@dataclass
class RoundupItem:
    headline: str
    url: str | None
    summary: str
    sources: list[str]
    articles: int
    first_seen: str | None
    topic: str
    copies: list[str] = field(default_factory=list)  # URLs of folded duplicates


@dataclass
class RoundupSection:
    topic: str
    items: list[RoundupItem]


@dataclass
class Roundup:
    title: str
    sections: list[RoundupSection]


def lead_sentence(article: Article) -> str:
    """The article's first sentence (its description when the body has none): never invented text."""
    for text in (article.body, article.description or ""):
        paragraph = next((p.strip() for p in text.split("\n") if p.strip()), "")
        if paragraph:
            for match in SENTENCE_END.finditer(paragraph):
                if match.group().startswith(".") and ABBREVIATION.search(paragraph[: match.start()]):
                    continue
                return paragraph[: match.end()].strip()
            return paragraph
    return ""


def site_of(article: Article) -> str:
    """The source as the store counts it for a story (its site name, else its host, else the archive
    or folder it was read from: `newsdesk.store.rows.story_source`)."""
    return story_source(store_site_of(article), article.source) or "unknown source"


def section_topic(article: Article) -> str | None:
    """The best topic signal short of enrichment: the URL's section, else the first tag."""
    url = article.canonical_url or article.url or ""
    parts = [p for p in urlparse(url).path.split("/") if p]
    for part in parts[:-1]:
        if SECTION.match(part) and part not in NOT_SECTIONS:
            return part.replace("-", " ").capitalize()
    return article.tags[0][:1].upper() + article.tags[0][1:] if article.tags else None


TOPIC_LANGUAGE = "en"  # the language of enrichment's topic names (the lexicon is English: enrich/topics.py)


def language_of(article: Article) -> str | None:
    """The article's language as a primary subtag ("en-GB" is "en"); None when unknown."""
    language = (article.language or "").strip().replace("_", "-").split("-")[0].casefold()
    return language or None


def roundup_language(articles: Iterable[Article]) -> str | None:
    """The language most of the articles are in (ties: the first in alphabetical order); None when no
    article's language is known."""
    counts = Counter(language for article in articles if (language := language_of(article)))
    return min(counts, key=lambda language: (-counts[language], language)) if counts else None


def story_topic(articles: list[Article], language: str | None = None) -> str:
    """The topic of a story: enrichment topics when present (scores summed), else the section vote.

    With the roundup's `language`, the heading is one written in it: a URL section or a tag only of an
    article in that language (or of unknown language), enrichment's topic names (English) only when it
    is English, else "Other", so that one roundup's headings never mix languages."""
    def speaks(article: Article) -> bool:
        return language is None or language_of(article) in (None, language)

    scores: dict[str, float] = {}
    if language in (None, TOPIC_LANGUAGE):
        for article in articles:
            for topic in article.topics:
                scores[topic.name] = scores.get(topic.name, 0.0) + topic.score
    if scores:
        best = max(sorted(scores), key=lambda name: scores[name])
        return best[:1].upper() + best[1:]  # "Economy, business and finance", as sections are written
    sections = Counter(t for a in articles if speaks(a) and (t := section_topic(a)))
    return max(sorted(sections), key=lambda name: sections[name]) if sections else "Other"


def build_roundup(articles: Iterable[Article], *, title: str = "News roundup",
                  topics: Iterable[str] | None = None, sources: Iterable[str] | None = None,
                  tracker: StoryTracker | None = None, every_page: bool = False) -> Roundup:
    """The roundup of `articles`, their duplicates and stories recomputed here (in order of publication).
    A page that is not an article is in no story: it is left out, or an item of its own with
    `every_page` (`newsdesk roundup --all-pages`)."""
    chosen = _chosen(articles, sources)
    duplicates = DuplicateIndex()
    copies: dict[int, list[Article]] = {}
    originals: list[tuple[int, Article]] = []
    for number, article in enumerate(chosen):
        match = duplicates.add(number, article.body)
        if match is None:
            originals.append((number, article))
            copies[number] = []
        else:
            copies[cast(int, match.group)].append(article)
    tracker = tracker or StoryTracker()
    by_story: dict[int, list[int]] = {}
    for (number, _), story in zip(originals, tracker.add_many(originals), strict=True):
        if story is not None:
            by_story.setdefault(story.id, []).append(number)
        elif every_page:  # a page that is not an article: an item of its own
            by_story[-1 - number] = [number]
    return _roundup(title, chosen, list(by_story.values()), copies, topics)


def build_stored_roundup(stored: Iterable[StoredArticle], store: Store, *, title: str = "News roundup",
                         topics: Iterable[str] | None = None,
                         sources: Iterable[str] | None = None, every_page: bool = False) -> Roundup | None:
    """The roundup of stored articles after the duplicate groups and stories kept in the store: the
    period's copies of one report folded into its earliest copy of the period, the period's articles of
    one story in one item. None when an article is in no group or story yet (`build_roundup` then).
    Pages that are not articles (in no story) are left out, or items of their own with `every_page`."""
    by_article = {item.id: item for item in stored}
    chosen = _chosen([item.article for item in by_article.values()], sources)
    ids = {id(item.article): item.id for item in by_article.values()}
    placed = store.placements([ids[id(article)] for article in chosen])
    copies: dict[int, list[Article]] = {}
    leads: dict[int, int] = {}  # duplicate group -> its first chosen article (number)
    by_story: dict[int, list[int]] = {}
    for number, article in enumerate(chosen):
        place = placed.get(ids[id(article)])
        if place is None:
            return None
        group, story = place
        if story is None:  # not an article: in no story, so in no roundup unless every page is asked for
            if not every_page:
                continue
            story = -1 - number
        lead = leads.setdefault(group, number)
        if lead == number:
            copies[number] = []
            by_story.setdefault(story, []).append(number)
        else:
            copies[lead].append(article)
    return _roundup(title, chosen, list(by_story.values()), copies, topics)


def _chosen(articles: Iterable[Article], sources: Iterable[str] | None) -> list[Article]:
    """The articles in order of publication, of the `sources` asked for."""
    def order(article: Article) -> tuple[str, str]:
        return (article.published or "", article.canonical_url or article.url or article.source or "")

    chosen = sorted(articles, key=order)
    if sources:
        wanted = {s.casefold() for s in sources}
        chosen = [a for a in chosen if site_of(a).casefold() in wanted
                  or host_of(a.canonical_url or a.url) in wanted]
    return chosen


def _roundup(title: str, chosen: list[Article], stories: list[list[int]], copies: dict[int, list[Article]],
             topics: Iterable[str] | None) -> Roundup:
    """The roundup of stories given as the numbers (in `chosen`) of their articles that copy no other,
    each with its `copies`."""
    items: list[RoundupItem] = []
    newest: dict[int, str] = {}  # id of an item -> the newest publication date of its articles
    # Every heading in the language of most of the roundup's articles (copies included).
    language = roundup_language(a for numbers in stories for n in numbers for a in (chosen[n], *copies[n]))
    for numbers in stories:
        first = chosen[numbers[0]]
        everything = [a for n in numbers for a in (chosen[n], *copies[n])]
        newest_date = max((a.published for a in everything if a.published), default="")
        seen_sources = list(dict.fromkeys(site_of(a) for a in everything))
        items.append(RoundupItem(
            headline=first.title or lead_sentence(first)[:120] or "(untitled)",
            url=first.canonical_url or first.url, summary=lead_sentence(first), sources=seen_sources,
            articles=len(numbers), first_seen=first.published, topic=story_topic(everything, language),
            copies=[u for n in numbers for a in copies[n] if (u := a.canonical_url or a.url)]))
        newest[id(items[-1])] = newest_date
    if topics:
        # A topic is asked for by its name or by any of its words ("business" is "Economy, business
        # and finance").
        wanted = {t.casefold().strip() for t in topics}
        items = [item for item in items if item.topic.casefold() in wanted
                 or wanted & set(re.findall(r"\w+", item.topic.casefold()))]
    # As the stories are ranked everywhere (newsdesk.store.groups.coverage_key): sources, articles,
    # then the most recent (the newest article of the item), then the headline.
    items.sort(key=lambda i: (-len(i.sources), -i.articles, _recency(newest.get(id(i), "")), i.headline))
    sections: dict[str, list[RoundupItem]] = {}
    for item in items:
        sections.setdefault(item.topic, []).append(item)
    ordered = sorted(sections.items(), key=lambda kv: (-sum(len(i.sources) for i in kv[1]), kv[0]))
    return Roundup(title, [RoundupSection(topic, group) for topic, group in ordered])


def _recency(published: str) -> tuple[bool, list[int]]:
    """Sorts the newest date first, undated last."""
    return (not published, [-ord(ch) for ch in published] + [1])


NO_LINK = "https://example.invalid/"  # the RSS channel's link when no base URL was given


def roundup_link(base_url: str, day: str | None) -> str | None:
    """The desk's roundup page under `base_url` (the day's when given), or None when it is no http(s) URL."""
    base = http_url(base_url.strip())
    if base is None:
        return None
    from urllib.parse import urlencode, urljoin

    return urljoin(base if base.endswith("/") else base + "/", "roundup") + (
        "?" + urlencode({"date": day}) if day else "")


def item_guid(item: RoundupItem) -> str:
    """A stable id for an item without a URL: the same story gives the same id in every run."""
    import hashlib

    key = "\n".join([item.headline, item.first_seen or "", *item.sources])
    return "newsdesk-roundup-" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def render(roundup: Roundup, fmt: str, *, link: str = NO_LINK) -> str:
    if fmt == "json":
        return json.dumps(asdict(roundup), ensure_ascii=False, indent=2) + "\n"
    if fmt == "markdown":
        return _markdown(roundup)
    if fmt == "html":
        return _html(roundup)
    if fmt == "rss":
        return _rss(roundup, link)
    raise ValueError(f"unknown roundup format {fmt!r}: markdown, html, rss or json")


def _markdown(roundup: Roundup) -> str:
    """Every text escaped and every link an http(s) one with its target encoded (`newsdesk.exports`):
    the articles' titles and URLs come from the pages, and a page may be hostile."""
    lines = [f"# {markdown_text(roundup.title)}", ""]
    for section in roundup.sections:
        lines += [f"## {markdown_text(section.topic)}", ""]
        for item in section.items:
            headline = markdown_link(item.headline, item.url)
            lines.append(f"- **{headline}** — {markdown_text(item.summary)} "
                         f"*({markdown_text(', '.join(item.sources))})*")
        lines.append("")
    return "\n".join(lines)


STYLE_BODY = "margin:0;padding:16px;background:#ffffff;color:#222222;font-family:Georgia,serif;"
STYLE_H1 = "font-size:24px;margin:0 0 16px 0;"
STYLE_H2 = "font-size:18px;margin:24px 0 8px 0;border-bottom:1px solid #dddddd;"
STYLE_LINK = "color:#1a4e8a;text-decoration:none;font-weight:bold;"
STYLE_SOURCES = "color:#666666;font-size:13px;"


def _html(roundup: Roundup) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f"<title>{e(roundup.title)}</title>", "</head>", f'<body style="{STYLE_BODY}">',
             f'<h1 style="{STYLE_H1}">{e(roundup.title)}</h1>']
    for section in roundup.sections:
        parts.append(f'<h2 style="{STYLE_H2}">{e(section.topic)}</h2>')
        parts.append('<ul style="padding-left:18px;margin:0;">')
        for item in section.items:
            url = http_url(item.url)
            headline = (f'<a href="{e(url)}" style="{STYLE_LINK}">{e(item.headline)}</a>' if url
                        else f"<strong>{e(item.headline)}</strong>")
            parts.append(f'<li style="margin:0 0 12px 0;">{headline}<br>{e(item.summary)} '
                         f'<span style="{STYLE_SOURCES}">({e(", ".join(item.sources))})</span></li>')
        parts.append("</ul>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _rss(roundup: Roundup, link: str) -> str:
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = roundup.title
    channel_link = http_url(link) or NO_LINK
    ET.SubElement(channel, "link").text = channel_link
    ET.SubElement(channel, "description").text = f"{roundup.title}: stories grouped by topic"
    for section in roundup.sections:
        for item in section.items:
            node = ET.SubElement(channel, "item")
            ET.SubElement(node, "title").text = item.headline
            if url := http_url(item.url):
                ET.SubElement(node, "link").text = url
                ET.SubElement(node, "guid", isPermaLink="true").text = url
            else:  # a page read from a file: the roundup's page, and an id of its own
                guid = item_guid(item)
                ET.SubElement(node, "link").text = f"{channel_link.split('#')[0]}#{guid}"
                ET.SubElement(node, "guid", isPermaLink="false").text = guid
            ET.SubElement(node, "description").text = f"{item.summary} ({', '.join(item.sources)})"
            ET.SubElement(node, "category").text = section.topic
            if item.first_seen and (when := published_at(Article(published=item.first_seen))):
                ET.SubElement(node, "pubDate").text = format_datetime(when.replace(tzinfo=UTC))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(rss, encoding="unicode") + "\n"


def today() -> str:
    return datetime.now(UTC).date().isoformat()
