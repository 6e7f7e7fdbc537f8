"""`newsdesk serve --workers N`: uvicorn's supervisor with a listening socket per worker."""

from __future__ import annotations

import socket

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Multiprocess, Process


class SocketPerWorker(Multiprocess):
    """uvicorn's supervisor, each worker serving its own socket (`worker_sockets`): the worker in slot
    k, and any worker that replaces it, serves sockets[k]. A restart (SIGHUP) replaces the workers one
    at a time, each slot keeping its socket."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets=[])
        self.slots = sockets

    def _start(self, slot: int) -> Process:
        process = Process(self.config, [self.slots[slot]])
        process.start()
        return process

    def init_processes(self) -> None:
        self.processes = [self._start(slot) for slot in range(self.processes_num)]

    def restart_all(self) -> None:
        for slot, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._start(slot)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def keep_subprocess_alive(self) -> None:
        for slot, process in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:  # broken app or socket: every restart would fail too
                self.should_exit.set()
                return
            self.processes[slot] = self._start(slot)

    def handle_ttin(self) -> None:
        """More workers at run time would need more sockets: not offered (restart with --workers)."""

    def handle_ttou(self) -> None:
        """Fewer workers would leave a socket no one accepts on: not offered (restart with --workers)."""
