"""The `newsdesk` subcommands beyond `extract`, one module per job; cli.py registers them."""

from __future__ import annotations

import click

db_option = click.option(
    "--db", "db", envvar="NEWSDESK_DB", metavar="URL",
    help="The store: sqlite:///path.db (default ./newsdesk.db), postgresql://user@host/db. "
         "Falls back to $NEWSDESK_DB.")
