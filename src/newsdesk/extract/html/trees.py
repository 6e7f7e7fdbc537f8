"""Gradient-boosted trees exported as plain data (the page-type trees, from LightGBM:
`train_page_type.export_trees`), evaluated with numpy, every tree at once: the classifier runs
without LightGBM or scikit-learn in the process."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Trees:
    """Gradient-boosted trees, all of them in flat arrays: node i tests `feature[i] <= threshold[i]`
    (a missing value goes to `missing_left[i]`'s side) and goes to `left[i]` or `right[i]`; a leaf
    points to itself and holds `value[i]`. Tree t starts at `roots[t]` and adds to class `classes[t]`."""

    version: str
    labels: tuple[str, ...]
    feature_names: tuple[str, ...]
    baseline: npt.NDArray[np.float64]
    roots: npt.NDArray[np.int64]
    classes: npt.NDArray[np.int64]
    feature: npt.NDArray[np.int64]
    threshold: npt.NDArray[np.float64]
    missing_left: npt.NDArray[np.bool_]
    left: npt.NDArray[np.int64]
    right: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]
    depth: int

    def probabilities(self, features: list[float]) -> npt.NDArray[np.float64]:
        """The probability of each of `labels` for one feature vector."""
        x = np.asarray(features, dtype=np.float64)
        node = self.roots
        for _ in range(self.depth):
            values = x[self.feature[node]]
            go_left = np.where(np.isnan(values), self.missing_left[node], values <= self.threshold[node])
            node = np.where(go_left, self.left[node], self.right[node])
        raw = self.baseline + np.bincount(self.classes, weights=self.value[node], minlength=len(self.labels))
        raw -= raw.max()
        odds = np.exp(raw)
        return np.asarray(odds / odds.sum(), dtype=np.float64)

    @classmethod
    def of(cls, data: dict[str, Any], format: int, expected: tuple[str, ...], refit: str) -> Self:
        """The trees in `data`, which must be of `format` and fitted on the features `expected` (else a
        ValueError that says to run `refit`)."""
        if data.get("format") != format:
            raise ValueError(f"tree model format {data.get('format')!r}, expected {format}")
        feature_names = tuple(data["feature_names"])
        if feature_names != expected:
            raise ValueError(f"the model was fitted on other features than this code computes: rerun {refit}")
        roots, classes = [], []
        feature: list[int] = []
        threshold: list[float] = []
        missing_left: list[bool] = []
        left: list[int] = []
        right: list[int] = []
        value: list[float] = []
        depth = 0
        for tree in data["trees"]:
            offset = len(feature)
            roots.append(offset)
            classes.append(int(tree["class"]))
            for node, (feat, thr, miss, lo, hi, val, leaf) in enumerate(zip(
                    tree["feature"], tree["threshold"], tree["missing_left"], tree["left"], tree["right"],
                    tree["value"], tree["leaf"], strict=True)):
                if leaf:
                    feature.append(0)
                    threshold.append(math.inf)
                    missing_left.append(True)
                    left.append(offset + node)
                    right.append(offset + node)
                else:
                    feature.append(int(feat))
                    threshold.append(float(thr))
                    missing_left.append(bool(miss))
                    left.append(offset + int(lo))
                    right.append(offset + int(hi))
                value.append(float(val))
            depth = max(depth, int(tree["depth"]))
        return cls(version=str(data["version"]), labels=tuple(data["labels"]), feature_names=feature_names,
                   baseline=np.asarray(data["baseline"], dtype=np.float64),
                   roots=np.asarray(roots, dtype=np.int64), classes=np.asarray(classes, dtype=np.int64),
                   feature=np.asarray(feature, dtype=np.int64),
                   threshold=np.asarray(threshold, dtype=np.float64),
                   missing_left=np.asarray(missing_left, dtype=np.bool_),
                   left=np.asarray(left, dtype=np.int64), right=np.asarray(right, dtype=np.int64),
                   value=np.asarray(value, dtype=np.float64), depth=depth)
