"""What every request handler of the desk shares: the open store, the ingest jobs, the guard."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from newsdesk.settings import Settings
from newsdesk.store import Store
from newsdesk.web.jobs import Jobs
from newsdesk.web.security import Guard


@dataclass
class Desk:
    store: Store
    settings: Settings
    jobs: Jobs
    guard: Guard
    allow_private: bool
    scan_limit: int


def desk_of(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk
