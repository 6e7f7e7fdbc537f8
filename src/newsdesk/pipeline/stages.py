"""The work stages every command shares, each one method over a batch of items (`Stage.process`):
extraction (which classifies the page type too), the hints of a feed or sitemap, and enrichment with
its failures isolated article by article. They are picklable, so an executor may run them in another
process; what they need of the world (settings, the enrichment to run) travels with them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from newsdesk.article import Article
from newsdesk.errors import NewsdeskError
from newsdesk.pipeline.loop import Failure, Item
from newsdesk.settings import Settings

# Enrichment is one call: `enrich(articles, settings)` fills the enrichment fields in place.
Enrich = Callable[[Sequence[Article], Settings], None]


@dataclass
class Extract:
    """Page -> Article (and its page type). Afterwards the page keeps its address and headers, not
    its bytes: what goes back to the keeping process is small."""

    settings: Settings

    def process(self, items: list[Item]) -> None:
        from newsdesk.extract import extract_page  # here: reading a batch output needs no extractor

        for item in items:
            page = item.page
            if page is None or item.article is not None:
                continue
            try:
                item.article = extract_page(page, self.settings)
            except NewsdeskError as error:
                item.failures.append(Failure(page.source, error.stage or "extract", error.reason))
            except Exception as error:  # one page's bug must not end a run over thousands
                item.failures.append(Failure(page.source, "extract", internal_error(error)))
            item.page = replace(page, content=b"")


class Hints:
    """The title and date a feed or news sitemap gave an entry, for the fields its page lacks
    (marked "listing" in `article.extraction`)."""

    def process(self, items: list[Item]) -> None:
        for item in items:
            if item.article is None:
                continue
            for name, value in item.hints.items():
                if not getattr(item.article, name):
                    setattr(item.article, name, value)
                    item.article.extraction[name] = "listing"


@dataclass
class EnrichStage:
    """Language, entities, quotations, topics and keywords of every live article; an article that
    cannot be enriched is kept without any of it (nothing half-filled), with its failure."""

    settings: Settings
    enrich: Enrich | None = None  # None: the project's enrichment (spaCy loaded once per process)

    def process(self, items: list[Item]) -> None:
        live = [item for item in items if item.live]
        articles = [item.article for item in live if item.article is not None]
        for position, reason in enrich_isolated(articles, self.settings, self.enrich).items():
            item = live[position]
            source = item.page.source if item.page else f"article {item.id}"
            item.failures.append(Failure(source, "enrich", reason))
        for item in live:
            item.enriched = bool(item.article and item.article.enrichment)


def enrich_isolated(articles: list[Article], settings: Settings,
                    enrich: Enrich | None = None) -> dict[int, str]:
    """Enrich in one batch; if that fails, one by one, so only the bad article goes without: its
    enrichment fields are emptied, whatever the failed call had filled in. Returns the failure of
    each article (by position) that could not be enriched."""
    if not articles:
        return {}
    enrich = enrich or default_enricher()
    try:
        enrich(articles, settings)
        return {}
    except Exception:  # isolated below, article by article
        pass
    failures = {}
    for position, article in enumerate(articles):
        try:
            enrich([article], settings)
        except Exception as error:
            article.entities, article.quotes, article.topics, article.keywords = [], [], [], []
            article.enrichment = {}
            failures[position] = internal_error(error)
    return failures


def default_enricher() -> Enrich:
    """The project's enrichment, imported only when a run asks for it (spaCy is loaded once per
    process, at its first article)."""
    from newsdesk.enrich import enrich_articles

    return enrich_articles


def internal_error(error: BaseException) -> str:
    if isinstance(error, NewsdeskError):
        return error.reason
    return f"internal error: {type(error).__name__}: {error}"
