"""The `newsdesk` command. Results go to stdout; progress and diagnostics to stderr."""

from __future__ import annotations

import os
import sys

import click

from newsdesk.errors import NewsdeskError, SettingsError


class Newsdesk(click.Group):
    """The command group, and the one error boundary of every command: a `NewsdeskError` (a bad store
    URL, a query that cannot be searched, an unreadable input...) becomes its message on stderr and
    exit status 1 (2 for a bad setting, as for a bad option), never a traceback. Commands raise them
    and leave the rest to this."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SettingsError as error:
            raise click.UsageError(str(error)) from None
        except NewsdeskError as error:
            raise click.ClickException(str(error)) from None
        except UnicodeEncodeError as error:
            # Bytes of an argument that are not UTF-8 reach Python as lone surrogates (U+DC80-U+DCFF),
            # which no store or output can take: the user's input, not a bug.
            bad = error.object[error.start:error.end] if isinstance(error.object, str) else ""
            if not bad or not all("\udc80" <= char <= "\udcff" for char in bad):
                raise
            given = error.object[:80].encode("utf-8", "surrogateescape")
            raise click.ClickException(f"{given!r} is not UTF-8 text: give arguments in UTF-8") from None


@click.group(cls=Newsdesk, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsdesk")
def main() -> None:
    """newsdesk turns raw online news pages into clean, structured article records.

    \b
    Examples:
      newsdesk extract page.html                 one page, as indented JSON
      newsdesk extract pages/ --format jsonl     a folder, one JSON line per page
      curl -s URL | newsdesk extract - --url URL
    """


# The subcommands: the module of newsdesk.commands and the commands it defines, in groups of a job
# (`newsdesk --help` lists them alphabetically).
COMMANDS = [
    ("extract", "extract"),
    ("ingest", "ingest update errors"),
    ("search", "search show sources export"),
    ("enrich", "enrich annotate quotes entities"),
    ("batch", "batch load"),
    ("stories", "cluster roundup stories story duplicates"),
    ("serve", "serve"),
    ("desk", "coverage collections saved watch"),
]


def _register() -> None:
    import importlib

    for module, names in COMMANDS:
        commands = importlib.import_module(f"newsdesk.commands.{module}")
        for name in names.split():
            main.add_command(getattr(commands, name))


_register()


def run() -> None:
    try:
        main(prog_name="newsdesk")
    except BrokenPipeError:  # `newsdesk extract pages/ | head`: the reader left; stop quietly
        # Python would report the failed flush of stdout again at exit: point stdout at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


if __name__ == "__main__":
    run()
