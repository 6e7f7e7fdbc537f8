"""XML from the web is checked before any parser that could expand entities sees it.

Feeds and sitemaps never need a DTD, so a document that declares one (or an entity) is refused whole:
no billion-laughs expansion, no external entity fetched. The check is defusedxml's parser with DTDs
forbidden; a document it cannot parse (feeds are often not well-formed) is refused if a DTD or entity
declaration appears anywhere in its text, and otherwise left to the lenient parser.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import ParseError

from newsdesk.errors import UnsafeXMLError

_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def as_text(data: bytes) -> str:
    """The document as text for the declaration scan (UTF-16 by its BOM, else bytes as Latin-1)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    return data.decode("latin-1")


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
        text = data if isinstance(data, str) else as_text(payload)
        match = _DECLARATION.search(text)
        if match:
            raise UnsafeXMLError(f"refused: the document holds a <!{match.group(1).upper()} declaration "
                                 "(nothing was expanded or fetched)", source=source, stage="parse") from None


_NAMES = {"dtd": "DTD", "entities": "entity", "externalreference": "external reference"}
