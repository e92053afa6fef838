"""Empirical-Bayes shrinkage of the disease effects: the prior is learned, and posterior means
are selection-proof (no winner's curse) where raw estimates are not."""

from __future__ import annotations

import numpy as np

from signature_reversal.reversal.shrinkage import fit_prior


def _effects(seed: int, n: int = 20_000):
    rng = np.random.default_rng(seed)
    truth = np.where(rng.random(n) < 0.1, rng.choice([-1, 1], n) * (1 + rng.exponential(0.6, n)), 0)
    se = rng.uniform(0.2, 0.5, n)
    return truth, truth + rng.normal(0, se), se


def test_prior_learns_the_share_of_unchanged_genes():
    truth, estimate, se = _effects(0)
    prior = fit_prior(estimate, se)
    assert prior.sd[0] == 0 and np.isclose(prior.weight.sum(), 1)
    # 90% of genes are unchanged: the point mass and components far narrower than any
    # standard error (which the data cannot tell apart) hold that share
    negligible = prior.sd < se.min()
    assert 0.8 <= prior.weight[negligible].sum() <= 0.95


def test_posterior_means_undo_the_winners_curse():
    """Among genes selected for a large estimate, the raw estimate overstates the true effect
    and the posterior mean does not (Σ m·D ≈ Σ m² is what the reversal slope relies on)."""
    truth, estimate, se = _effects(1)
    prior = fit_prior(estimate, se)
    m = prior.posterior_mean(estimate, se)
    selected = np.abs(estimate / se) > 3
    raw_ratio = (estimate[selected] @ truth[selected]) / (estimate[selected] @ estimate[selected])
    eb_ratio = (m[selected] @ truth[selected]) / (m[selected] @ m[selected])
    assert raw_ratio < 0.97
    assert abs(eb_ratio - 1) < 0.02
    assert np.mean((m - truth) ** 2) < np.mean((estimate - truth) ** 2)
    variance = prior.posterior_variance(estimate, se)
    assert np.all(variance >= 0)
    # posterior intervals are calibrated: |D − m| ≤ 1.96 sd in ~95% of genes
    covered = np.abs(truth - m) <= 1.96 * np.sqrt(variance) + 1e-9
    assert 0.92 <= covered.mean() <= 0.99
