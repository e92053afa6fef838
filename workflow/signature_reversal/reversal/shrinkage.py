"""Empirical-Bayes shrinkage of the disease effects: E[D | d] for every gene.

A gene selected for a large measured disease effect d tends to have a smaller true effect D
(winner's curse), and D measured with error flattens any slope fitted on it (regression
dilution). The posterior mean m = E[D | d] under a prior learned from all tested genes answers
both: regressing on m instead of d is unbiased whatever genes were selected on d (regression
calibration; Carroll et al., *Measurement Error in Nonlinear Models*, 2006, ch. 4).

The prior is ashr's default for normal likelihoods (Stephens, Biostatistics 2017; the ``ash``
and ``autoselect.mixsd`` functions of the ashr package, read in its R sources): a point mass
at 0 plus zero-centred normals whose standard deviations form a grid from min(se)/10 to
2·sqrt(max(d² − se²)) in steps of √2, mixture weights fitted by EM with a Dirichlet prior of
weight 10 on the null component ("nullbiased"). DESeq2's ``lfcShrink(type = "ashr")`` shrinks
log2 fold changes the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GRID_STEP = np.sqrt(2.0)
NULL_WEIGHT = 10.0


@dataclass(frozen=True)
class NormalMixturePrior:
    """g(D) = Σ_k π_k N(0, σ_k²), with σ_0 = 0 the point mass at zero."""

    sd: np.ndarray
    weight: np.ndarray

    def posterior_mean(self, estimate: np.ndarray, se: np.ndarray) -> np.ndarray:
        """E[D | d] for estimates ``d`` with standard errors ``se`` (normal likelihood)."""
        responsibility, shrink = self._components(estimate, se)
        return (responsibility * shrink).sum(axis=1) * estimate

    def posterior_variance(self, estimate: np.ndarray, se: np.ndarray) -> np.ndarray:
        """Var[D | d]: the uncertainty left in the shrunken effect."""
        responsibility, shrink = self._components(estimate, se)
        mean_k = shrink * estimate[:, None]
        var_k = shrink * se[:, None] ** 2
        mean = (responsibility * mean_k).sum(axis=1)
        return (responsibility * (var_k + mean_k**2)).sum(axis=1) - mean**2

    def posterior_components(
        self, estimate: np.ndarray, se: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The posterior of D given d is a mixture of normals: per gene (rows) and component,
        its weight, mean and variance. Needed where a nonlinear function of D is averaged."""
        responsibility, shrink = self._components(estimate, se)
        return responsibility, shrink * estimate[:, None], shrink * se[:, None] ** 2

    def _components(self, estimate: np.ndarray, se: np.ndarray):
        variance = se[:, None] ** 2 + self.sd[None, :] ** 2
        log_lik = -0.5 * (np.log(variance) + estimate[:, None] ** 2 / variance)
        log_post = log_lik + np.log(np.maximum(self.weight, 1e-300))[None, :]
        post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
        post /= post.sum(axis=1, keepdims=True)
        return post, self.sd[None, :] ** 2 / variance


def fit_prior(
    estimate: np.ndarray,
    se: np.ndarray,
    max_iterations: int = 60,
    tolerance: float = 1e-8,
    start: NormalMixturePrior | None = None,
) -> NormalMixturePrior:
    """ashr's normal-mixture prior fitted to the estimates of all genes by EM. ``start`` (a
    prior fitted to similar data, e.g. the data a parametric bootstrap draws from) gives the
    grid and the first weights, so a few iterations suffice."""
    ok = np.isfinite(estimate) & np.isfinite(se) & (se > 0)
    x, s = estimate[ok], se[ok]
    if start is None:
        sd = _grid(x, s)
        weight = np.full(len(sd), 1 / len(sd))
    else:
        sd, weight = start.sd, start.weight
    variance = s[:, None] ** 2 + sd[None, :] ** 2
    log_lik = -0.5 * (np.log(variance) + x[:, None] ** 2 / variance)
    likelihood = np.exp(log_lik - log_lik.max(axis=1, keepdims=True))
    dirichlet = np.ones(len(sd))
    dirichlet[0] = NULL_WEIGHT
    weight = _squarem(likelihood, dirichlet, weight, max_iterations, tolerance)
    return NormalMixturePrior(sd=sd, weight=weight)


def _grid(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """ashr's ``autoselect.mixsd``: from min(se)/10 to 2·sqrt(max(d² − se²)) in steps of √2,
    plus 0 (the point mass)."""
    smallest = np.min(s) / 10
    excess = x**2 - s**2
    largest = 2 * np.sqrt(np.max(excess)) if np.any(excess > 0) else 8 * smallest
    steps = int(np.ceil(np.log2(largest / smallest) / np.log2(GRID_STEP)))
    return np.concatenate([[0.0], GRID_STEP ** np.arange(-steps, 1) * largest])


def _penalised_log_likelihood(likelihood, dirichlet, weight) -> float:
    return float(
        np.log(likelihood @ weight).sum()
        + ((dirichlet - 1) * np.log(np.maximum(weight, 1e-300))).sum()
    )


def _em_step(likelihood: np.ndarray, dirichlet: np.ndarray, weight: np.ndarray) -> np.ndarray:
    responsibility = likelihood * weight
    responsibility /= responsibility.sum(axis=1, keepdims=True)
    updated = np.maximum(responsibility.sum(axis=0) + dirichlet - 1, 0)
    return updated / updated.sum()


def _squarem(
    likelihood, dirichlet, weight: np.ndarray, max_iterations: int, tolerance: float
) -> np.ndarray:
    """EM for the mixture weights from ``weight``, accelerated by SQUAREM (Varadhan & Roland,
    Scand J Stat 2008), as ashr's EM was; a step that lowers the likelihood falls back to
    plain EM."""
    objective = _penalised_log_likelihood(likelihood, dirichlet, weight)
    for _ in range(max_iterations):
        first = _em_step(likelihood, dirichlet, weight)
        second = _em_step(likelihood, dirichlet, first)
        r, v = first - weight, second - 2 * first + weight
        step = -np.sqrt((r @ r) / (v @ v)) if v @ v > 0 else -1.0
        proposal = np.maximum(weight - 2 * step * r + step**2 * v, 0)
        proposal = _em_step(likelihood, dirichlet, proposal / proposal.sum())
        value = _penalised_log_likelihood(likelihood, dirichlet, proposal)
        if not value >= _penalised_log_likelihood(likelihood, dirichlet, second):
            proposal = second
            value = _penalised_log_likelihood(likelihood, dirichlet, second)
        converged = abs(value - objective) < tolerance * (1 + abs(objective))
        weight, objective = proposal, value
        if converged:
            break
    return weight
