"""The seed-averaged boosters of the quotation chain's trainers (`newsdesk.enrich.booster_ensemble`),
fitted on a small problem made up for these tests: two informative features and noise."""

from __future__ import annotations

from collections.abc import Iterator

import numpy
import pytest

from newsdesk.enrich import booster_ensemble
from newsdesk.lightgbm_import import complete_model, import_lightgbm

PARAMS: dict[str, object] = {"objective": "binary", "learning_rate": 0.1, "num_leaves": 7,
                             "min_data_in_leaf": 10, "feature_fraction": 0.8, "deterministic": True,
                             "force_row_wise": True, "num_threads": 1, "verbose": -1}
NAMES = ["signal", "other_signal", "noise_a", "noise_b", "noise_c"]


def _problem() -> tuple[numpy.ndarray, numpy.ndarray]:
    random = numpy.random.default_rng(7)
    rows = random.random((600, len(NAMES)))
    labels = ((rows[:, 0] + 0.5 * rows[:, 1] + 0.3 * random.random(600)) > 0.9).astype(float)
    return rows, labels


@pytest.fixture(autouse=True)
def _settings() -> Iterator[None]:
    before = (booster_ensemble.SETTINGS.members, booster_ensemble.SETTINGS.seed)
    yield
    booster_ensemble.configure(*before)


def test_the_merged_booster_scores_the_mean_of_its_members() -> None:
    import_lightgbm()
    import lightgbm

    rows, labels = _problem()
    booster_ensemble.configure(3, 1)
    data = lightgbm.Dataset(rows, labels, feature_name=NAMES, free_raw_data=False)
    members = [lightgbm.train(booster_ensemble.member_params(PARAMS, j), data, num_boost_round=20)
               for j in range(3)]
    raw = [m.predict(rows, raw_score=True) for m in members]
    # the seeds (3, 4, 5 for seed 1 of three members) give different boosters
    assert numpy.abs(raw[0] - raw[1]).max() > 1e-3 and numpy.abs(raw[1] - raw[2]).max() > 1e-3
    merged = booster_ensemble.merge(members)
    assert merged.num_trees() == 60
    assert numpy.allclose(merged.predict(rows, raw_score=True), numpy.mean(raw, axis=0), atol=1e-9)
    probability = merged.predict(rows)
    assert numpy.allclose(probability, 1 / (1 + numpy.exp(-numpy.mean(raw, axis=0))), atol=1e-9)
    # what is saved loads back as LightGBM's own text, with the same scores
    text = merged.model_to_string()
    assert complete_model(text)
    assert numpy.allclose(lightgbm.Booster(model_str=text).predict(rows), probability, atol=1e-9)
    assert merged.feature_name() == NAMES


def test_fitting_is_deterministic_and_the_seed_changes_the_model() -> None:
    rows, labels = _problem()
    booster_ensemble.configure(3, 0)
    first = booster_ensemble.fit(PARAMS, rows, labels, NAMES, 20).model_to_string()
    again = booster_ensemble.fit(PARAMS, rows, labels, NAMES, 20).model_to_string()
    assert first == again
    booster_ensemble.configure(3, 1)
    other = booster_ensemble.fit(PARAMS, rows, labels, NAMES, 20)
    assert other.model_to_string() != first
    # averaged, the model still learns the problem: the signal decides
    high, low = other.predict(numpy.array([[0.95, 0.9, 0.5, 0.5, 0.5], [0.05, 0.1, 0.5, 0.5, 0.5]]))
    assert high > 0.8 and low < 0.2


def test_one_member_is_one_plain_booster() -> None:
    import_lightgbm()
    import lightgbm

    rows, labels = _problem()
    booster_ensemble.configure(1, 2)
    single = booster_ensemble.fit(PARAMS, rows, labels, NAMES, 20)
    plain = lightgbm.train({**PARAMS, "seed": 2, "feature_fraction_seed": 2},
                           lightgbm.Dataset(rows, labels, feature_name=NAMES), num_boost_round=20)
    assert single.num_trees() == 20
    assert numpy.array_equal(single.predict(rows), plain.predict(rows))


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        booster_ensemble.configure(0, 0)
    with pytest.raises(ValueError):
        booster_ensemble.configure(2, -1)
