"""The treatment-does-nothing null: relabellings enumerated or sampled, rotations exact in the
sense that matters (control samples untouched, disease+treatment mean and covariates kept,
residual covariance between genes kept), and the plan chosen as documented."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from signature_reversal.reversal import nulls
from signature_reversal.reversal.linear_model import Design, least_squares
from signature_reversal.roles import ROLES


def _design(n: int, batch: bool = False) -> Design:
    roles = np.repeat(ROLES, n)
    covariates = pd.DataFrame({"batch": ["a", "b"] * (3 * n // 2) + ["a"] * (3 * n % 2)})
    return Design.from_samples(roles, covariates if batch else None)


def test_plan_prefers_rotation_unless_relabelling_has_resolution():
    assert nulls.plan(_design(3), "auto", 1000).method == "rotation"  # C(6,3) = 20
    relabel = nulls.plan(_design(7), "auto", 1000)  # C(14,7) = 3432 ≥ 1000
    assert relabel.method == "relabelling" and not relabel.exact
    assert nulls.plan(_design(7, batch=True), "auto", 1000).method == "rotation"
    forced = nulls.plan(_design(3), "relabelling", 1000)
    assert forced.exact and forced.draws == 20 and forced.smallest_p == pytest.approx(0.05)
    assert nulls.plan(_design(3), "rotation", 500).smallest_p == pytest.approx(1 / 501)


def test_relabellings_enumerate_all_splits_with_observed_first():
    design = _design(4)
    expression = np.arange(3 * 12, dtype=float).reshape(3, 12)
    plan = nulls.plan(design, "relabelling", 1000)
    draws = list(nulls.draws(expression, design, plan, seed=0))
    assert plan.exact and len(draws) == math.comb(8, 4)
    np.testing.assert_array_equal(draws[0], expression)
    splits = {tuple(draw[0, 4:8]) for draw in draws}
    assert len(splits) == len(draws)  # every split once
    assert all(np.array_equal(draw[:, :4], expression[:, :4]) for draw in draws)  # controls


@pytest.mark.parametrize("batch", [False, True])
def test_rotations_keep_controls_means_covariates_and_gene_covariance(batch):
    rng = np.random.default_rng(1)
    design = _design(4, batch)
    shared = rng.normal(size=12)
    expression = rng.normal(size=(50, 12)) + np.outer(rng.normal(size=50), shared)
    plan = nulls.plan(design, "rotation", 200)
    block, basis = nulls.rotation_basis(design)
    spanned = np.column_stack([np.ones(len(block)), design.covariates[block]])
    for draw in nulls.draws(expression, design, plan, seed=3):
        np.testing.assert_allclose(draw[:, :4], expression[:, :4])
        # block means (and batch effects within the block) are unchanged
        np.testing.assert_allclose(
            np.linalg.lstsq(spanned, draw[:, block].T, rcond=None)[0],
            np.linalg.lstsq(spanned, expression[:, block].T, rcond=None)[0],
            atol=1e-10,
        )
        # the residual covariance between genes is the observed one
        before = expression[:, block] @ basis
        after = draw[:, block] @ basis
        np.testing.assert_allclose(after @ after.T, before @ before.T, atol=1e-8)


def test_rotation_null_is_uniform_for_a_linear_statistic():
    """On Gaussian data with no treatment effect, rotation p-values are uniform."""
    design = _design(3)
    pvalues = []
    for seed in range(200):
        rng = np.random.default_rng(seed)
        expression = rng.normal(size=(20, 9))
        statistic = lambda y: y[:, 6:9].mean() - y[:, 3:6].mean()  # noqa: E731
        plan = nulls.plan(design, "rotation", 99)
        null = np.array([statistic(d) for d in nulls.draws(expression, design, plan, seed)])
        pvalues.append(nulls.permutation_pvalues(statistic(expression), null, False)[0])
    pvalues = np.asarray(pvalues)
    assert 0.03 <= (pvalues < 0.05).mean() <= 0.09
    assert 0.4 <= np.median(pvalues) <= 0.6


def test_permutation_pvalues():
    null = np.array([0.0, 1.0, 2.0, 3.0])
    assert nulls.permutation_pvalues(0.0, null, exact=True) == (0.25, 1.0)
    lower, upper = nulls.permutation_pvalues(3.5, null, exact=False)
    assert lower == 1.0 and upper == pytest.approx(1 / 5)


def test_a_non_finite_statistic_never_becomes_a_p_value():
    """NaN compares false with everything: both tails once came out as 1/(n + 1)."""
    null = np.array([0.0, 1.0, 2.0, 3.0])
    with pytest.raises(nulls.NonFiniteStatistic, match="nan"):
        nulls.permutation_pvalues(np.nan, null, exact=False)
    # draws whose statistic is not finite are left out, not counted as extreme
    lower, upper = nulls.permutation_pvalues(1.5, np.array([0.0, np.nan, 2.0, np.inf]), True)
    assert (lower, upper) == (0.5, 0.5)


@pytest.mark.parametrize(
    ("n", "batch", "method", "draws"),
    [
        (3, False, "relabelling", 1000),  # all 20 splits
        (5, True, "relabelling", 70),  # sampled
        (3, False, "rotation", 70),
        (4, True, "rotation", 70),
    ],
)
def test_fitted_draws_are_the_fits_of_the_draws(n, batch, method, draws):
    """The batched null (no data copies) fits exactly what refitting every draw would."""
    rng = np.random.default_rng(4)
    design = _design(n, batch)
    expression = 8 + rng.normal(size=(40, 3 * n)) + np.outer(rng.normal(size=40), np.ones(3 * n))
    plan = nulls.plan(design, method, draws)
    direct = [least_squares(d, design) for d in nulls.draws(expression, design, plan, seed=2)]
    batched = list(nulls.fitted_draws(expression, design, plan, seed=2, batch=16))
    assert len(batched) == len(direct) == plan.draws
    for (coef_a, rss_a), (coef_b, rss_b) in zip(direct, batched, strict=True):
        # coefficients differ by each gene's centring constant, contrasts do not
        for contrast in (design.disease, design.treatment):
            np.testing.assert_allclose(coef_b @ contrast, coef_a @ contrast, atol=1e-10)
        np.testing.assert_allclose(rss_b, rss_a, rtol=1e-9, atol=1e-9)


def test_sequential_pvalues_are_valid_and_keep_full_resolution_in_the_tail():
    """Besag & Clifford: under the null P(p <= u) <= u at every u; a tail that never reaches h
    keeps (g + 1)/(n + 1); a resolved one reads h / L at its h-th exceedance."""
    rng = np.random.default_rng(4)
    lower_p = []
    for _ in range(4000):
        observed, null = rng.normal(), rng.normal(size=200)
        lower, _ = nulls.sequential_pvalues(observed, null, exact=False, exceedances=10)
        lower_p.append(float(lower))
    lower_p = np.array(lower_p)
    for u in (0.01, 0.05, 0.1, 0.3, 0.5):
        assert (lower_p <= u).mean() <= u + 2.5 * math.sqrt(u * (1 - u) / len(lower_p))
    null = np.arange(1, 101, dtype=float)  # 100 draws, 1 … 100
    lower, upper = nulls.sequential_pvalues(0.5, null, exact=False, exceedances=10)
    assert lower == pytest.approx(1 / 101)  # never reached h: all draws' resolution
    assert upper == pytest.approx(10 / 10)  # every draw is above: h-th at draw 10
    lower, _ = nulls.sequential_pvalues(50.5, null, exact=False, exceedances=10)
    assert lower == pytest.approx(10 / 10)
    lower, _ = nulls.sequential_pvalues(50.5, null[::-1], exact=False, exceedances=10)
    assert lower == pytest.approx(10 / 60)  # draws 100 … 1: the 10th at or below 50.5 is 41
    # exact enumerations and h = 0 keep the plain count
    assert nulls.sequential_pvalues(50.5, null, True, 10) == nulls.permutation_pvalues(
        50.5, null, True
    )


def test_resolved_needs_every_tail_asked_for():
    null = np.column_stack([np.linspace(-1, 1, 50), np.linspace(-1, 1, 50)])
    tails = np.array([[True, True], [True, False]])
    assert nulls.resolved(np.array([0.0, 0.0]), null, tails, 20)
    assert not nulls.resolved(np.array([0.0, -0.9]), null, tails, 20)  # 2nd lower: 3 draws
    assert nulls.resolved(np.array([0.0, 0.95]), null, tails, 20)  # its upper tail not asked
