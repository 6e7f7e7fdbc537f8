"""Batch runs over web archives: `run_batch` (driver), on an executor of `newsdesk.pipeline.executors`
(local processes or Dask), the task of one input (`process_input`, the stage loop over one archive),
the manifest, and `load_output` into a store. See docs/batch.md."""

from __future__ import annotations

from newsdesk.batch.run import BatchSummary, expand_inputs, run_batch
from newsdesk.batch.stage import InputResult, InputTask, process_input
from newsdesk.pipeline.executors import DaskExecutor, Executor, ProcessExecutor, TaskFailure, make_executor

__all__ = ["BatchSummary", "DaskExecutor", "Executor", "InputResult", "InputTask", "ProcessExecutor",
           "TaskFailure", "expand_inputs", "make_executor", "process_input", "run_batch"]
