"""The learned body model: a gradient-boosted classifier (LightGBM) decides which blocks are the body.

The rules of body.py run first; their choice, with every other feature of blocks.py, goes to the
model, which gives each block the probability that it is main content. Blocks at or above THRESHOLD
make the body, in document order, less what tidy.py knows is never body (comment threads,
like/share widgets, trailing reading lists). The model ships as package data (models/body.txt, LightGBM's text
format; `python -m newsdesk.extract.train` fits it) and is loaded once per process on first use.

`Settings.body_model` chooses: "" the shipped model, "rules" the rules alone, or the path of another
model file (the cross-validated benchmark scores each page with a model that never saw its site).
When a page has more blocks than MAX_BLOCKS, or the model keeps none of its blocks, the rules decide;
a model file that cannot be read, or was fitted on other features, is an ExtractionError.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from newsdesk.errors import ExtractionError
from newsdesk.extract.blocks import FEATURES, PageHints, block_features
from newsdesk.extract.body import Choice
from newsdesk.extract.tidy import tidy

if TYPE_CHECKING:
    import lightgbm

    from newsdesk.extract.dom import Flat

MODEL = Path(__file__).resolve().parent / "models" / "body.txt"
THRESHOLD = 0.5
MAX_BLOCKS = 20_000
RULES = "rules"

_models: dict[str, lightgbm.Booster] = {}
_lock = threading.Lock()


def load_model(path: str = "") -> lightgbm.Booster:
    """The model at `path` ("" = the shipped one), loaded once per process."""
    key = path or str(MODEL)
    model = _models.get(key)
    if model is None:
        with _lock:
            model = _models.get(key)
            if model is None:
                model = _models[key] = _read(Path(key))
    return model


# LightGBM's import looks for pandas, scikit-learn, Dask, pyarrow and more, to accept their tables;
# newsdesk hands it numpy arrays only, and importing those would double the process's memory (about
# 55 MB instead of 120). Those not yet imported are hidden while LightGBM is imported, then unhidden.
_OPTIONAL = ("pandas", "sklearn", "dask", "pyarrow", "datatable", "cffi", "matplotlib", "graphviz", "polars")


def _import_lightgbm() -> None:
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


def _read(path: Path) -> lightgbm.Booster:
    _import_lightgbm()
    import lightgbm

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExtractionError(f"body model {path} cannot be read: {exc}", stage="extract") from exc
    model = lightgbm.Booster(model_str=text)
    if model.feature_name() != FEATURES:
        raise ExtractionError(f"body model {path} was fitted on other features; retrain it with "
                              "python -m newsdesk.extract.train", stage="extract")
    return model


def predict(flat: Flat, choice: Choice, hints: PageHints, title: str | None, description: str | None,
            path: str = "") -> list[float]:
    """The model's probability that each block of `flat` is main content."""
    rows = block_features(flat, choice, hints, title, description)
    model = load_model(path)
    return [float(p) for p in model.predict(rows, num_threads=1)]


def learned_blocks(flat: Flat, choice: Choice, hints: PageHints, title: str | None,
                   description: str | None, path: str = "") -> list[int] | None:
    """Indices of the body blocks by the model; None when the rules should decide."""
    if path == RULES or not flat.blocks or len(flat.blocks) > MAX_BLOCKS:
        return None
    probabilities = predict(flat, choice, hints, title, description, path)
    kept = tidy(flat, [i for i, p in enumerate(probabilities) if p >= THRESHOLD])
    # A model that keeps nothing where the rules found text is a page it cannot read (a lone
    # paragraph, a fragment): the rules' answer stands.
    return kept or None
