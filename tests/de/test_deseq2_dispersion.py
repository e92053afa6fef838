"""DESeq2's dispersion line search, vectorized: its derivative is the derivative of its
objective, it ends near the optimum where the optimum is interior, and it keeps DESeq2's rules
(the "no increase" start, the grid fall-back, the MAP start)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from signature_reversal.de import deseq2_dispersion as dd


def _problem(n_genes: int = 40, seed: int = 3):
    rng = np.random.default_rng(seed)
    groups = np.repeat([0, 1, 2], 4)
    design = np.column_stack([np.ones(12), groups == 1, groups == 2]).astype(float)
    base = np.exp(rng.normal(4, 1.5, n_genes))
    alpha = 0.05 + 1 / base
    mu = np.tile(base, (12, 1))
    counts = rng.negative_binomial(1 / alpha, 1 / (1 + mu * alpha)).astype(float)
    fitted = np.maximum(design @ np.linalg.lstsq(design, counts, rcond=None)[0], 0.5)
    return counts, fitted, design


@pytest.mark.parametrize("with_prior", [False, True])
def test_derivative_matches_finite_differences(with_prior):
    counts, mu, design = _problem()
    prior = (
        dd.Prior(mean=np.full(counts.shape[1], np.log(0.1)), variance=0.5) if with_prior else None
    )
    a = np.linspace(-4, 0, counts.shape[1])
    h = 1e-5
    numeric = (
        dd.log_posterior(a + h, counts, mu, design, prior)
        - dd.log_posterior(a - h, counts, mu, design, prior)
    ) / (2 * h)
    np.testing.assert_allclose(
        dd.dlog_posterior(a, counts, mu, design, prior), numeric, rtol=1e-5, atol=1e-5
    )


def test_line_search_ends_near_an_interior_optimum():
    counts, mu, design = _problem()
    start = np.full(counts.shape[1], 0.1)
    estimate = dd.genewise(counts, mu, design, start, 1e-8, 12.0)
    for gene in range(counts.shape[1]):
        column = (counts[:, [gene]], mu[:, [gene]], design, None)

        def loss(log_alpha, column=column):
            return -dd.log_posterior(np.array([log_alpha]), *column)[0]

        best = minimize_scalar(loss, bounds=(np.log(1e-8), np.log(12.0)), method="bounded")
        if np.exp(best.x) > 1e-4:  # interior optimum: within DESeq2's stopping tolerance
            assert loss(np.log(estimate[gene])) <= best.fun + 1e-3


def test_no_increase_keeps_the_start_and_grid_rescues_one_step_stops():
    """A start already at the optimum cannot raise the log posterior by a millionth, so the
    start is kept; a gene whose search stops after one step is refitted on the grid."""
    counts, mu, design = _problem(n_genes=5)
    exact = np.array(
        [
            np.exp(
                minimize_scalar(
                    lambda la, g=g: (
                        -dd.log_posterior(np.array([la]), counts[:, [g]], mu[:, [g]], design, None)[
                            0
                        ]
                    ),
                    bounds=(np.log(1e-8), np.log(12.0)),
                    method="bounded",
                    options={"xatol": 1e-10},
                ).x
            )
            for g in range(5)
        ]
    )
    estimate = dd.genewise(counts, mu, design, exact, 1e-8, 12.0)
    # kept (no increase) or refitted on the fine grid (within one fine-grid step of log α)
    step = (np.log(12.0) - np.log(1e-8)) / (dd.GRID_POINTS - 1) * 2 / (dd.GRID_POINTS - 1)
    assert np.all(np.abs(np.log(estimate) - np.log(exact)) <= step)


def test_map_start_follows_deseq2():
    genewise = np.array([0.5, 0.001, np.nan, 0.02])
    trend = np.array([0.1, 0.1, 0.1, 0.1])
    np.testing.assert_array_equal(dd.map_start(genewise, trend), [0.5, 0.1, 0.1, 0.02])
