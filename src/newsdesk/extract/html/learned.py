"""The learned body model: a gradient-boosted classifier (LightGBM) decides which blocks are the body.

The rules of body.py run first; their choice, with every other feature of blocks.py, goes to the
first stage, which gives each block the probability that it is main content. The second stage
(stack.py) decides again, seeing the first stage's probabilities of the block's neighbours, siblings,
region and page, and whether the block is an item of a dated thread with or without article text
before it (a comment section or the posts of a forum). A third model chooses where this page's
probabilities are cut (page_cut.py: a collection's items sit lower than an article's paragraphs;
blocks of hidden boxes keep THRESHOLD). Blocks at or above the cut make the body, in document order,
less what tidy.py knows is never body (like/share widgets, trailing reading lists). The three ship in
one package-data file (models/body.txt: LightGBM's text format, the second after STACK_MARK, the cut
model after page_cut.CUT_MARK; `python -m newsdesk.extract.html.train` fits them) loaded once per
process. A model file without a cut model cuts every page at THRESHOLD.

`Settings.body_model` chooses: "" the shipped model, "rules" the rules alone, or the path of another
model file (the cross-validated benchmark scores each page with a model that never saw its site).
When a page has more blocks than MAX_BLOCKS, or the model keeps none of its blocks, or the page is a
fragment (fewer than FRAGMENT_BLOCKS blocks, none hidden, every one of them body by the rules: no
header, menu or footer around it), the rules decide;
a model file that cannot be read, or was fitted on other features, is an ExtractionError.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from newsdesk.errors import ExtractionError
from newsdesk.extract.html.blocks import FEATURES, PageHints, block_features
from newsdesk.extract.html.body import Choice
from newsdesk.extract.html.page_cut import (
    CUT_COLUMNS,
    CUT_MARK,
    DEFAULT,
    CutModel,
    block_cuts,
    choose,
    parse_cut,
)
from newsdesk.extract.html.stack import STACK_FEATURES, stack_rows, structure
from newsdesk.extract.html.tidy import Furniture, tidy
from newsdesk.lightgbm_import import complete_model, import_lightgbm

if TYPE_CHECKING:
    import lightgbm

    from newsdesk.extract.html.dom import Flat

MODEL = Path(__file__).resolve().parent / "models" / "body.txt"
THRESHOLD = DEFAULT
MAX_BLOCKS = 20_000
# A page starts with its header: of the training pages' first blocks, 4% are body (1% of those over
# 20 words), and the model learned it. A fragment (a few paragraphs and nothing around them) has no
# header, and only 9 of the 1,954 training pages have fewer than 10 shown blocks (none of them a
# fragment: all its blocks shown and kept by the rules). On a fragment the model has nothing to go
# by: a refit of today's code drops its first paragraph (docs/benchmarks.md).
FRAGMENT_BLOCKS = 10
RULES = "rules"

STACK_MARK = "\n#### second stage ####\n"

_models: dict[str, tuple[tuple[lightgbm.Booster, lightgbm.Booster], CutModel | None]] = {}
_lock = threading.Lock()


def load_model(path: str = "") -> tuple[lightgbm.Booster, lightgbm.Booster]:
    """The two stages of the model at `path` ("" = the shipped one), loaded once per process."""
    return _load(path)[0]


def load_cut(path: str = "") -> CutModel | None:
    """The page cut model of the model file at `path` (None: the file has none; cut at THRESHOLD)."""
    return _load(path)[1]


def _load(path: str) -> tuple[tuple[lightgbm.Booster, lightgbm.Booster], CutModel | None]:
    key = path or str(MODEL)
    model = _models.get(key)
    if model is None:
        with _lock:
            model = _models.get(key)
            if model is None:
                model = _models[key] = _read(Path(key))
    return model


def _read(path: Path) -> tuple[tuple[lightgbm.Booster, lightgbm.Booster], CutModel | None]:
    import_lightgbm()
    import lightgbm

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExtractionError(f"body model {path} cannot be read: {exc}", stage="extract") from exc
    text, cut_mark, cut_text = text.partition(CUT_MARK)
    first, mark, second = text.partition(STACK_MARK)
    parts = [first, *([second] if mark else []), *([cut_text] if cut_mark else [])]
    if not all(complete_model(part) for part in parts):  # (LightGBM aborts the process on a cut-off model)
        raise ExtractionError(f"body model {path} is cut off (a part ends before LightGBM's trailer); "
                              "retrain it with python -m newsdesk.extract.html.train", stage="extract")
    try:
        models = lightgbm.Booster(model_str=first), lightgbm.Booster(model_str=second if mark else first)
        cut = None
        if cut_text:
            cuts, margin, booster = parse_cut(cut_text)
            cut = CutModel(lightgbm.Booster(model_str=booster), cuts, margin)
    except (lightgbm.basic.LightGBMError, ValueError) as exc:
        raise ExtractionError(f"body model {path} cannot be read: {exc}", stage="extract") from exc
    if (models[0].feature_name() != FEATURES or models[1].feature_name() != STACK_FEATURES
            or (cut is not None and cut.booster.feature_name() != CUT_COLUMNS)):
        raise ExtractionError(f"body model {path} was fitted on other features; retrain it with "
                              "python -m newsdesk.extract.html.train", stage="extract")
    return models, cut


def predict(flat: Flat, choice: Choice, hints: PageHints, title: str | None, description: str | None,
            path: str = "", furniture: Furniture | None = None) -> list[float]:
    """The model's probability that each block of `flat` is main content (the second stage's).
    `furniture`: the page's (tidy.Furniture), when already found (else found here)."""
    return [float(q) for q in _predict(flat, choice, hints, title, description, path, furniture)[1]]


def _predict(flat: Flat, choice: Choice, hints: PageHints, title: str | None, description: str | None,
             path: str, furniture: Furniture | None
             ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64]]:
    rows = block_features(flat, choice, hints, title, description)
    first, second = load_model(path)
    p = np.asarray(first.predict(rows, num_threads=1), np.float64)
    struct = structure(flat, choice, furniture or Furniture(flat))
    return rows, np.asarray(second.predict(stack_rows(rows, p, struct), num_threads=1), np.float64)


def page_cuts(rows: npt.NDArray[np.float32], probabilities: npt.NDArray[np.float64], path: str = ""
              ) -> npt.NDArray[np.float64]:
    """Each block's cut: the page's (the cut model's choice) for shown blocks, THRESHOLD for hidden ones."""
    return block_cuts(rows, choose(load_cut(path), rows, probabilities))


def learned_blocks(flat: Flat, choice: Choice, hints: PageHints, title: str | None,
                   description: str | None, path: str = "") -> list[int] | None:
    """Indices of the body blocks by the model; None when the rules should decide."""
    if not model_reads(flat, choice, path):
        return None
    furniture = Furniture(flat)  # read by the second stage and by tidy: found once
    rows, probabilities = _predict(flat, choice, hints, title, description, path, furniture)
    return cut_blocks(flat, probabilities, page_cuts(rows, probabilities, path), furniture)


def model_reads(flat: Flat, choice: Choice, path: str = "") -> bool:
    """Whether the model decides this page's body (else the rules do: see the module's notes)."""
    return not (path == RULES or not flat.blocks or len(flat.blocks) > MAX_BLOCKS or _fragment(flat, choice))


def cut_blocks(flat: Flat, probabilities: npt.NDArray[np.float64], cuts: npt.NDArray[np.float64] | float,
               furniture: Furniture) -> list[int] | None:
    """The body blocks at these cuts (each block's, or one for all), less what tidy drops; None when
    that leaves nothing. Serving and the page cut's training targets (train.py) both read it."""
    kept = tidy(flat, [int(i) for i in np.flatnonzero(probabilities >= cuts)], furniture)
    # A model that keeps nothing where the rules found text is a page it cannot read (a lone
    # paragraph, a fragment): the rules' answer stands.
    return kept or None


def _fragment(flat: Flat, choice: Choice) -> bool:
    """Whether the page is a fragment the model never learned from (FRAGMENT_BLOCKS): fewer blocks
    than that, none hidden, every one kept by the rules."""
    return (not flat.hidden_blocks and len(flat.blocks) < FRAGMENT_BLOCKS
            and set(choice.kept) >= set(range(len(flat.blocks))))
