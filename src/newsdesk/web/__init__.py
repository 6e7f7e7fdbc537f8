"""The web desk: `newsdesk serve` runs `create_app(store_url, settings)` (REST API under /api/, pages)."""

from newsdesk.web.app import create_app

__all__ = ["create_app"]
