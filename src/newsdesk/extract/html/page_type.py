"""What kind of page this is: article, listing, collection, forum, product, documentation or service.

A page is described by a fixed vector of numbers read from its HTML and URL
(`page_reading.page_features`): counts and shares of elements (links, paragraphs, list items, forms and
inputs, code blocks, tables, ...), how often its most common `class` value repeats (the cards of a
listing, the posts of a thread), words of its `class`/`id` attributes and of its visible text from small
multilingual vocabularies (cart and price words, reply and thread words, API and install words, ...),
prices, dates, the schema.org types it declares (JSON-LD and microdata, as groups and the commonest types
on their own), its `og:type`, the software named in it, the tokens and shape of its URL path and the words
of its host name (forum., docs., shop., ...). Where the page's links go tells a listing from an article
and a thread from a shop: the share of its links that are fragments, stay on the site, look dated or like
long article slugs, or point at products, categories, user profiles, tags, threads or documentation. The
words of the title and of the h1-h4 headings count by group (service, listing, documentation, forum,
product, collection and article words, several languages), as do the telephone numbers of the text, the
add-to-cart, pagination and breadcrumb markers, the code blocks and the question headings. Every feature
is a regular-expression or substring count over the markup or the text, or a C-level call on the parsed
tree.

The repeated parts of the page count by what their class names say they hold (product cards,
posts, generic cards, comments). Beside the features, the page's words go into a hashed bag
(`Reading.words`: the words of the URL, host, title, headings, h1, text and class names, crc32-hashed
into `WORD_BUCKETS` buckets), which a linear word model (`WordModel`, fitted with scikit-learn's
SGDClassifier) turns into a probability for each type. Gradient-boosted trees (fitted with LightGBM
by `python -m newsdesk.extract.html.train_page_type`, on out-of-fold word probabilities) turn the
features and the word probabilities into a probability for each type. Both models ship as package
data (`data/page_type.json.gz`: versioned, with the feature names they were fitted on) and are
evaluated here with numpy, every tree at once, so extraction imports neither scikit-learn nor
LightGBM for them. The model is read on first use and kept.

Pages already flattened to text (`extract_text`) get no page type: the model reads markup, and a text
page has none. Their `page_type` stays None and `extraction["page_type"]` says why; the desk treats
None as "not known to be anything but an article".
"""

from __future__ import annotations

import gzip
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from selectolax.lexbor import LexborHTMLParser

from newsdesk.article import Article
from newsdesk.errors import ExtractionError
from newsdesk.extract.html.page_reading import (
    FEATURE_NAMES,
    STACKED_NAMES,
    WORD_BUCKETS,
    Reading,
    page_features,
    read_page,
)
from newsdesk.extract.html.trees import Trees
from newsdesk.page_types import PAGE_TYPES, is_article

__all__ = ["FEATURE_NAMES", "MODEL_PATH", "PAGE_TYPES", "STACKED_NAMES", "WORD_BUCKETS", "PageType",
           "PageTypeModel", "Reading", "TreeModel", "WordModel", "classify_page", "is_article",
           "mark_text_page", "model", "page_features", "read_page"]

MODEL_PATH = Path(__file__).resolve().parent / "data" / "page_type.json.gz"
MODEL_FORMAT = 2  # 2: a word model's probabilities join the features of the trees
METHOD = "gbdt"
TEXT_PAGE_REASON = "none:text-page"


@dataclass(frozen=True)
class WordModel:
    """A linear model over the hashed bag of words (`Reading.words`): one weight per bucket and type
    and an intercept per type; each type's score goes through the logistic function and the scores
    are scaled to sum to 1 (scikit-learn's SGDClassifier with the log loss, one type against the rest)."""

    labels: tuple[str, ...]
    weights: npt.NDArray[np.float64]  # labels x WORD_BUCKETS
    intercepts: npt.NDArray[np.float64]

    def probabilities(self, words: dict[int, float]) -> npt.NDArray[np.float64]:
        buckets = np.fromiter(words.keys(), dtype=np.int64, count=len(words))
        values = np.fromiter(words.values(), dtype=np.float64, count=len(words))
        scores = self.weights[:, buckets] @ values + self.intercepts
        odds = 1.0 / (1.0 + np.exp(-np.clip(scores, -500.0, 500.0)))
        total = float(odds.sum())
        if not total > 0:  # every score hugely negative: no type is preferred
            return np.full(len(self.labels), 1.0 / len(self.labels))
        return np.asarray(odds / total, dtype=np.float64)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WordModel:
        weights = np.asarray(data["weights"], dtype=np.float64)
        if data.get("buckets") != WORD_BUCKETS or weights.shape != (len(data["labels"]), WORD_BUCKETS):
            raise ValueError("the word model was fitted on another hashing than this code's: rerun "
                             "python -m newsdesk.extract.html.train_page_type")
        return cls(tuple(data["labels"]), weights, np.asarray(data["intercepts"], dtype=np.float64))


class TreeModel(Trees):
    """The page-type classifier's trees (`trees.Trees`), checked against this code's features: the
    page features and the word model's probabilities (`STACKED_NAMES`)."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TreeModel:
        return cls.of(data, MODEL_FORMAT, STACKED_NAMES, "python -m newsdesk.extract.html.train_page_type")


@dataclass(frozen=True)
class PageTypeModel:
    """The shipped classifier: the word model, whose probabilities join the page features, and the
    trees over both."""

    words: WordModel
    trees: TreeModel

    @property
    def labels(self) -> tuple[str, ...]:
        return self.trees.labels

    @property
    def version(self) -> str:
        return self.trees.version

    def probabilities(self, reading: Reading) -> npt.NDArray[np.float64]:
        stacked = reading.features + self.words.probabilities(reading.words).tolist()
        return self.trees.probabilities(stacked)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PageTypeModel:
        words = WordModel.from_dict(data["words"])
        if words.labels != tuple(data["labels"]):
            raise ValueError("the word model and the trees name other types")
        return cls(words, TreeModel.from_dict(data))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> PageTypeModel:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return cls.from_dict(json.load(handle))


_models: dict[str, PageTypeModel] = {}
_model_lock = threading.Lock()


def model(path: str = "") -> PageTypeModel:
    """The model at `path` ("": the shipped one; `Settings.page_type_model`), read on first use and
    kept for the life of the process."""
    key = path or str(MODEL_PATH)
    found = _models.get(key)
    if found is None:
        with _model_lock:
            found = _models.get(key)
            if found is None:
                try:
                    found = _models[key] = PageTypeModel.load(Path(key))
                except (OSError, ValueError, KeyError) as exc:
                    raise ExtractionError(f"page-type model {key} cannot be read: {exc}",
                                          stage="extract") from exc
    return found


@dataclass(frozen=True)
class PageType:
    page_type: str
    probability: float
    method: str
    # Every type's probability, in PAGE_TYPES order: page columns of the body model (blocks.py).
    probabilities: tuple[float, ...] = ()

    def fill(self, article: Article) -> None:
        article.page_type = self.page_type
        article.page_type_probability = self.probability
        article.extraction["page_type"] = self.method


def classify_page(html: str, url: str | None, tree: LexborHTMLParser, path: str = "") -> PageType:
    """The most probable page type of a parsed HTML page, with its probability and every type's, by
    the model at `path` ("": the shipped one)."""
    fitted = model(path)
    probabilities = fitted.probabilities(read_page(html, url, tree))
    best = int(np.argmax(probabilities))
    by_label = dict(zip(fitted.labels, probabilities.tolist(), strict=True))
    return PageType(fitted.labels[best], round(float(probabilities[best]), 4), f"{METHOD}:{fitted.version}",
                    tuple(float(by_label.get(kind, 0.0)) for kind in PAGE_TYPES))


def mark_text_page(article: Article) -> None:
    """A page already flattened to text has no markup for the model to read: no page type."""
    article.page_type = None
    article.page_type_probability = None
    article.extraction["page_type"] = TEXT_PAGE_REASON
