"""Canonical names of entities across the store, from an alias table: the shipped one plus the user's.

The table is tab-separated, one entity a line: canonical name, type (person|org|place|group or empty),
then its aliases. A second shipped table, aliases-languages.tsv, gives the names of the same entities in
other languages (its canonical names are not aliases, so English reads as without it). Lookups ignore
case, except for aliases written in capitals only ("US" is not "us").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from newsdesk.errors import SettingsError

TYPES = frozenset({"person", "org", "place", "group"})
LANGUAGES_TABLE = "aliases-languages.tsv"


@dataclass(frozen=True, slots=True)
class Canonical:
    name: str
    type: str | None


@dataclass
class AliasTable:
    exact: dict[str, Canonical] = field(default_factory=dict)
    folded: dict[str, Canonical] = field(default_factory=dict)

    def add(self, canonical: Canonical, alias: str) -> None:
        alias = " ".join(alias.split())
        if alias.isupper() and len(alias.replace(".", "")) <= 5:
            self.exact[alias] = canonical
        else:
            self.folded[alias.casefold()] = canonical

    def lookup(self, name: str) -> Canonical | None:
        name = " ".join(name.split())
        return self.exact.get(name) or self.folded.get(name.casefold())

    def read(self, text: str, source: str, *, canonical_is_alias: bool = True) -> None:
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            cells = [cell.strip() for cell in line.split("\t")]
            kind = cells[1] if len(cells) > 1 else ""
            if kind and kind not in TYPES:
                raise SettingsError(f"line {number}: type must be one of {sorted(TYPES)} or empty, not "
                                    f"{kind!r}", source=source, stage="aliases")
            canonical = Canonical(cells[0], kind or None)
            for alias in [cells[0], *cells[2:]] if canonical_is_alias else cells[2:]:
                if alias:
                    self.add(canonical, alias)


def shipped_table_text(name: str = "aliases.tsv") -> str:
    return resources.files("newsdesk.enrich").joinpath(f"data/{name}").read_text(encoding="utf-8")


@functools.cache
def load_aliases(alias_file: str = "") -> AliasTable:
    """The shipped table, extended (and overridden, line by line) by `alias_file` when given."""
    table = AliasTable()
    table.read(shipped_table_text(), "newsdesk/enrich/data/aliases.tsv")
    # Other languages' names of the same entities; their English names stay as aliases.tsv has them.
    table.read(shipped_table_text(LANGUAGES_TABLE), f"newsdesk/enrich/data/{LANGUAGES_TABLE}",
               canonical_is_alias=False)
    if alias_file:
        path = Path(alias_file).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SettingsError(f"cannot read the alias file: {error}", source=str(path),
                                stage="aliases") from None
        table.read(text, str(path))
    return table
