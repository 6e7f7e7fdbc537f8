"""XML from the web is checked before any parser that could expand entities sees it.

Feeds and sitemaps never need a DTD, so a document that declares one (or an entity) is refused whole:
no billion-laughs expansion, no external entity fetched. The check is defusedxml's parser with DTDs
forbidden; a document it cannot parse (feeds are often not well-formed) is refused if a DTD or entity
declaration appears anywhere in its text (read as Latin-1, by its BOM, and, when it holds NUL bytes,
as UTF-16 and UTF-32 with or without a BOM), and otherwise left to the lenient parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import ParseError

from newsdesk.errors import UnsafeXMLError

_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\xfe\xff", "utf-16-be"),
         (b"\xff\xfe", "utf-16-le"))
_WIDE = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def as_text(data: bytes) -> str:
    """The document as text for the declaration scan: by its BOM (UTF-32 or UTF-16), else as Latin-1."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, "replace")
    return data.decode("latin-1")


def _readings(data: bytes) -> Iterator[str]:
    """Every way the bytes could be read as text: by BOM or as Latin-1 (ASCII-compatible encodings),
    and, when there are NUL bytes, as UTF-16 and UTF-32 of either byte order at every alignment, so a
    declaration in a BOM-less wide encoding is seen too."""
    yield as_text(data)
    if b"\x00" not in data:
        return
    for encoding in _WIDE:
        width = 2 if "16" in encoding else 4
        for shift in range(width):
            usable = (len(data) - shift) // width * width
            yield data[shift:shift + usable].decode(encoding, "replace")


def refuse_unsafe_xml(data: bytes | str, source: str | None = None) -> None:
    """Raise UnsafeXMLError if the document declares a DTD or entities; parse nothing else."""
    import defusedxml.ElementTree as defused
    from defusedxml import DefusedXmlException

    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        defused.fromstring(payload, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        what = type(error).__name__.removesuffix("Forbidden").lower() or "declaration"
        raise UnsafeXMLError(f"refused: the XML declares a {_NAMES.get(what, what)} (feeds and sitemaps "
                             "need none; nothing was expanded or fetched)", source=source,
                             stage="parse") from None
    except (ParseError, ValueError):
        readings = [data] if isinstance(data, str) else _readings(payload)
        match = next((found for text in readings if (found := _DECLARATION.search(text))), None)
        if match:
            raise UnsafeXMLError(f"refused: the document holds a <!{match.group(1).upper()} declaration "
                                 "(nothing was expanded or fetched)", source=source, stage="parse") from None


_NAMES = {"dtd": "DTD", "entities": "entity", "externalreference": "external reference"}
