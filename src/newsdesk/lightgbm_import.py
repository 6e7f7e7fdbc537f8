"""LightGBM imported light: the body model (extract/html/learned.py) and the speaker chooser
(enrich/quote_chooser.py, quote_chooser_multi.py) read LightGBM models, and import it through here."""

from __future__ import annotations

import sys

# LightGBM's import looks for pandas, scikit-learn, Dask, pyarrow and more, to accept their tables;
# newsdesk hands it numpy arrays only, and importing those would double the process's memory (about
# 55 MB instead of 120). Those not yet imported are hidden while LightGBM is imported, then unhidden.
_OPTIONAL = ("pandas", "sklearn", "dask", "pyarrow", "datatable", "cffi", "matplotlib", "graphviz", "polars")


def import_lightgbm() -> None:
    """Import LightGBM without the table libraries it would pull in; a no-op once it is imported."""
    if "lightgbm" in sys.modules:
        return
    hidden = [name for name in _OPTIONAL if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import name" then raises ImportError
    try:
        import lightgbm  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name) is None:
                del sys.modules[name]


def complete_model(model: str) -> bool:
    """Whether a LightGBM model text ends as LightGBM writes one (its trees, then its trailer): LightGBM
    may abort the whole process on a cut-off one, so a loader checks first."""
    tail = model.rstrip()
    return "end of trees" in tail and tail.rsplit("\n", 1)[-1].startswith("pandas_categorical:")
