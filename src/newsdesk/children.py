"""Worker processes that never outlive the process that started them.

A parent killed with SIGKILL runs no clean-up, so its workers must notice by themselves: on Linux each
asks the kernel (prctl PR_SET_PDEATHSIG) for SIGKILL when its parent dies; elsewhere, a thread polls
the parent's pid. Both run first thing in the worker (`die_with_parent` as the pool's initializer).
Once the workers are gone, multiprocessing's resource tracker sees its pipe close and exits too.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Make this process end when the process `parent` ends (and end now if it already has)."""
    armed = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch, args=(parent,), name="newsdesk-parent-watch", daemon=True).start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)
