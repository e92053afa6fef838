"""R DESeq2's dispersion optimiser, vectorized across genes.

DESeq2 (``src/DESeq2.cpp``: ``fitDisp``, ``fitDispGrid``; ``R/core.R``:
``estimateDispersionsGeneEst``, ``estimateDispersionsMAP``) maximises the Cox–Reid-adjusted
log posterior of log(α) by gradient ascent with an Armijo line search that stops once an accepted
step improves the log posterior by less than ``tol`` = 1e-6. On flat likelihoods it stops short
of the exact optimum, and gene-wise estimates that start near zero stay at DESeq2's floor where an
exact optimiser finds a small interior value. Those genes then enter (or stay out of) the
dispersion trend, which moves every gene's final dispersion and standard error. Users compare
with R, so the vectorized engine takes the same steps: the same start, step rule, stopping rule,
"no increase" rule and grid fall-back, for all genes at once (one array operation per step
instead of one C++ loop per gene).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

KAPPA_0 = 1.0  # DESeq2's kappa_0: initial step size
TOLERANCE = 1e-6  # DESeq2's dispTol
MAX_ITERATIONS = 100  # DESeq2's maxit
ARMIJO_EPSILON = 1e-4
LOG_ALPHA_LIMITS = (-30.0, 10.0)  # fitDisp keeps log(α) inside these (lgamma stability)
GRID_POINTS = 20  # fitDispGridWrapper: coarse grid, then a fine grid around its best point


@dataclass(frozen=True)
class Prior:
    """Normal prior on log(α) per gene (MAP step); ``None`` in its place = no prior."""

    mean: np.ndarray
    variance: float


@dataclass
class LineSearch:
    """``fitDisp``'s outputs that DESeq2's R code uses afterwards."""

    log_alpha: np.ndarray
    iterations: np.ndarray
    initial_lp: np.ndarray
    last_lp: np.ndarray


def _weights(mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 / mu + alpha)


def _gram(design: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return np.einsum("ni,ng,nj->gij", design, weights, design, optimize=True)


def log_posterior(
    log_alpha: np.ndarray,
    counts: np.ndarray,
    mu: np.ndarray,
    design: np.ndarray,
    prior: Prior | None,
) -> np.ndarray:
    """DESeq2's ``log_posterior`` for each gene (column of counts/mu, samples in rows), with the
    same constants left out (its "no increase" rule compares values relative to their size)."""
    alpha = np.exp(log_alpha)
    inverse = 1.0 / alpha
    likelihood = (
        gammaln(counts + inverse)
        - gammaln(inverse)
        - counts * np.log(mu + inverse)
        - inverse * np.log1p(mu * alpha)
    ).sum(axis=0)
    cox_reid = -0.5 * np.linalg.slogdet(_gram(design, _weights(mu, alpha)))[1]
    value = likelihood + cox_reid
    if prior is not None:
        value = value - 0.5 * (log_alpha - prior.mean) ** 2 / prior.variance
    return value


def dlog_posterior(
    log_alpha: np.ndarray,
    counts: np.ndarray,
    mu: np.ndarray,
    design: np.ndarray,
    prior: Prior | None,
) -> np.ndarray:
    """Derivative of :func:`log_posterior` with respect to log(α) (DESeq2's ``dlog_posterior``)."""
    alpha = np.exp(log_alpha)
    inverse = 1.0 / alpha
    gram = _gram(design, _weights(mu, alpha))
    d_gram = _gram(design, -((1.0 / mu + alpha) ** -2))
    cox_reid = -0.5 * np.trace(np.linalg.solve(gram, d_gram), axis1=1, axis2=2)
    likelihood = inverse**2 * (
        digamma(inverse)
        + np.log1p(mu * alpha)
        - mu * alpha / (1.0 + mu * alpha)
        - digamma(counts + inverse)
        + counts / (mu + inverse)
    ).sum(axis=0)
    value = (likelihood + cox_reid) * alpha
    if prior is not None:
        value = value - (log_alpha - prior.mean) / prior.variance
    return value


def line_search(
    counts: np.ndarray,
    mu: np.ndarray,
    design: np.ndarray,
    start: np.ndarray,
    min_log_alpha: float,
    prior: Prior | None = None,
) -> LineSearch:
    """``fitDisp``: Armijo gradient ascent on log(α) from ``start``, every gene in step."""
    n_genes = counts.shape[1]
    a = start.astype(float).copy()
    lp = log_posterior(a, counts, mu, design, prior)
    dlp = dlog_posterior(a, counts, mu, design, prior)
    initial_lp = lp.copy()
    kappa = np.full(n_genes, KAPPA_0)
    iterations = np.zeros(n_genes, dtype=int)
    accepted = np.zeros(n_genes, dtype=int)
    active = np.ones(n_genes, dtype=bool)
    low, high = LOG_ALPHA_LIMITS
    for _ in range(MAX_ITERATIONS):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        iterations[idx] += 1
        ai, di, ki = a[idx], dlp[idx], kappa[idx]
        proposal = ai + ki * di
        with np.errstate(divide="ignore", invalid="ignore"):
            ki = np.where(proposal < low, (low - ai) / di, ki)
            ki = np.where(proposal > high, (high - ai) / di, ki)
        kappa[idx] = ki
        sub_counts, sub_mu, sub_prior = _columns(idx, counts, mu, prior)
        new_a = ai + ki * di
        new_lp = log_posterior(new_a, sub_counts, sub_mu, design, sub_prior)
        theta = -new_lp
        theta_hat = -lp[idx] - ki * ARMIJO_EPSILON * di**2
        accept = theta <= theta_hat
        # rejected: halve the step
        kappa[idx[~accept]] /= 2.0
        # accepted: move, and stop when the gain is below the tolerance or α heads to zero
        take = idx[accept]
        accepted[take] += 1
        a[take] = new_a[accept]
        change = new_lp[accept] - lp[take]
        small_gain = change < TOLERANCE
        lp[take[small_gain]] = new_lp[accept][small_gain]
        to_zero = ~small_gain & (a[take] < min_log_alpha)
        active[take[small_gain | to_zero]] = False
        going = take[~small_gain & ~to_zero]
        if going.size:
            lp[going] = new_lp[accept][~small_gain & ~to_zero]
            g_counts, g_mu, g_prior = _columns(going, counts, mu, prior)
            dlp[going] = dlog_posterior(a[going], g_counts, g_mu, design, g_prior)
            kappa[going] = np.minimum(kappa[going] * 1.1, KAPPA_0)
            every_fifth = going[accepted[going] % 5 == 0]
            kappa[every_fifth] /= 2.0
    return LineSearch(log_alpha=a, iterations=iterations, initial_lp=initial_lp, last_lp=lp)


def grid_search(
    counts: np.ndarray,
    mu: np.ndarray,
    design: np.ndarray,
    min_disp: float,
    max_disp: float,
    prior: Prior | None = None,
) -> np.ndarray:
    """``fitDispGrid``: best log(α) on a 20-point grid, then on a 20-point grid around it."""
    coarse = np.linspace(np.log(min_disp), np.log(max_disp), GRID_POINTS)
    delta = coarse[1] - coarse[0]
    n_genes = counts.shape[1]
    values = np.stack(
        [log_posterior(np.full(n_genes, g), counts, mu, design, prior) for g in coarse]
    )
    centre = coarse[values.argmax(axis=0)]
    fine = centre[None, :] + np.linspace(-delta, delta, GRID_POINTS)[:, None]
    values = np.stack([log_posterior(row, counts, mu, design, prior) for row in fine])
    return fine[values.argmax(axis=0), np.arange(n_genes)]


def genewise(
    counts: np.ndarray,
    mu: np.ndarray,
    design: np.ndarray,
    start: np.ndarray,
    min_disp: float,
    max_disp: float,
) -> np.ndarray:
    """``estimateDispersionsGeneEst`` (one iteration, as DESeq2's default): the line search from
    the rough/moments start, kept only if it raised the log posterior by more than a millionth;
    a grid search where the line search did not converge; bounded to [min_disp, max_disp]."""
    result = line_search(counts, mu, design, np.log(start), np.log(min_disp / 10))
    estimate = np.minimum(np.exp(result.log_alpha), max_disp)
    no_increase = result.last_lp < result.initial_lp + np.abs(result.initial_lp) / 1e6
    estimate[no_increase] = start[no_increase]
    converged = (result.iterations < MAX_ITERATIONS) & (result.iterations != 1)
    refit = np.flatnonzero(~converged & (estimate > min_disp * 10))
    if refit.size:
        estimate[refit] = np.exp(
            grid_search(counts[:, refit], mu[:, refit], design, min_disp, max_disp)
        )
    return np.clip(estimate, min_disp, max_disp)


def maximum_a_posteriori(
    counts: np.ndarray,
    mu: np.ndarray,
    design: np.ndarray,
    start: np.ndarray,
    trend: np.ndarray,
    prior_variance: float,
    min_disp: float,
    max_disp: float,
) -> np.ndarray:
    """``estimateDispersionsMAP``: the line search with the normal prior around the trend,
    from ``start`` (DESeq2: the gene-wise estimate unless it is a decade below the trend);
    a grid search where it did not converge; bounded to [min_disp, max_disp]."""
    prior = Prior(mean=np.log(trend), variance=prior_variance)
    result = line_search(counts, mu, design, np.log(start), np.log(min_disp / 10), prior)
    estimate = np.exp(result.log_alpha)
    refit = np.flatnonzero(result.iterations >= MAX_ITERATIONS)
    if refit.size:
        sub_prior = Prior(mean=prior.mean[refit], variance=prior_variance)
        estimate[refit] = np.exp(
            grid_search(counts[:, refit], mu[:, refit], design, min_disp, max_disp, sub_prior)
        )
    return np.clip(estimate, min_disp, max_disp)


def map_start(genewise_estimate: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """DESeq2's MAP start: the gene-wise estimate, or the trend where the gene-wise estimate is
    more than a decade below it (or missing)."""
    start = np.where(genewise_estimate > 0.1 * trend, genewise_estimate, trend)
    return np.where(np.isfinite(start), start, trend)


def _columns(idx: np.ndarray, counts: np.ndarray, mu: np.ndarray, prior: Prior | None):
    sub_prior = None if prior is None else Prior(mean=prior.mean[idx], variance=prior.variance)
    return counts[:, idx], mu[:, idx], sub_prior
