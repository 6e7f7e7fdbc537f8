"""Online story clustering: each article joins the most similar story of the time window, or starts one.

An article is represented by its features (`features.Features`): words, entities (who), places (where)
and time marks (when). Each bag is weighted as the article arrives, by sublinear count times the inverse
document frequency *of the articles seen so far* (so the weights of an article never change afterwards,
and a rebuild over the same order of arrival gives exactly the same stories), then L2-normalised. A
story keeps the sum of its articles' vectors per bag (its centroid).

The similarity of an article to a story is a weighted mean of the cosines, bag by bag, between the
article and the story's centroid:

    sim = (W_WORDS*words + W_ENTITIES*entities + W_PLACES*places + W_TIMES*times) / (sum of weights used)

A bag that is empty on either side is left out of the mean (no place named is no evidence either way),
except that the words always count. The time bag decides between two similar events: "2008" against
"2013" pulls two earthquake reports apart however alike their words are. The article joins the story
with the highest similarity when it reaches THRESHOLD; ties go to the older story. Only stories whose
last article is within WINDOW of the article's date are candidates (articles without a date are
compared with every open story).

The weights and threshold were tuned on ECB+ topics 1-22 (benchmarks/stories.py) and are reported on
topics 23-35 held out.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newsdesk.stories.features import Features

BAGS = ("words", "entities", "places", "times")
WEIGHTS = {"words": 1.0, "entities": 0.5, "places": 0.25, "times": 0.1}
THRESHOLD = 0.25
WINDOW = timedelta(days=7)

Vector = dict[str, float]


@dataclass(slots=True)
class Story:
    id: int
    articles: list[Hashable] = field(default_factory=list)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    centroid: dict[str, Vector] = field(default_factory=dict)
    norms: dict[str, float] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    entity_counts: Counter[str] = field(default_factory=Counter)


class StoryClusterer:
    """Assigns articles to stories in order of arrival: `add(key, features, when)` returns the story."""

    def __init__(self, threshold: float = THRESHOLD, weights: dict[str, float] | None = None,
                 window: timedelta = WINDOW, linkage: str = "centroid") -> None:
        self.linkage = linkage
        self.threshold = threshold
        self.weights = dict(weights or WEIGHTS)
        self.window = window
        self.stories: list[Story] = []
        self._df: dict[str, Counter[str]] = {bag: Counter() for bag in BAGS}
        self._seen = 0
        self._index: dict[str, dict[str, set[int]]] = {bag: {} for bag in BAGS}  # term -> story ids

    def vectorise(self, features: Features) -> dict[str, Vector]:
        """The article's weighted, normalised bags; the document frequencies are updated first."""
        self._seen += 1
        vectors: dict[str, Vector] = {}
        for bag in BAGS:
            counts: Counter[str] = getattr(features, bag)
            df = self._df[bag]
            df.update(counts.keys())
            vector = {term: (1 + math.log(count)) * math.log((self._seen + 1) / (df[term] + 0.5))
                      for term, count in counts.items() if count > 0}
            norm = math.sqrt(sum(v * v for v in vector.values()))
            vectors[bag] = {t: v / norm for t, v in vector.items()} if norm else {}
        return vectors

    def add(self, key: Hashable, features: Features, when: datetime | None = None) -> Story:
        vectors = self.vectorise(features)
        best, best_sim = None, self.threshold
        for story_id in sorted(self._candidates(vectors)):
            story = self.stories[story_id]
            if when is not None and story.last_seen is not None and abs(when - story.last_seen) > self.window:
                continue
            sim = self.similarity(vectors, story)
            if sim >= best_sim and (best is None or sim > best_sim):
                best, best_sim = story, sim
        if best is None:
            best = Story(len(self.stories))
            self.stories.append(best)
        self._join(best, key, vectors, when, features)
        return best

    def similarity(self, vectors: dict[str, Vector], story: Story) -> float:
        total = used = 0.0
        for bag in BAGS:
            vector, centroid = vectors[bag], story.centroid.get(bag)
            if bag != "words" and (not vector or not centroid):
                continue
            weight = self.weights[bag]
            if not weight:
                continue
            used += weight
            if vector and centroid:
                dot = sum(v * centroid.get(t, 0.0) for t, v in vector.items())
                total += weight * dot / (story.norms[bag] if self.linkage == "centroid"
                                         else story.counts[bag])
        return total / used if used else 0.0

    def _candidates(self, vectors: dict[str, Vector]) -> set[int]:
        found: set[int] = set()
        for bag in ("words", "entities", "places"):
            index = self._index[bag]
            for term in vectors[bag]:
                found.update(index.get(term, ()))
        return found

    def _join(self, story: Story, key: Hashable, vectors: dict[str, Vector], when: datetime | None,
              features: Features) -> None:
        story.articles.append(key)
        if when is not None:
            story.first_seen = when if story.first_seen is None else min(story.first_seen, when)
            story.last_seen = when if story.last_seen is None else max(story.last_seen, when)
        for bag, vector in vectors.items():
            centroid = story.centroid.setdefault(bag, {})
            index = self._index[bag]
            for term, value in vector.items():
                if term not in centroid:
                    index.setdefault(term, set()).add(story.id)
                centroid[term] = centroid.get(term, 0.0) + value
            if vector:
                story.counts[bag] += 1
            if centroid:
                story.norms[bag] = math.sqrt(sum(v * v for v in centroid.values()))
        story.entity_counts.update(features.entities)
        story.entity_counts.update(features.places)

    # --- Added for the stories kept in the store (newsdesk.stories.persist, the `persist` branch): the
    # --- online tracker's state must stay bounded. Only this method; nothing above it changed.

    def forget(self, before: datetime) -> list[Story]:
        """Close every story whose last article is older than `before`: it leaves the candidate set and
        its centroid is freed (it keeps its id, its place in `stories` and its articles). Returns the
        stories closed now. Stories without a date stay open."""
        closed = [story for story in self.stories
                  if story.centroid and story.last_seen is not None and story.last_seen < before]
        for story in closed:
            for bag, centroid in story.centroid.items():
                index = self._index[bag]
                for term in centroid:
                    ids = index.get(term)
                    if ids is not None:
                        ids.discard(story.id)
                        if not ids:
                            del index[term]
            story.centroid = {}
            story.norms = {}
            story.entity_counts = Counter()
        return closed
