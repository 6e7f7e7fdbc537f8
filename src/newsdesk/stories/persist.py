"""Duplicate groups and stories kept in the store, as articles arrive (see docs/stories.md).

    >>> keeper = StoryKeeper(store)
    >>> keeper.catch_up()       # every stored article not yet in a group: grouped and clustered, in order
    >>> keeper.close()          # saves the tracker's state

Articles are taken in order of arrival (store id), each as it was first stored (version 1: an update
keeps the article's group and story). Each joins a duplicate group (`DuplicateIndex`); an article that
copies no earlier one goes through the story tracker (`StoryTracker`), and a copy joins the story of
its group's first arrived article. A batch's groups and stories are written in one transaction, after
the batch of articles itself is stored: an article a crash left without them is simply still "not yet
in a group", and the next ingest (or `newsdesk stories --rebuild`) assigns it first. `rebuild()` forgets
everything and assigns every article again the same way, so it gives the online result.

What is kept between runs:

- per article, its duplicate entry: the group it was found in, how, the hash of its normalised body and
  its MinHash signatures (so the duplicate index is rebuilt on opening without reading any body);
- the story tracker itself (its clusterer: the stories still open, their centroids, the document
  frequencies), pickled into the store's story_state row every SNAPSHOT_EVERY articles and at the end
  of a run, with the number of articles it includes. On opening, the articles assigned after it (after a
  crash) are replayed through it. A state saved by another version of the clustering code (or that
  cannot be read) is not used: the stories are then rebuilt. It is unpickled with an allow-list of the
  tracker's own classes (`_StateUnpickler`): a store someone else made cannot run code on opening.

The tracker stays bounded: a story whose last article is older than FORGET_AFTER before the newest
publication date seen is closed (it leaves the candidate set and its centroid is freed). The newest date
only counts dates no later than a day after the article was stored (a page dated 2099 does not close
every story). Closing depends only on the order of arrival, so a rebuild closes the same stories.
"""

from __future__ import annotations

import functools
import hashlib
import io
import pickle
from collections import Counter
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain, count, tee
from pathlib import Path
from typing import Any, cast

from newsdesk.article import Article
from newsdesk.errors import StoreError
from newsdesk.store.base import DuplicateEntry, Store, StoredArticle, StoryAssignment
from newsdesk.stories import clustering, features, tracker
from newsdesk.stories.duplicates import DuplicateIndex, Signature, signature
from newsdesk.stories.features import Features
from newsdesk.stories.tracker import StoryTracker, is_article, published_at

STATE_VERSION = 2  # 2: pages that are not articles are in no story; undated ones at their storing time
BATCH = 100  # articles assigned per transaction
RECLUSTER_TRIES = 3  # readings of a window before giving up while other processes keep assigning
SNAPSHOT_EVERY = 2_000  # articles assigned between two saved tracker states (what a crash replays)
# A story with no article for this long before the newest date is closed. Shorter than the clusterer's
# WINDOW (two years, for ECB+'s follow-ups): each open story keeps its last members' vectors (~4 KB each),
# so the state saved in the store holds about a month of news, not all of it.
FORGET_AFTER = timedelta(days=30)
FORGET_STEP = timedelta(days=1)  # stories are closed when the cutoff has moved by this much
FUTURE_SLACK = timedelta(days=1)  # a date later than this after the article was stored moves no clock


@functools.cache
def _code_version() -> str:
    """The clustering code's fingerprint: a tracker pickled by other code is not used."""
    digest = hashlib.sha256(str(STATE_VERSION).encode())
    for module in (clustering, features, tracker):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class _Tracked:
    """The tracker and what goes with it, as pickled."""

    tracker: StoryTracker = field(default_factory=StoryTracker)
    story_numbers: dict[int, int] = field(default_factory=dict)  # clusterer story id -> store story
    newest: datetime | None = None  # the newest publication date seen (see FUTURE_SLACK)
    cutoff: datetime | None = None  # stories last seen before this are closed
    # Entity and place mentions of each open story's articles, copies included (its top entities).
    mentions: dict[int, Counter[str]] = field(default_factory=dict)


Notice = Callable[[str], None]
Progress = Callable[[int, int], None]  # (articles assigned, articles to assign)
Stage = Callable[[str, int, int], None]  # (step: reading, clustering, writing; done, to do)


@dataclass(frozen=True)
class Reclustered:
    """What `StoryKeeper.recluster` did."""

    articles: int  # articles re-clustered: the window's and the other articles of their stories
    before: int  # stories they were in
    after: int  # stories they are in now
    moved: int  # articles whose story id changed


class StoryKeeper:
    """Keeps a store's duplicate groups and stories up to date; one per process using the store."""

    def __init__(self, store: Store, *, notice: Notice | None = None, progress: Progress | None = None,
                 batch_size: int = BATCH) -> None:
        self.store = store
        self.notice = notice or (lambda message: None)
        self.progress = progress or (lambda done, total: None)
        self.batch_size = batch_size
        self._loaded = False
        self._index = DuplicateIndex()
        self._tracked = _Tracked()
        self._serial = 0
        self._seq = 0  # articles assigned, as of the state loaded plus what this keeper saved
        self._data_seq = 0  # ... of which the saved tracker state includes this many

    # --- what callers use ------------------------------------------------------------------------

    def catch_up(self) -> int:
        """Assign every stored article not yet in a group, in order of arrival; returns how many."""
        done = 0
        total = None
        while True:
            arrivals = self.store.arrivals(self.batch_size)
            if not arrivals:
                return done
            if total is None:
                total = self.store.unassigned()
            if not self._loaded:
                if not self._load():
                    self.notice("the stories kept in the store were made by another version of newsdesk "
                                f"(or cannot be read): rebuilding them from {self.store.count()} articles")
                    self.store.clear_stories()
                    self._reset()
                    total = None
                continue
            try:
                assignments, entities = self._assign(arrivals)
                due = self._seq + len(assignments) - self._data_seq >= SNAPSHOT_EVERY
                saved = self.store.save_assignments(assignments, entities, self._serial,
                                                    self._state() if due else None)
            except BaseException:
                self._loaded = False  # the state in memory may hold a batch that was not saved
                raise
            if not saved:  # another process assigned meanwhile: take its state, then go on
                self._loaded = False
                continue
            self._serial += 1
            self._seq += len(assignments)
            if due:
                self._data_seq = self._seq
            done += len(assignments)
            self.progress(done, max(total, done))

    def recluster(self, since: str, stage: Stage | None = None) -> Reclustered:
        """Re-cluster the stories of a window with the offline pass (`StoryTracker.recluster`) and make
        the result the stories of their articles; see `_recluster`. Every stored article is assigned
        first (`catch_up`); the result is written in one transaction with the tracker's state, so a run
        stopped before the end changes nothing, and another process's assignment meanwhile (the
        state's serial moved) means the window is read and re-clustered again, up to RECLUSTER_TRIES
        times (then a StoreError: nothing changed). An article that fails is recorded once the result is
        kept (and not again for the same article and reason)."""
        stage = stage or (lambda name, done, total: None)
        for _ in range(RECLUSTER_TRIES):
            self.catch_up()
            if not self._loaded and not self._load():
                self.notice("the stories kept in the store were made by another version of newsdesk "
                            f"(or cannot be read): rebuilding them from {self.store.count()} articles")
                self.rebuild()
            result = self._recluster(since, stage)
            if result is not None:
                return result
            self._loaded = False
        raise StoreError(f"another process assigned stories while the window was re-clustered, "
                         f"{RECLUSTER_TRIES} times: nothing was changed; run it again later (when less is "
                         "being ingested)")

    def _recluster(self, since: str, stage: Stage) -> Reclustered | None:
        """The window's articles (published on or after `since`, else stored on or after it) and every
        other article of their stories, re-clustered once all are known; None when another process
        assigned meanwhile (nothing written).

        - The unit is the duplicate group: its first arrived copy is clustered (as online), its other
          copies follow it.
        - A story with articles before the window (it straddles the window's start) keeps those
          together: they enter the pass as one group (an *anchor*), which the window's articles may
          join (compared with all its articles) but which never merges with another such group. Its
          articles inside the window are re-clustered with the others. What is outside the window and
          not in a story it reaches is not read.
        - A new story keeps the id of the old story it shares the most articles with (largest overlaps
          first, each old id given once; ties: the older id), else takes S + the id of its first
          article that is no story's id.
        - The tracker's open stories then lead to the new stories: each goes on in the new story of its
          latest article, so new arrivals join the re-clustered stories online.

        The same window re-clustered again changes nothing: its articles, the anchors (they never merge)
        and so the statistics and the pass are the same, and each story keeps its own id; when the
        stories come out as they were, nothing is written."""
        found = self.store.window_stories(since)
        if not found:
            return Reclustered(0, 0, 0, 0)
        old = {item.article_id: item.story for item in found}
        groups: dict[int, list[int]] = {}
        inside: set[int] = set()
        for item in found:
            groups.setdefault(item.group, []).append(item.article_id)
            if item.inside:
                inside.add(item.group)
        firsts = sorted(min(ids) for ids in groups.values())  # each group's first arrived copy
        followers = {min(ids): ids for ids in groups.values()}
        outside = {min(ids) for group, ids in groups.items() if group not in inside}
        anchors: dict[int, list[int]] = {}
        for index, first in enumerate(firsts):
            if first in outside:
                anchors.setdefault(old[first], []).append(index)
        mentions: dict[int, Counter[str]] = {}
        names: dict[str, str] = {}
        where: dict[int, str] = {}  # each article's address, for an error

        def arrivals() -> Iterator[tuple[Article, datetime]]:
            for start in range(0, len(firsts), self.batch_size):
                chunk = firsts[start:start + self.batch_size]
                stored = self.store.first_versions(chunk)
                for id in chunk:
                    article = stored[id].article
                    where[id] = article.canonical_url or article.url or article.source or f"article {id}"
                    counts = mentions[id] = Counter()
                    for entity in article.entities if article.enrichment else []:
                        if entity.mentions:
                            counts[entity.id] += len(entity.mentions)
                            names[entity.id] = entity.name
                    yield article, _naive(stored[id].stored_at)
                stage("reading", start + len(chunk), len(firsts))

        failures: list[tuple[str, str]] = []  # recorded once the result is kept

        def failed(index: int, error: Exception) -> None:  # as online: recorded, the article on its own
            failures.append((where[firsts[index]], f"internal error: {type(error).__name__}: {error}"))

        articles, times = tee(arrivals())
        labels = StoryTracker().recluster((article for article, _ in articles),
                                          met=(when for _, when in times), anchors=list(anchors.values()),
                                          failed=failed)
        stage("clustering", 1, 1)
        clusters: dict[int, list[int]] = {}
        for index, label in enumerate(labels):
            clusters.setdefault(index if label is None else label, []).extend(followers[firsts[index]])
        kept = {id for first in outside for id in followers[first]}  # the articles before the window
        numbers = self._story_ids([sorted(ids) for ids in clusters.values()], old, kept)
        stories = {number: ids for number, ids in numbers}
        before: dict[int, list[int]] = {}
        for id, number in sorted(old.items()):
            before.setdefault(number, []).append(id)
        if stories == before:  # the same stories with the same ids: nothing is written
            self._record(failures)
            return Reclustered(len(old), len(before), len(stories), 0)
        entities: dict[int, list[str]] = {}
        counted: dict[int, Counter[str]] = {}
        for number, ids in stories.items():
            counts = counted[number] = Counter()
            for id in ids:
                counts.update(mentions.get(id, {}))
            entities[number] = _top_names(counts, names)
        try:
            self._follow(stories, set(old.values()), counted, names)
            stage("writing", 0, 1)
            saved = self.store.save_stories(stories, entities, self._serial, self._state())
        except BaseException:
            self._loaded = False  # the tracker in memory leads to stories that were not saved
            raise
        if not saved:
            return None
        self._serial += 1
        self._data_seq = self._seq
        self._record(failures)
        stage("writing", 1, 1)
        moved = sum(1 for number, ids in stories.items() for id in ids if old[id] != number)
        return Reclustered(len(old), len(set(old.values())), len(stories), moved)

    def _record(self, failures: list[tuple[str, str]]) -> None:
        """Record the articles that failed in a re-clustering, but not again one already recorded for
        the same reason (the next night's run)."""
        if not failures:
            return
        known = {(error.source, error.reason) for error in self.store.errors() if error.stage == "stories"}
        for source, reason in dict.fromkeys(failures):
            if (source, reason) not in known:
                self.store.record_error(source, "stories", reason)

    def _story_ids(self, clusters: list[list[int]], old: dict[int, int],
                   kept: AbstractSet[int] = frozenset()) -> list[tuple[int, list[int]]]:
        """Each cluster (its article ids, in order) with its story id. A cluster holding an old story's
        articles from before the window (`kept`: its anchor) takes that story's id first, so those
        articles keep their story id; then each cluster takes the id of the old story it shares the most
        articles with, largest overlaps first, each given once (ties: the older id, then the earlier
        cluster); else the id of its first article that is no story's id, else the lowest number that is
        no story's id (below the window's last article id whenever one is free: a later arrival starts
        its story with its own, larger id). Never the id of a story outside the window: the cluster
        would merge with it."""
        overlaps = sorted((0 if any(id in kept and old[id] == story for id in ids) else 1, -shared, story, n)
                          for n, ids in enumerate(clusters)
                          for story, shared in Counter(old[id] for id in ids).items())
        chosen: dict[int, int] = {}
        used: set[int] = set()
        for _, _, story, n in overlaps:
            if n not in chosen and story not in used:
                chosen[n] = story
                used.add(story)
        taken = used | set(old.values())
        for n, ids in enumerate(clusters):
            if n not in chosen:
                free = next(id for id in chain(ids, count(1))
                            if id not in taken and self.store.story(f"S{id}") is None)
                chosen[n] = free
                taken.add(free)
        return [(chosen[n], ids) for n, ids in enumerate(clusters)]

    def _follow(self, stories: dict[int, list[int]], before: set[int], mentions: dict[int, Counter[str]],
                names: dict[str, str]) -> None:
        """Lead the tracker's open stories to the new stories: each goes on in the story of its latest
        article when that article was re-clustered."""
        tracked = self._tracked
        story_of = {id: number for number, ids in stories.items() for id in ids}
        clusterer = tracked.tracker.clusterer
        for key in list(tracked.story_numbers):
            last = clusterer.stories[key].articles[-1] if clusterer.stories[key].articles else None
            if isinstance(last, int) and last in story_of:
                tracked.story_numbers[key] = story_of[last]
        followed = set(tracked.story_numbers.values())
        tracked.mentions = {number: counts for number, counts in tracked.mentions.items()
                            if number not in before and number not in stories}
        tracked.mentions.update((number, Counter(counts)) for number, counts in mentions.items()
                                if number in followed)
        tracked.tracker.names.update(names)

    def outdated(self) -> bool:
        """Whether the stories kept were made by another version of the clustering code (or their
        saved state cannot be read): they are then rebuilt before they are shown."""
        state = self.store.story_state()
        return state.data_seq > 0 and self._unpickle(state.data) is None

    def rebuild(self) -> int:
        """Forget every group and story, and assign every article again in order of arrival."""
        self.store.clear_stories()
        self._reset()
        return self.catch_up()

    def close(self) -> None:
        """Save the tracker's state when it includes articles the saved one does not."""
        if (self._loaded and self._seq > self._data_seq
                and self.store.save_assignments([], {}, self._serial, self._state())):
            self._serial += 1
            self._data_seq = self._seq

    # --- state ----------------------------------------------------------------------------------

    def _reset(self) -> None:
        state = self.store.story_state()
        self._index = DuplicateIndex()
        self._tracked = _Tracked()
        self._serial, self._seq, self._data_seq = state.serial, state.seq, state.seq
        self._loaded = True

    def _state(self) -> bytes:
        """The tracker's state, to be saved with the articles it includes."""
        return pickle.dumps({"version": _code_version(), "tracked": self._tracked},
                            protocol=pickle.HIGHEST_PROTOCOL)

    def _load(self) -> bool:
        """The duplicate index from the stored entries, and the tracker from its saved state plus the
        articles assigned after it; False when that state cannot be used (the stories need a rebuild)."""
        state = self.store.story_state()
        tracked = _Tracked() if state.data_seq == 0 else self._unpickle(state.data)
        if tracked is None:
            return False
        self._index = DuplicateIndex()
        self._tracked = tracked
        self._serial, self._seq, self._data_seq = state.serial, state.seq, state.data_seq
        replay: list[int] = []
        for seq, entry in self.store.duplicate_entries():
            try:
                signed = _signature_of(entry)
            except ValueError:  # a damaged row: the groups are rebuilt from the bodies
                return False
            self._index.restore(entry.article_id, entry.root, signed, entry.match)
            if seq > state.data_seq and entry.match is None:
                replay.append(entry.article_id)
        for start in range(0, len(replay), self.batch_size):
            chunk = replay[start:start + self.batch_size]
            found = self.store.first_versions(chunk)
            self._cluster([found[id] for id in chunk if id in found])
        self._loaded = True
        return True

    def _unpickle(self, data: bytes | None) -> _Tracked | None:
        if data is None:
            return None
        try:
            state = _StateUnpickler(io.BytesIO(data)).load()
        except Exception:  # any class or module renamed since, a truncated value, a refused class...
            return None
        if not isinstance(state, dict) or state.get("version") != _code_version():
            return None
        tracked = state.get("tracked")
        return tracked if isinstance(tracked, _Tracked) else None

    # --- assigning ------------------------------------------------------------------------------

    def _assign(self, arrivals: list[StoredArticle]) -> tuple[list[StoryAssignment], dict[int, list[str]]]:
        entries = []
        for stored in arrivals:
            signed = signature(stored.article.body)
            match = self._index.add_signed(stored.id, signed)
            root = cast(int, match.group) if match else stored.id
            entries.append(DuplicateEntry(stored.id, root, match.kind if match else None, signed.digest.hex(),
                                          signed.values(), signed.body_size, signed.lead_size,
                                          signed.lead_words))
        originals = [stored for stored, entry in zip(arrivals, entries, strict=True) if entry.match is None]
        entities: dict[int, list[str]] = {}  # top entities of the stories touched, as they were then
        numbers = self._cluster(originals, entities)
        tracked = self._tracked
        assignments = []
        for stored, entry in zip(arrivals, entries, strict=True):
            if entry.root not in numbers:
                numbers[entry.root] = self._stored_story(entry.root)
            number = numbers[entry.root] if is_article(stored.article) else None
            assignments.append(StoryAssignment(entry, number))
            if number is None:
                continue
            if entry.match is not None and number in tracked.mentions:
                # A copy's own entities (when enriched) count for its story's top entities too.
                tracked.mentions[number].update({e.id: len(e.mentions) for e in stored.article.entities})
                tracked.tracker.names.update((e.id, e.name) for e in stored.article.entities)
                entities[number] = self._top(number)
        return assignments, entities

    def _top(self, number: int) -> list[str]:
        """The story's most mentioned entities and places (ties: by id), by name."""
        return _top_names(self._tracked.mentions[number], self._tracked.tracker.names)

    def _stored_story(self, root: int) -> int | None:
        """The story of an article assigned before (a copy joins its group's first article's story);
        None when that article is in no story (not an article)."""
        record = self.store.story_of(root)
        return None if record is None else int(record.id[1:])

    def _cluster(self, originals: list[StoredArticle],
                 entities: dict[int, list[str]] | None = None) -> dict[int, int | None]:
        """The story (its store number) each original joins, added in order (None: a page that is in
        no story, not an article); the top `entities` of the stories they join, as they are once
        joined (a story may close before the batch ends). An article's time is its publication date,
        else the time it was stored."""
        tracked = self._tracked
        found: dict[int, int | None] = {stored.id: None for stored in originals
                                        if not is_article(stored.article)}
        originals = [stored for stored in originals if is_article(stored.article)]
        for stored, features_ in zip(originals, self._features([s.article for s in originals]), strict=True):
            when = published_at(stored.article) or _naive(stored.stored_at)
            self._advance(when, stored.stored_at)
            story = tracked.tracker.clusterer.add(stored.id, features_, when)
            number = tracked.story_numbers.setdefault(story.id, stored.id)
            mentions = tracked.mentions.setdefault(number, Counter())
            mentions.update(features_.entities)
            mentions.update(features_.places)
            found[stored.id] = number
            if entities is not None:
                entities[number] = self._top(number)
        return found

    def _features(self, articles: list[Article]) -> list[Features]:
        """The tracker's features; an article that cannot be parsed gets none (a story of its own),
        and the failure is recorded."""
        if not articles:
            return []
        try:
            return self._tracked.tracker.features(articles)
        except Exception:  # found one by one below
            pass
        out = []
        for article in articles:
            try:
                out.extend(self._tracked.tracker.features([article]))
            except Exception as error:
                self.store.record_error(article.canonical_url or article.url or article.source or "",
                                        "stories", f"internal error: {type(error).__name__}: {error}")
                out.append(Features())
        return out

    def _advance(self, when: datetime | None, stored_at: str) -> None:
        """Move the clock to `when` (unless it is later than the article could be) and close the
        stories left behind."""
        tracked = self._tracked
        if when is None or (tracked.newest is not None and when <= tracked.newest):
            return
        if when > _naive(stored_at) + FUTURE_SLACK:
            return
        tracked.newest = when
        cutoff = when - FORGET_AFTER
        if tracked.cutoff is None or cutoff - tracked.cutoff >= FORGET_STEP:
            tracked.cutoff = cutoff
            for story in tracked.tracker.clusterer.forget(cutoff):
                tracked.mentions.pop(tracked.story_numbers.pop(story.id, -1), None)


class _StateUnpickler(pickle.Unpickler):
    """Unpickles a saved tracker state and nothing else: a store may come from someone else (a shared
    SQLite file), and a plain `pickle.loads` would run whatever code its bytes name. Only the
    tracker's own classes and the containers they hold can be made."""

    MODULES = frozenset({"newsdesk.stories.clustering", "newsdesk.stories.features",
                         "newsdesk.stories.tracker", "newsdesk.stories.persist"})
    GLOBALS = frozenset({("collections", "Counter"), ("collections", "deque"), ("collections", "OrderedDict"),
                         ("datetime", "datetime"), ("datetime", "timedelta"), ("datetime", "timezone"),
                         ("builtins", "set"), ("builtins", "frozenset"), ("copyreg", "_reconstructor"),
                         ("builtins", "object")})

    def find_class(self, module: str, name: str) -> Any:
        if (module in self.MODULES and not name.startswith("__")) or (module, name) in self.GLOBALS:
            value = super().find_class(module, name)
            if module not in self.MODULES or isinstance(value, type):
                return value
        raise pickle.UnpicklingError(f"the saved story state names {module}.{name}: refused")


def _top_names(mentions: Counter[str], names: dict[str, str], count: int = 5) -> list[str]:
    """The `count` most mentioned entities and places (ties: by id), by name."""
    ranked = sorted(mentions.items(), key=lambda kv: (-kv[1], kv[0]))
    return [names.get(key, key) for key, found in ranked[:count] if found > 0]


def _signature_of(entry: DuplicateEntry) -> Signature:
    return Signature.of(bytes.fromhex(entry.body_hash), entry.signature, entry.body_size, entry.lead_size,
                        entry.lead_words)


def _naive(stamp: str) -> datetime:
    """A stored_at stamp as a naive UTC datetime (published dates are compared naive)."""
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return datetime.max - FUTURE_SLACK
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def assign_stories(store: Store, **options: Any) -> int:
    """Assign what is not yet assigned, and save the state: `StoryKeeper(store).catch_up()` and close."""
    keeper = StoryKeeper(store, **options)
    try:
        return keeper.catch_up()
    finally:
        keeper.close()
