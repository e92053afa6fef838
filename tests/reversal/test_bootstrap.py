"""The parametric bootstrap that calibrates the headline figures: its worlds reproduce the
data's noise, and on data whose noise the Gaussian correction misreads (strong overdispersion
with effects spread through the selection threshold) the calibrated figure lands where the
uncalibrated one does not."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from signature_reversal.reversal import bootstrap, linear_model
from signature_reversal.reversal.fast_figures import FIGURES, FastStatistic
from signature_reversal.settings import VerdictRule
from signature_reversal.validation import calibration, families

RULE = VerdictRule.from_config(permutations=50, calibration_worlds=20)


def _analysed(family: str, treatment: str, seed: int, n_genes: int = 3000):
    data = families.generate(
        families.FAMILIES[family], families.TREATMENTS[treatment], 3, seed, n_genes
    )
    logging.disable(logging.WARNING)
    try:
        return data, calibration.analyse(data, RULE)
    finally:
        logging.disable(logging.NOTSET)


def test_a_world_has_the_data_s_size_factors_means_and_noise():
    data, analysis = _analysed("gamma effects", "no effect", 1)
    world = analysis.world
    rng = np.random.default_rng(0)
    disease = world.draw_effects(rng)
    expression = world.expression(disease, 0 * disease, world.draw_spread(rng), rng)
    assert expression.shape == analysis.expression.shape
    # the same mean expression per gene and about the same residual spread as the data
    np.testing.assert_allclose(expression.mean(), analysis.expression.mean(), rtol=0.02)
    spread = [
        np.median(linear_model.residuals(x, analysis.design).var(axis=1))
        for x in (expression, analysis.expression)
    ]
    assert spread[0] == pytest.approx(spread[1], rel=0.25)
    # disease effects drawn from their posterior: as spread out as the data's
    assert np.std(disease) == pytest.approx(np.std(analysis.effects.disease), rel=0.3)


def test_calibration_removes_the_bias_the_gaussian_correction_leaves():
    """Strongly overdispersed counts, a treatment that does nothing: the uncorrected fast
    estimator reads reversal (−0.15), the calibration removes about half of it."""
    raw, calibrated = [], []
    for seed in range(6):
        data, analysis = _analysed("strongly overdispersed", "no effect", seed, n_genes=4000)
        n_top = int(analysis.genes["disease_gene"].sum())
        estimator = FastStatistic.estimator(analysis.expression, analysis.design, n_top)
        values, _ = estimator.evaluate(
            *linear_model.least_squares(analysis.expression, analysis.design)
        )
        result = bootstrap.calibrate(
            analysis.world,
            estimator,
            values,
            dict.fromkeys(FIGURES, 100),
            dict.fromkeys(FIGURES, 1.0),
            worlds=20,
        )
        raw.append(values["slope"])
        calibrated.append(result.figures["slope"].estimate)
        assert 0.6 < result.figures["slope"].response < 1.0  # attenuated, and measured
    assert np.mean(raw) < -0.1
    # about half of the bias is measured on the worlds and removed: what is left in this
    # family is in the docs/validation.md and said beside such figures (the caveat below)
    # (the mean over 6 datasets × 20 worlds carries a Monte Carlo error of about 0.07 in this
    # ratio: 0.53 and 0.61 with two streams of the same negative-binomial worlds)
    assert np.mean(np.subtract(calibrated, raw)) > 0.05
    assert abs(np.mean(calibrated)) < 0.65 * abs(np.mean(raw))
    assert "strongly overdispersed" in analysis.world.caveat


def test_the_line_is_inverted_with_its_monte_carlo_error():
    truth = np.repeat([0.0, -0.7], 40)
    rng = np.random.default_rng(1)
    value = -0.1 + 0.8 * truth + rng.normal(0, 0.02, len(truth))
    result = bootstrap._invert(np.column_stack([value, truth]), -0.1 + 0.8 * -0.5, 200, 1.0, 9)
    assert result.estimate == pytest.approx(-0.5, abs=0.01)
    assert result.response == pytest.approx(0.8, abs=0.02)
    assert 0.015 / 0.8 < result.se < 0.03 / 0.8 and result.trust is None
    # gene-gene correlation widens it; a flat line or few genes mark it as not to be trusted
    widened = bootstrap._invert(np.column_stack([value, truth]), -0.5, 200, 4.0, 9)
    assert widened.se > 1.7 * result.se and widened.df < 100
    flat = bootstrap._invert(np.column_stack([0.1 * truth + value * 0, truth]), -0.05, 200, 1, 9)
    assert "too close to the noise" in flat.trust
    few = bootstrap._invert(np.column_stack([value, truth]), -0.5, 4, 1.0, 9)
    assert "only 4 disease genes" in few.trust


def test_the_interval_takes_the_worlds_scatter_where_the_estimate_lies():
    # worlds without a treatment effect scatter twice as much as worlds with one
    truth = np.repeat([0.0, -0.7], 200)
    treated = truth != 0
    rng = np.random.default_rng(2)
    value = 0.8 * truth + rng.normal(0, 1, len(truth)) * np.where(treated, 0.02, 0.04)
    pairs = np.column_stack([value, truth, treated])
    near_zero = bootstrap._invert(pairs, 0.0, 200, 1.0, 9)
    near_effect = bootstrap._invert(pairs, 0.8 * -0.7, 200, 1.0, 9)
    assert near_zero.se == pytest.approx(0.04 / 0.8, rel=0.15)
    assert near_effect.se == pytest.approx(0.02 / 0.8, rel=0.15)
    halfway = bootstrap._invert(pairs, 0.8 * -0.35, 200, 1.0, 9)
    assert near_effect.se < halfway.se < near_zero.se


def test_a_much_more_variable_group_is_said_beside_the_figures():
    _, analysis = _analysed("variable disease group", "no effect", 2)
    assert "disease group varies" in analysis.world.caveat
    signature = analysis.signature(RULE)
    assert "disease group varies" in signature.slope.note
    summary = signature.to_dict()
    assert summary["slope"]["note"] == signature.slope.note


def test_dispersion_table_rows_follow_the_tested_genes():
    data, analysis = _analysed("gamma effects", "no effect", 3, n_genes=1500)
    assert isinstance(analysis.world.spread, np.ndarray)
    assert len(analysis.world.spread) == analysis.expression.shape[0]
    assert np.isfinite(analysis.world.spread).all() and (analysis.world.spread > 0).all()
    assert isinstance(data.truth, pd.DataFrame)


def test_worlds_on_two_threads_give_the_same_figures():
    _, analysis = _analysed("gamma effects", "70% reversal", 2, n_genes=2000)
    n_top = int(analysis.genes["disease_gene"].sum())
    estimator = FastStatistic.estimator(analysis.expression, analysis.design, n_top)
    values, _ = estimator.evaluate(
        *linear_model.least_squares(analysis.expression, analysis.design)
    )
    args = (analysis.world, estimator, values, dict.fromkeys(FIGURES, 100))
    one = bootstrap.calibrate(*args, dict.fromkeys(FIGURES, 1.0), worlds=6, threads=1)
    two = bootstrap.calibrate(*args, dict.fromkeys(FIGURES, 1.0), worlds=6, threads=2)
    for name in FIGURES:
        np.testing.assert_array_equal(one.values[name], two.values[name])
        assert one.figures[name] == two.figures[name]
    assert one.null_naive == two.null_naive


def test_world_counts_are_negative_binomial_with_the_planted_mean_and_dispersion():
    """The worlds' counts: mean μ and variance μ + φμ² at every mean and dispersion, the
    same law as numpy's negative_binomial (whose zero fraction they match too)."""
    rng = np.random.default_rng(4)
    mean = np.repeat([[0.5], [5.0], [80.0], [2000.0]], 40_000, axis=1)
    dispersion = np.repeat([[2.0], [0.4], [0.1], [0.02]], 40_000, axis=1)
    counts = bootstrap.negative_binomial(mean, dispersion, rng)
    np.testing.assert_allclose(counts.mean(axis=1), mean[:, 0], rtol=0.03)
    expected_var = mean[:, 0] + dispersion[:, 0] * mean[:, 0] ** 2
    np.testing.assert_allclose(counts.var(axis=1), expected_var, rtol=0.06)
    reference = rng.negative_binomial(1 / dispersion, 1 / (1 + dispersion * mean))
    np.testing.assert_allclose((counts == 0).mean(axis=1), (reference == 0).mean(axis=1), atol=0.01)


def _whole_array_world(world: bootstrap.World, disease, treatment, spread, rng) -> np.ndarray:
    """A world drawn from whole genes × samples arrays, as the blocks must reproduce."""
    roles = world.design.roles
    effect = np.zeros((len(disease), len(roles)))
    effect[:, roles != "control"] += disease[:, None]
    effect[:, roles == "treatment"] += treatment[:, None]
    if world.kind == "normalized":
        sd = np.sqrt(spread[:, None] * world.group_factor[None, :])
        noise = sd * rng.standard_normal(effect.shape)
        return world.base[:, None] + effect + world.shift + noise
    mean = world.base[:, None] * 2.0 ** (effect + world.shift) * world.size_factors[None, :]
    dispersion = spread[:, None] * world.group_factor[None, :]
    counts = bootstrap.negative_binomial(mean, dispersion, rng)
    return np.log2(counts / world.size_factors[None, :] + 1.0)


@pytest.mark.parametrize("kind", ["counts", "normalized"])
def test_a_world_drawn_in_blocks_is_the_world_drawn_whole(kind, monkeypatch):
    """Blocks of genes keep a large world in cache and out of memory; they must not change
    one variate (so the calibrated figures do not depend on the block size)."""
    _, analysis = _analysed("gamma effects", "no effect", 2, n_genes=700)
    world = analysis.world
    if kind == "normalized":
        world = bootstrap.replace(world, kind="normalized", spread=world.spread * 0 + 0.3)
    world = bootstrap.replace(
        world, shift=np.random.default_rng(3).normal(0, 0.2, world.shift.shape)
    )
    rng = np.random.default_rng(9)
    disease = world.draw_effects(rng)
    spread = world.draw_spread(rng)
    whole = _whole_array_world(world, disease, -0.5 * disease, spread, np.random.default_rng(5))
    samples = len(world.design.roles)
    monkeypatch.setattr(linear_model, "BLOCK_CELLS", 64 * samples + 1)  # 11 blocks, the last short
    blocked = world.expression(disease, -0.5 * disease, spread, np.random.default_rng(5))
    np.testing.assert_array_equal(blocked, whole)
