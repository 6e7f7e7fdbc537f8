"""Where work runs, behind one interface, for every command: `ingest`, `update` and `enrich` hand
batches of pages to `Executor.in_order` (results come back in the order the batches went, so the
checkpoints committed with them follow what is stored); `batch` hands whole archives to
`Executor.as_done` (results in any order, each task retried when its worker died under it).

- `InProcessExecutor`: here, one batch after the other (the default, and what a batch task uses inside).
- `ProcessExecutor`: `workers` spawned processes on this machine, which die with the process that
  started them. A worker that dies takes the pool with it: `as_done` rebuilds the pool and resubmits
  the unfinished tasks.
- `DaskExecutor`: a Dask cluster (`dask.distributed`): a LocalCluster started here, or an existing scheduler
  by address. Dask reschedules the tasks of a worker that dies on the others.

A task that died with its worker more than `MAX_ATTEMPTS` times, or that raised, comes back from
`as_done` as a `TaskFailure`. Only this module imports Dask, and only when a `DaskExecutor` is made.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from newsdesk.children import die_with_parent
from newsdesk.errors import NewsdeskError

MAX_ATTEMPTS = 3  # runs of one task on workers that died under it, before it is given up

A = TypeVar("A")
R = TypeVar("R")


@dataclass
class TaskFailure:
    input: str
    reason: str


class ExecutorError(NewsdeskError):
    """An executor cannot be started (Dask missing, a scheduler that does not answer)."""


class Executor(Protocol):
    workers: int
    dashboard: str | None  # where to watch the run, when the executor has a dashboard

    def in_order(self, work: Callable[[A], R], items: Iterable[A]) -> Iterator[R]:
        """`work` over each item, with at most `workers` items in flight beyond the one waited for;
        results in the order of the items. An exception of `work` is raised here."""
        ...

    def as_done(self, work: Callable[[A], R], items: Sequence[A],
                name: Callable[[A], str]) -> Iterator[tuple[A, R | TaskFailure]]:
        """`work` over every item, each result (or its `TaskFailure`, named by `name(item)`) as it
        finishes."""
        ...

    def close(self) -> None: ...


def _in_order(submit: Callable[[Callable[[A], R], A], Any], work: Callable[[A], R], items: Iterable[A],
              window: int) -> Iterator[R]:
    """Results of futures in submission order, at most `window` of them waiting behind the oldest."""
    in_flight: deque[Any] = deque()
    for item in items:
        in_flight.append(submit(work, item))
        while len(in_flight) > window or (in_flight and in_flight[0].done()):
            yield in_flight.popleft().result()
    while in_flight:
        yield in_flight.popleft().result()


class InProcessExecutor:
    """Everything here, in order: no process to start, nothing to pickle."""

    workers = 1
    dashboard: str | None = None

    def in_order(self, work: Callable[[A], R], items: Iterable[A]) -> Iterator[R]:
        return (work(item) for item in items)

    def as_done(self, work: Callable[[A], R], items: Sequence[A],
                name: Callable[[A], str]) -> Iterator[tuple[A, R | TaskFailure]]:
        for item in items:
            try:
                yield item, work(item)
            except Exception as error:
                yield item, TaskFailure(name(item), f"{type(error).__name__}: {error}")

    def close(self) -> None:
        pass


class ProcessExecutor:
    """`workers` processes on this machine: spawned (the reading process may have fetcher threads
    running, which fork would copy), and killed with this process (`die_with_parent`: a kill -9 of
    this process takes its workers with it)."""

    dashboard: str | None = None

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=die_with_parent, initargs=(os.getpid(),))

    def in_order(self, work: Callable[[A], R], items: Iterable[A]) -> Iterator[R]:
        if self._pool is None:
            self._pool = self._new_pool()
        return _in_order(self._pool.submit, work, items, self.workers)

    def as_done(self, work: Callable[[A], R], items: Sequence[A],
                name: Callable[[A], str]) -> Iterator[tuple[A, R | TaskFailure]]:
        attempts = [0] * len(items)
        waiting = list(range(len(items)))
        while waiting:
            pool = self._new_pool()
            running: dict[Future[R], int] = {}
            try:
                for index in waiting:
                    running[pool.submit(work, items[index])] = index
                    attempts[index] += 1
                waiting = []
                while running:
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        index = running.pop(future)
                        item = items[index]
                        try:
                            yield item, future.result()
                        except BrokenProcessPool:
                            if attempts[index] >= MAX_ATTEMPTS:
                                yield item, TaskFailure(name(item),
                                                        f"a worker died under it {MAX_ATTEMPTS} times")
                            else:
                                waiting.append(index)
                        except Exception as error:
                            yield item, TaskFailure(name(item), f"{type(error).__name__}: {error}")
            finally:
                pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class DaskExecutor:
    """A Dask cluster: `scheduler` "local" starts a LocalCluster of `workers` single-threaded worker
    processes (each under a nanny that restarts it if it dies); any other value is the address of a
    running scheduler (tcp://host:8786)."""

    def __init__(self, scheduler: str = "local", workers: int = 2, *, dashboard: bool = True) -> None:
        try:
            distributed: Any = importlib.import_module("distributed")  # untyped: used through Any
        except ImportError:
            raise ExecutorError("--scheduler local or ADDRESS runs on Dask, which is not installed: "
                                "pip install 'newsdesk[dask]' (or use --scheduler processes)",
                                stage="batch") from None
        self.cluster: Any = None
        try:
            if scheduler == "local":
                has_dashboard = dashboard and importlib.util.find_spec("bokeh") is not None
                self.cluster = distributed.LocalCluster(
                    n_workers=max(1, workers), threads_per_worker=1, processes=True, host="127.0.0.1",
                    dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,
                    scheduler_kwargs={"dashboard": has_dashboard})
                self.client: Any = distributed.Client(self.cluster)
            else:
                self.client = distributed.Client(scheduler, timeout="20s")
        except OSError as error:
            if self.cluster is not None:
                self.cluster.close()
            raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler}: {error}",
                                source=scheduler, stage="batch") from None
        info = self.client.scheduler_info()
        self.workers = len(info.get("workers", {})) or workers
        shown = dashboard and "dashboard" in info.get("services", {})
        self.dashboard: str | None = self.client.dashboard_link if shown else None

    def in_order(self, work: Callable[[A], R], items: Iterable[A]) -> Iterator[R]:
        def submit(function: Callable[[A], R], item: A) -> Any:
            return self.client.submit(function, item, pure=False, retries=0)

        return _in_order(submit, work, items, self.workers)

    def as_done(self, work: Callable[[A], R], items: Sequence[A],
                name: Callable[[A], str]) -> Iterator[tuple[A, R | TaskFailure]]:
        by_key = {_key(name(item)): item for item in items}
        futures = self.client.map(work, list(by_key.values()), key=list(by_key), pure=False, retries=0)
        for future in importlib.import_module("distributed").as_completed(futures):
            item = by_key[future.key]
            try:
                yield item, future.result()
            except Exception as error:  # KilledWorker (died under it too often) or the task raised
                yield item, TaskFailure(name(item), f"{type(error).__name__}: {error}")
            finally:
                future.release()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _key(name: str) -> str:
    """A Dask key for a task: readable on the dashboard, and the same on every attempt."""
    return f"newsdesk-{os.path.basename(name)}-{hashlib.sha1(name.encode()).hexdigest()[:10]}"


def make_executor(scheduler: str, workers: int) -> Executor:
    """`processes` (worker processes here), `local` (a Dask LocalCluster here) or a scheduler address."""
    if scheduler == "processes":
        return ProcessExecutor(workers)
    return DaskExecutor(scheduler, workers)
