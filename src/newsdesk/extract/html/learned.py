"""The learned body model: a gradient-boosted classifier (LightGBM) decides which blocks are the body.

The rules of body.py run first; their choice, with every other feature of blocks.py, goes to the
first stage, which gives each block the probability that it is main content. The second stage
(stack.py) decides again, seeing the first stage's probabilities of the block's neighbours, siblings,
region and page, and whether the block is an item of a dated thread with or without article text
before it (a comment section or the posts of a forum). Blocks at or above THRESHOLD make the body,
in document order, less what tidy.py knows is never body (like/share widgets, trailing reading
lists). Both stages ship in one package-data file (models/body.txt: LightGBM's text format, the
second after STACK_MARK; `python -m newsdesk.extract.html.train` fits them) loaded once per process.

`Settings.body_model` chooses: "" the shipped model, "rules" the rules alone, or the path of another
model file (the cross-validated benchmark scores each page with a model that never saw its site).
When a page has more blocks than MAX_BLOCKS, or the model keeps none of its blocks, the rules decide;
a model file that cannot be read, or was fitted on other features, is an ExtractionError.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from newsdesk.errors import ExtractionError
from newsdesk.extract.html.blocks import FEATURES, PageHints, block_features
from newsdesk.extract.html.body import Choice
from newsdesk.extract.html.stack import STACK_FEATURES, stack_rows, structure
from newsdesk.extract.html.tidy import Furniture, tidy
from newsdesk.lightgbm_import import import_lightgbm

if TYPE_CHECKING:
    import lightgbm

    from newsdesk.extract.html.dom import Flat

MODEL = Path(__file__).resolve().parent / "models" / "body.txt"
THRESHOLD = 0.5
MAX_BLOCKS = 20_000
RULES = "rules"

STACK_MARK = "\n#### second stage ####\n"

_models: dict[str, tuple[lightgbm.Booster, lightgbm.Booster]] = {}
_lock = threading.Lock()


def load_model(path: str = "") -> tuple[lightgbm.Booster, lightgbm.Booster]:
    """The two stages of the model at `path` ("" = the shipped one), loaded once per process."""
    key = path or str(MODEL)
    model = _models.get(key)
    if model is None:
        with _lock:
            model = _models.get(key)
            if model is None:
                model = _models[key] = _read(Path(key))
    return model


def _read(path: Path) -> tuple[lightgbm.Booster, lightgbm.Booster]:
    import_lightgbm()
    import lightgbm

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExtractionError(f"body model {path} cannot be read: {exc}", stage="extract") from exc
    first, mark, second = text.partition(STACK_MARK)
    try:
        models = lightgbm.Booster(model_str=first), lightgbm.Booster(model_str=second if mark else first)
    except lightgbm.basic.LightGBMError as exc:
        raise ExtractionError(f"body model {path} cannot be read: {exc}", stage="extract") from exc
    if models[0].feature_name() != FEATURES or models[1].feature_name() != STACK_FEATURES:
        raise ExtractionError(f"body model {path} was fitted on other features; retrain it with "
                              "python -m newsdesk.extract.html.train", stage="extract")
    return models


def predict(flat: Flat, choice: Choice, hints: PageHints, title: str | None, description: str | None,
            path: str = "", furniture: Furniture | None = None) -> list[float]:
    """The model's probability that each block of `flat` is main content (the second stage's).
    `furniture`: the page's (tidy.Furniture), when already found (else found here)."""
    rows = block_features(flat, choice, hints, title, description)
    first, second = load_model(path)
    p = np.asarray(first.predict(rows, num_threads=1), np.float64)
    struct = structure(flat, choice, furniture or Furniture(flat))
    return [float(q) for q in second.predict(stack_rows(rows, p, struct), num_threads=1)]


def learned_blocks(flat: Flat, choice: Choice, hints: PageHints, title: str | None,
                   description: str | None, path: str = "") -> list[int] | None:
    """Indices of the body blocks by the model; None when the rules should decide."""
    if path == RULES or not flat.blocks or len(flat.blocks) > MAX_BLOCKS:
        return None
    furniture = Furniture(flat)  # read by the second stage and by tidy: found once
    probabilities = predict(flat, choice, hints, title, description, path, furniture)
    kept = tidy(flat, [i for i, p in enumerate(probabilities) if p >= THRESHOLD], furniture)
    # A model that keeps nothing where the rules found text is a page it cannot read (a lone
    # paragraph, a fragment): the rules' answer stands.
    return kept or None
