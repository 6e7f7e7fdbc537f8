"""ECB+ (../shared/data/ecbplus) as plain-text documents: the tokenised XML rejoined into sentences.

Each document becomes `<topic>_<n><ecb|ecbplus>.txt` whose lines are its sentences; tokens are joined with
spaces except around punctuation, and URL lines (the first line of most ecbplus documents) are joined
without spaces, as are numeric dates ("05 / 02 / 2013" back to "05/02/2013"). The gold event of a
document is its topic plus its ecb/ecbplus suffix. An ecbplus document's first line is the address it
was read from: `Document.url` gives it, as a crawl's record gives a page's address with the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ecbplus" / "ECB+"
NAME = re.compile(r"^(\d+)_(\d+)(ecb|ecbplus)\.xml$")
NO_SPACE_BEFORE = frozenset(". , ; : ! ? ) ] } % ' 's n't 're 've 'll 'd 'm ’s ’ ''".split())
NO_SPACE_AFTER = frozenset("( [ { $ # `` “ ‘".split())
CLOSING = frozenset({"''", "”", "’"})
CONTRACTIONS = frozenset({"s", "t", "ll", "re", "ve", "d", "m"})


@dataclass(frozen=True, slots=True)
class Document:
    name: str  # e.g. 1_10ecbplus
    topic: int
    event: str  # e.g. 1ecbplus
    text: str

    @property
    def url(self) -> str | None:
        """The address the document was read from (its first line, when that is one), else None."""
        first = self.text.split("\n", 1)[0].strip()
        return first if first.lower().startswith(("http://", "https://")) and " " not in first else None


def data_dir() -> Path:
    if not DATA.is_dir():
        raise SystemExit(f"ECB+ data not found at {DATA}: the benchmark reads ../shared/data/ecbplus")
    return DATA


def documents(topics: range | list[int]) -> list[Document]:
    """Every document of the given topics (a topic folder that is absent is skipped), sorted by name."""
    root = data_dir()
    docs: list[Document] = []
    for topic in topics:
        folder = root / str(topic)
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.xml")):
            match = NAME.match(path.name)
            if not match:
                continue
            docs.append(Document(path.stem, topic, f"{match[1]}{match[3]}", detokenise(path)))
    return docs


def detokenise(path: Path) -> str:
    """The document's text, one sentence per line."""
    tree = etree.parse(str(path))
    sentences: dict[str, list[str]] = {}
    for token in tree.iter("token"):
        sentences.setdefault(token.get("sentence") or "0", []).append(token.text or "")
    return "\n".join(join_tokens(tokens) for tokens in sentences.values()) + "\n"


def join_tokens(tokens: list[str]) -> str:
    if tokens and tokens[0].lower().startswith("http"):
        return "".join(tokens)
    out: list[str] = []
    glue = True  # no space before the next token
    for token in tokens:
        contraction = bool(out) and out[-1] in ("'", "’") and token in CONTRACTIONS
        if out and not glue and not contraction and token not in NO_SPACE_BEFORE and token not in CLOSING:
            out.append(" ")
        out.append(token)
        glue = token in NO_SPACE_AFTER
    # "90 - day", "4 : 59", "05 / 02 / 2013": hyphenated words, clock times and dates were split.
    text = "".join(out)
    text = re.sub(r"(?<=\w) - (?=\w)", "-", text)
    text = re.sub(r"\b(\d{1,2}) / (\d{1,2}) / ((?:19|20)?\d\d)\b", r"\1/\2/\3", text)  # 05 / 02 / 2013
    return re.sub(r"(?<=\d) : (?=\d)", ":", text)


def write_texts(docs: list[Document], folder: Path) -> list[Path]:
    paths = []
    for doc in docs:
        path = folder / f"{doc.name}.txt"
        path.write_text(doc.text, encoding="utf-8")
        paths.append(path)
    return paths
