"""Corrected reversal figures on data with a known answer: group means with Gaussian noise,
where the naive slope is biased by the shared disease group, dilution and selection, and the
corrected one is not; its null expectation matches what a null treatment gives."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from signature_reversal.reversal import estimates


def _de_estimates(seed: int, treatment: str, n: int = 3, genes: int = 8_000):
    """Per gene d, t and their standard errors from three groups of n samples."""
    rng = np.random.default_rng(seed)
    changed = rng.random(genes) < 0.08
    big_d = np.where(changed, rng.choice([-1, 1], genes) * (0.6 + rng.exponential(0.5, genes)), 0)
    if treatment == "none":
        big_t = np.zeros(genes)
    elif treatment == "aggravate":
        big_t = 0.6 * big_d
    else:  # 70% of disease genes fully reversed
        big_t = np.where(rng.random(genes) < 0.7, -big_d, 0)
    sigma = rng.uniform(0.2, 0.6, genes)
    control, disease, treated = (
        mean + rng.normal(0, sigma / np.sqrt(n)) for mean in (0, big_d, big_d + big_t)
    )
    se = sigma * np.sqrt(2 / n)
    return dict(
        d=disease - control, t=treated - disease, r=treated - control, se=se, D=big_d, T=big_t
    )


def _figures(x):
    effects = estimates.corrected_effects(x["d"], x["se"], x["t"], x["se"], x["se"])
    selected = (np.abs(x["d"] / x["se"]) > 3.5) & (np.abs(x["d"]) > 0.5)
    truth = (x["D"][selected] @ x["T"][selected]) / (x["D"][selected] @ x["D"][selected])
    return estimates.slope_figure(x["d"], x["t"], effects, selected), truth, effects, selected


def test_decorrelation_factor_comes_from_the_three_standard_errors():
    x = _de_estimates(0, "none")
    effects = estimates.corrected_effects(x["d"], x["se"], x["t"], x["se"], x["se"])
    np.testing.assert_allclose(effects.kappa, -0.5)  # equal groups: Cov(d, t) = −Var(d)/2


@pytest.mark.parametrize("treatment", ["none", "reverse", "aggravate"])
def test_corrected_slope_is_unbiased_and_covered_where_the_naive_one_is_not(treatment):
    errors, covered, naive_errors, half_widths = [], 0, [], []
    for seed in range(10):
        figure, truth, _, _ = _figures(_de_estimates(seed, treatment))
        errors.append(figure.estimate - truth)
        naive_errors.append(figure.observed - truth)
        covered += figure.ci_low <= truth <= figure.ci_high
        half_widths.append((figure.ci_high - figure.ci_low) / 2)
    assert abs(np.mean(errors)) < 0.02
    assert covered >= 8  # of 10
    # and not by being too wide: the interval's standard error matches the estimates' spread
    implied_se = np.median(half_widths) / stats.norm.ppf(0.975)
    assert 0.6 <= implied_se / np.std(errors, ddof=1) <= 1.6
    if treatment == "none":
        assert np.mean(naive_errors) < -0.03  # shared samples fake a reversal


def test_null_expectation_matches_a_null_treatment():
    """Averaged over null datasets, the naive figures equal their null expectations."""
    slopes, moved = [], []
    for seed in range(8):
        x = _de_estimates(seed, "none")
        figure, _, effects, selected = _figures(x)
        slopes.append((figure.observed, figure.null_expected))
        observed, expected = estimates.moved_toward_control(x["d"], x["t"], effects, selected)
        # the same probability computed from the true disease effects
        error = (x["d"] - x["D"])[selected] * np.sign(x["d"][selected])
        oracle = 100 * np.mean(stats.norm.cdf(0.5 * error / (np.sqrt(0.75) * x["se"][selected])))
        moved.append((observed, expected, oracle))
    observed, expected = np.mean(slopes, axis=0)
    assert observed < -0.03 and observed == pytest.approx(expected, abs=0.01)
    observed, expected, oracle = np.mean(moved, axis=0)
    assert expected > 55 and expected == pytest.approx(oracle, abs=1.5)
    assert observed == pytest.approx(expected, abs=3.5)  # 8 datasets of ~300 genes


def test_improvement_is_minus_100_times_the_slope_of_its_genes():
    x = _de_estimates(3, "reverse")
    effects = estimates.corrected_effects(x["d"], x["se"], x["t"], x["se"], x["se"])
    up = (np.abs(x["d"] / x["se"]) > 3.5) & (x["d"] > 0.5)
    slope = estimates.slope_figure(x["d"], x["t"], effects, up)
    percent = estimates.slope_figure(x["d"], x["t"], effects, up, scale=-100.0)
    assert percent.estimate == pytest.approx(-100 * slope.estimate)
    assert percent.ci_low == pytest.approx(-100 * slope.ci_high)
    assert 60 < percent.estimate < 80


def test_correlation_widens_the_interval():
    x = _de_estimates(4, "reverse")
    effects = estimates.corrected_effects(x["d"], x["se"], x["t"], x["se"], x["se"])
    genes = np.abs(x["d"] / x["se"]) > 3.5
    plain = estimates.slope_figure(x["d"], x["t"], effects, genes)
    correlated = estimates.Correlation(ratio=4.0, df=6)
    widened = estimates.slope_figure(x["d"], x["t"], effects, genes, correlated=correlated)
    assert widened.estimate == plain.estimate
    assert widened.ci_high - widened.ci_low > plain.ci_high - plain.ci_low


def test_correlation_ratio_sees_a_shared_sample_effect():
    rng = np.random.default_rng(0)
    independent = rng.normal(size=(400, 9))
    shared = independent + 0.5 * rng.normal(size=9)  # every gene shares a sample effect
    weights = np.ones(400)
    # with 9 samples the ratio of an independent-gene sum is ~ chi2(9) / 9: sd 0.47
    assert estimates.correlation(independent, weights, 6).ratio == pytest.approx(1, abs=1)
    assert estimates.correlation(shared, weights, 6).ratio > 20
    signs = np.where(np.arange(400) % 2, 1.0, -1.0)  # up and down genes cancel a shared effect
    assert estimates.correlation(shared, signs, 6).ratio == pytest.approx(1, abs=1)
