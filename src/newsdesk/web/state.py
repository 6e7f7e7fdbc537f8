"""What every request handler of the desk shares: the open store, the ingest jobs, the guard."""

from __future__ import annotations

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
    A store without generation() (in memory) is read every time."""

    def __init__(self, store: Store, size: int = 512) -> None:
        self._generation_of: Callable[[], Hashable] | None = getattr(store, "generation", None)
        self._size = size
        self._generation: Hashable = None
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        if self._generation_of is None:
            return compute()
        generation = self._generation_of()  # before computing: a write after it makes a newer one
        with self._lock:
            if generation != self._generation:
                self._values.clear()
                self._generation = generation
            elif key in self._values:
                self._values.move_to_end(key)
                value: _T = self._values[key]
                return value
        value = compute()
        with self._lock:
            if generation == self._generation:
                self._values[key] = value
                while len(self._values) > self._size:
                    self._values.popitem(last=False)
        return value


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
