"""The `newsdesk` subcommands, one module per job; cli.py registers them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from newsdesk.errors import QueryError
from newsdesk.search.dates import check_date

db_option = click.option(
    "--db", "db", envvar="NEWSDESK_DB", metavar="URL",
    help="The store: sqlite:///path.db (default ./newsdesk.db), postgresql://user@host/db. "
         "Falls back to $NEWSDESK_DB.")

F = TypeVar("F", bound=Callable[..., Any])


def renamed_option(name: str, old: str, dest: str, **attrs: Any) -> Callable[[F], F]:
    """The option `name` (the command's argument `dest`) and `old`, its name before, still accepted
    until the next release with a deprecation warning on stderr; giving both is a usage error."""
    key = f"newsdesk.old-name:{dest}"
    both = f"give {name} once ({old} is its old name)"

    def given(value: Any) -> bool:
        return value is not None and value != ()

    def new_name(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if given(value) and key in ctx.meta:
            raise click.UsageError(both, ctx=ctx)
        return value if given(value) else ctx.meta.get(key, value)

    def old_name(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if not given(value):
            return
        click.echo(f"newsdesk: {old} is deprecated, use {name}; {old} is accepted until the next release",
                   err=True)
        if given(ctx.params.get(dest)):
            raise click.UsageError(both, ctx=ctx)
        ctx.meta[key] = value
        if dest in ctx.params:  # the new name was read already (not given): it takes the old one's value
            ctx.params[dest] = value

    def add(func: F) -> F:
        hidden = {name: value for name, value in attrs.items() if name in ("multiple", "metavar", "type")}
        func = click.option(old, f"{dest}_old_name", hidden=True, expose_value=False, callback=old_name,
                            help=f"Deprecated: {name}.", **hidden)(func)
        return click.option(name, dest, callback=new_name, **attrs)(func)

    return add


def site_option(help: str) -> Callable[[F], F]:
    """`--site SITE` (the outlet: its name or host), the `site` argument of the command; `--source`, its
    old name (where a page came from is its input, not its source), accepted until the next release."""
    return renamed_option("--site", "--source", "site", help=help)


MAX_ID = 2**62  # stores hand out ids below this (the API's bound too)


def article_ref(text: str, param: str = "ID") -> int | str:
    """A stored article's id (ASCII digits only: "²" is no number) or else its URL, as `show`,
    `duplicates` take it; an id beyond what any store hands out is a bad parameter, not a driver error."""
    if text.strip().isdigit():
        if not text.strip().isascii():
            raise click.BadParameter(f"{text.strip()!r} is no article id (write it in the digits 0-9)",
                                     param_hint=param)
        number = int(text)
        if not 0 < number < MAX_ID:
            raise click.BadParameter(f"{text.strip()} is no article id (ids run from 1 to {MAX_ID - 1})",
                                     param_hint=param)
        return number
    return text


class DateParam(click.ParamType[str, str]):
    """A date option (`newsdesk.search.dates`): a clear error for one that is not a date, rather than
    an empty result."""

    name = "date"

    def __init__(self, day: bool = False) -> None:
        self.day = day

    def convert(self, value: str, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return check_date(str(value), day=self.day)
        except QueryError as error:
            self.fail(error.reason, param, ctx)


DATE = DateParam()
DAY = DateParam(day=True)


class QueryCommand(click.Command):
    """A command taking a search QUERY, whose words may start with '-' as the query language has it:
    `newsdesk search nato -trump` (or `-trump` alone). An argument that starts with '-' and is no option
    of the command is a word of the query, not an unknown option; `--` still ends the options."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value: dict[str, bool] = {}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not (param.is_flag or param.count)
        options: list[str] = []
        words: list[str] = []
        at = 0
        while at < len(args):
            arg = args[at]
            name = arg.split("=", 1)[0]
            if arg == "--":
                words += args[at + 1:]
                break
            if arg.startswith("--") or name in takes_value:
                options.append(arg)
                if takes_value.get(name) and "=" not in arg and at + 1 < len(args):
                    options.append(args[at + 1])
                    at += 1
            else:
                words.append(arg)
            at += 1
        return super().parse_args(ctx, options + (["--", *words] if words else []))


def _joined(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> str | None:
    return " ".join(value) or None


query_argument = click.argument("query", nargs=-1, callback=_joined)
"""The QUERY of a `QueryCommand`: its arguments joined by spaces, None when there are none."""


collection_option = click.option(
    "--collection", metavar="NAME",
    help="Only articles from the sites of this source collection (`newsdesk collections`).")
