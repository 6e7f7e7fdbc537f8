"""Seed-averaged LightGBM models for the trainers of the quotation chain (`train_quotes`,
`train_bounds`, `train_filter`).

One LightGBM model fitted with one seed is one draw: with other seeds of its feature and row sampling
the chain's cross-validated direct-quote F1 on PolNeAR train moved by 0.003-0.004 (docs/benchmarks.md,
issue 16 round 8). `fit` fits `members` boosters that differ only in their seeds (rows bagged and
features sampled differently) and merges them into **one** booster whose raw score is the mean of
theirs: every member's trees, their leaf values divided by the number of members. Enrichment loads
and calls it as it did a single model (one predict call per body; the trees are `members` times as
many). `members` and the first seed are set once per command (`configure`, from the trainers'
`--members` and `--seed` options); every fit is deterministic for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsdesk.lightgbm_import import import_lightgbm

if TYPE_CHECKING:
    import lightgbm
    import numpy

# The boosters averaged by default: 1, the shipped models (single boosters, seed 0). Three averaged
# raised the chain's nested train-CV F1 (docs/benchmarks.md, issue 16 round 9) but were not shipped.
MEMBERS = 1
SAMPLING = {"bagging_fraction": 0.8, "bagging_freq": 1}  # rows bagged, so that the seeds differ
_TREE = re.compile(r"^Tree=\d+$", re.MULTILINE)
_SCALED = ("leaf_value=", "internal_value=")


@dataclass(slots=True)
class Settings:
    members: int = MEMBERS
    seed: int = 0  # the first member's seed; member j has seed `seed * members + j`


SETTINGS = Settings()


def configure(members: int, seed: int) -> None:
    """Set the number of boosters averaged and the seed every following `fit` starts from."""
    if members < 1 or seed < 0:
        raise ValueError(f"members must be >= 1 and seed >= 0, not {members} and {seed}")
    SETTINGS.members = members
    SETTINGS.seed = seed


def member_params(params: dict[str, object], member: int) -> dict[str, object]:
    """`params` with the seeds of member `member` of the current settings (and row bagging when more
    than one member is averaged; a single member keeps `params`' sampling, the models as fitted before)."""
    seed = SETTINGS.seed * SETTINGS.members + member
    extra: dict[str, object] = dict(SAMPLING) if SETTINGS.members > 1 else {}
    return {**params, **extra, "seed": seed, "feature_fraction_seed": seed, "bagging_seed": seed}


def fit(params: dict[str, object], rows: numpy.ndarray, labels: numpy.ndarray, names: list[str],
        rounds: int) -> lightgbm.Booster:
    """The seed-averaged booster of the current settings fitted on `rows` (one booster when
    `members` is 1)."""
    import_lightgbm()
    import lightgbm

    data = lightgbm.Dataset(rows, labels, feature_name=names, free_raw_data=False)
    boosters = [lightgbm.train(member_params(params, j), data, num_boost_round=rounds)
                for j in range(SETTINGS.members)]
    return boosters[0] if len(boosters) == 1 else merge(boosters)


def merge(boosters: list[lightgbm.Booster]) -> lightgbm.Booster:
    """One booster whose raw score is the mean of `boosters`' raw scores (the same features, one
    class): all their trees, each leaf's value divided by their number."""
    import_lightgbm()
    import lightgbm

    texts = [b.model_to_string() for b in boosters]
    first = texts[0]
    header = first[: _TREE.search(first).start()]  # type: ignore[union-attr]
    # The trees' byte sizes (an index LightGBM reads trees by, when present) no longer hold.
    header = "".join(line for line in header.splitlines(keepends=True) if not line.startswith("tree_sizes="))
    trailer = first[first.index("end of trees") :]
    trees: list[str] = []
    for text in texts:
        body = text[_TREE.search(text).start() : text.index("end of trees")]  # type: ignore[union-attr]
        trees += [t for t in _TREE.split(body) if t.strip()]
    scale = 1.0 / len(boosters)
    out = [header]
    for i, tree in enumerate(trees):
        lines = []
        for line in tree.split("\n"):
            key = next((k for k in _SCALED if line.startswith(k)), None)
            if key is not None:
                line = key + " ".join(repr(float(v) * scale) for v in line[len(key) :].split())
            lines.append(line)
        out.append(f"Tree={i}" + "\n".join(lines))
    out.append(trailer)
    return lightgbm.Booster(model_str="".join(out))
