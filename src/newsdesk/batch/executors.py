"""Where batch tasks run, behind one interface: `Executor.run(tasks)` yields each task's outcome as
it finishes, in any order.

- `ProcessExecutor`: worker processes on this machine (the standard library's process pool). A
  worker that dies takes the pool with it: the pool is rebuilt and the unfinished tasks resubmitted.
- `DaskExecutor`: a Dask cluster (`dask.distributed`): a LocalCluster started here, or an existing
  scheduler by address. Dask reschedules the tasks of a worker that dies on the others.

A task that died with its worker more than `MAX_ATTEMPTS` times, or that raised, comes back as a
`TaskFailure`; its input is not in the manifest, so a rerun tries it again. Only this module imports
Dask, and only when a `DaskExecutor` is made.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from newsdesk.batch.stage import InputResult, InputTask, process_input
from newsdesk.errors import NewsdeskError

MAX_ATTEMPTS = 3  # runs of one task on workers that died under it, before it is given up


@dataclass
class TaskFailure:
    input: str
    reason: str


Outcome = InputResult | TaskFailure


class Executor(Protocol):
    workers: int
    dashboard: str | None  # where to watch the run, when the executor has a dashboard

    def run(self, tasks: Sequence[InputTask]) -> Iterator[Outcome]: ...

    def close(self) -> None: ...


class ExecutorError(NewsdeskError):
    """An executor cannot be started (Dask missing, a scheduler that does not answer)."""


def _run_task(task: InputTask) -> InputResult:
    return process_input(task)


class ProcessExecutor:
    """`workers` processes on this machine (spawned, so no state leaks from the driver)."""

    dashboard: str | None = None

    def __init__(self, workers: int, task: Callable[[InputTask], InputResult] = _run_task) -> None:
        self.workers = max(1, workers)
        self.task = task

    def run(self, tasks: Sequence[InputTask]) -> Iterator[Outcome]:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        attempts = dict.fromkeys((task.input for task in tasks), 0)
        waiting = list(tasks)
        while waiting:
            pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
            running: dict[Future[InputResult], InputTask] = {}
            try:
                for task in waiting:
                    running[pool.submit(self.task, task)] = task
                    attempts[task.input] += 1
                waiting = []
                while running:
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        task = running.pop(future)
                        try:
                            yield future.result()
                        except BrokenProcessPool:
                            if attempts[task.input] >= MAX_ATTEMPTS:
                                yield TaskFailure(task.input, f"a worker died under it {MAX_ATTEMPTS} times")
                            else:
                                waiting.append(task)
                        except Exception as error:
                            yield TaskFailure(task.input, f"{type(error).__name__}: {error}")
            finally:
                pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        pass


class DaskExecutor:
    """A Dask cluster: `scheduler` "local" starts a LocalCluster of `workers` single-threaded worker
    processes (each under a nanny that restarts it if it dies); any other value is the address of a
    running scheduler (tcp://host:8786)."""

    def __init__(self, scheduler: str = "local", workers: int = 2, *, dashboard: bool = True,
                 task: Callable[[InputTask], InputResult] = _run_task) -> None:
        try:
            distributed: Any = importlib.import_module("distributed")  # untyped: used through Any
        except ImportError:
            raise ExecutorError("--scheduler local or ADDRESS runs on Dask, which is not installed: "
                                "pip install 'newsdesk[dask]' (or use --scheduler processes)",
                                stage="batch") from None
        self.task = task
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
        self.dashboard = self.client.dashboard_link if shown else None

    def run(self, tasks: Sequence[InputTask]) -> Iterator[Outcome]:
        from newsdesk.batch.stage import input_id

        by_key = {f"newsdesk-batch-{input_id(task.input)}": task for task in tasks}
        futures = self.client.map(self.task, list(by_key.values()), key=list(by_key), pure=False, retries=0)
        for future in importlib.import_module("distributed").as_completed(futures):
            task = by_key[future.key]
            try:
                yield future.result()
            except Exception as error:  # KilledWorker (died under it too often) or the task raised
                yield TaskFailure(task.input, f"{type(error).__name__}: {error}")
            finally:
                future.release()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(scheduler: str, workers: int) -> Executor:
    if scheduler == "processes":
        return ProcessExecutor(workers)
    return DaskExecutor(scheduler, workers)
