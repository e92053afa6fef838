"""Linear model + empirical-Bayes moderated t for normalized / log expression (limma's method).

Smyth GK (2004) Stat Appl Genet Mol Biol 3:3. Each gene gets an ordinary least-squares fit of
the design; the gene-wise residual variances are shrunk toward a common prior fitted as a scaled
F distribution (method of moments on log variances), which stabilises tests at 3–5 replicates.
Matches R limma's lmFit → contrasts.fit → eBayes → topTable (checked in tests/test_limma.py).
No maintained Python port worked here (inmoose 0.9.1's eBayes fails on current pandas).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats


@dataclass
class LinearFit:
    """Per-gene coefficients, residual variances and the design's unscaled covariance."""

    coefficients: np.ndarray  # genes × coefficients
    sigma2: np.ndarray  # residual variance per gene
    df_residual: int
    cov_unscaled: np.ndarray  # (X'X)^-1
    mean: np.ndarray  # average expression per gene


def fit_linear(values: np.ndarray, design: np.ndarray) -> LinearFit:
    """OLS of every gene (rows of ``values``, samples in columns) on ``design``."""
    n_samples, n_coef = design.shape
    rank = np.linalg.matrix_rank(design)
    if rank < n_coef:
        raise ValueError("design matrix is not of full rank: a covariate is confounded")
    cov_unscaled = np.linalg.inv(design.T @ design)
    coefficients = values @ design @ cov_unscaled
    residuals = values - coefficients @ design.T
    df = n_samples - n_coef
    if df < 1:
        raise ValueError("no residual degrees of freedom: add replicates")
    sigma2 = (residuals**2).sum(axis=1) / df
    return LinearFit(coefficients, sigma2, df, cov_unscaled, values.mean(axis=1))


def trigamma_inverse(x: np.ndarray | float) -> np.ndarray:
    """Solve trigamma(y) = x by Newton's method, as limma's trigammaInverse does."""
    x = np.atleast_1d(np.asarray(x, dtype=float))
    y = np.where(x > 1e7, 1 / np.sqrt(np.maximum(x, 1e-300)), 0.5 + 1 / x)
    small = x < 1e-6
    for _ in range(50):
        tri = special.polygamma(1, y)
        step = tri * (1 - tri / x) / special.polygamma(2, y)
        y = y + step
        if np.all(-step / y < 1e-8):
            break
    return np.where(small, 1 / x, np.where(x > 1e7, 1 / np.sqrt(x), y))


def fit_prior(sigma2: np.ndarray, df: float) -> tuple[float, float]:
    """Prior degrees of freedom d0 and variance s0² from the gene-wise variances (fitFDist)."""
    ok = np.isfinite(sigma2) & (sigma2 > 1e-15)
    z = np.log(sigma2[ok])
    e = z - special.digamma(df / 2) + np.log(df / 2)
    e_mean = e.mean()
    e_var = ((e - e_mean) ** 2).sum() / (len(e) - 1) - special.polygamma(1, df / 2)
    if e_var > 0:
        d0 = float(2 * trigamma_inverse(e_var)[0])
        s0_sq = float(np.exp(e_mean + special.digamma(d0 / 2) - np.log(d0 / 2)))
    else:
        d0, s0_sq = np.inf, float(np.exp(e_mean))
    return d0, s0_sq


def moderated_tests(fit: LinearFit, contrasts: dict[str, np.ndarray]) -> dict[str, pd.DataFrame]:
    """Moderated t-tests of each contrast vector; columns as limma's topTable plus lfcSE."""
    d0, s0_sq = fit_prior(fit.sigma2, fit.df_residual)
    df = fit.df_residual
    if np.isfinite(d0):
        posterior = (d0 * s0_sq + df * fit.sigma2) / (d0 + df)
        df_total = d0 + df
    else:
        posterior, df_total = np.full_like(fit.sigma2, s0_sq), np.inf
    results = {}
    for name, vector in contrasts.items():
        estimate = fit.coefficients @ vector
        unscaled_sd = float(np.sqrt(vector @ fit.cov_unscaled @ vector))
        se = np.sqrt(posterior) * unscaled_sd
        t = estimate / se
        p = 2 * (
            stats.norm.sf(np.abs(t)) if np.isinf(df_total) else stats.t.sf(np.abs(t), df_total)
        )
        results[name] = pd.DataFrame(
            {
                "logFC": estimate,
                "AveExpr": fit.mean,
                "lfcSE": se,
                "t": t,
                "P.Value": p,
                "adj.P.Val": stats.false_discovery_control(p),
            }
        )
    return results
