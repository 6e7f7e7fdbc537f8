"""What every request handler of the desk shares: the open store, the ingest jobs, the guard."""

from __future__ import annotations

import pickle
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request

from newsdesk.settings import Settings
from newsdesk.store import Store
from newsdesk.web.jobs import Jobs
from newsdesk.web.security import Guard

_T = TypeVar("_T")


class Memo:
    """What the desk read from the store and will read again (sources, coverage counts), kept while
    the store is unchanged: every value is dropped when the store's generation() changes (any write,
    from this process or another). Values are shared between requests: callers must not change them.
    A store without generation() (in memory) is read every time.

    Bounded twice, least recently used first out: at most `size` values, and at most `budget` bytes
    as their pickled sizes count them (a page of hits is a few kB, a big story's timeline can be
    megabytes: 512 of those per worker would be gigabytes). The pickled size understates the size in
    memory, a few times for lists and dicts of short strings, so the budget is a bound on the order
    of magnitude, not an exact one. A value larger than the whole budget is returned and not kept, and
    its key is remembered for the generation so it is not measured again. Pickling a value costs a
    fraction of reading it from the store, and only happens when it is read, once per generation."""

    def __init__(self, store: Store, size: int = 512, budget: int = 32 << 20) -> None:
        self._generation_of: Callable[[], Hashable] | None = getattr(store, "generation", None)
        self._size = size
        self._budget = budget
        self._generation: Hashable = None
        self._values: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._too_big: set[Hashable] = set()
        self._lock = threading.Lock()

    @property
    def kept_bytes(self) -> int:
        """The pickled size of every value kept now."""
        return self._bytes

    def get(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        if self._generation_of is None:
            return compute()
        generation = self._generation_of()  # before computing: a write after it makes a newer one
        with self._lock:
            if generation != self._generation:
                self._values.clear()
                self._too_big.clear()
                self._bytes = 0
                self._generation = generation
            elif key in self._values:
                self._values.move_to_end(key)
                value: _T = self._values[key][0]
                return value
            elif key in self._too_big:
                return compute()
        value = compute()
        weight = _pickled_size(value)
        with self._lock:
            if generation == self._generation and weight > self._budget:
                if len(self._too_big) >= 4 * self._size:  # keys a client chose: keep their number bounded
                    self._too_big.clear()
                self._too_big.add(key)
            elif generation == self._generation:
                old = self._values.pop(key, None)
                if old is not None:  # computed by two requests at once
                    self._bytes -= old[1]
                self._values[key] = (value, weight)
                self._bytes += weight
                while len(self._values) > self._size or self._bytes > self._budget:
                    self._bytes -= self._values.popitem(last=False)[1][1]
        return value


def _pickled_size(value: object) -> int:
    """Bytes `value` takes pickled: a measure of its memory within a small factor. A value that
    cannot be pickled counts as 64 kB."""
    try:
        return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # anything a value's own __reduce__ may raise: count it, never fail the request
        return 64 << 10


@dataclass
class Desk:
    store: Store
    settings: Settings
    jobs: Jobs
    guard: Guard
    allow_private: bool
    scan_limit: int
    memo: Memo = field(init=False)

    def __post_init__(self) -> None:
        self.memo = Memo(self.store)

    def all_days(self) -> Counter[str]:
        """Every stored article per day published (the denominators of coverage shares), read again
        only after the store changed."""
        from newsdesk.coverage import day_counts
        from newsdesk.store import SearchRequest

        return self.memo.get(("all-days",), lambda: day_counts(self.store, SearchRequest())[0])


def desk_of(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk
