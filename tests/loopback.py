"""A local HTTP server for fetching tests: 127.0.0.1 on a free port, one thread a request. A test module
subclasses it with its request handler; the handler reads what to serve from `self.server.site`."""

from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    handler: ClassVar[type[BaseHTTPRequestHandler]]

    def __init__(self, site: Any) -> None:
        super().__init__(("127.0.0.1", 0), type(self).handler)
        self.site = site

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the fetcher hung up on purpose (a size or time limit): not worth a traceback
        super().handle_error(request, client_address)
