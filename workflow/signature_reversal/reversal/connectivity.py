"""Connectivity Map score: is the disease signature reversed in the treatment's gene ranking?"""

from __future__ import annotations

import math

import numpy as np


def ks_enrichment(positions: np.ndarray, n: int) -> float:
    """Unweighted Kolmogorov–Smirnov enrichment of a query at 1-based ``positions`` in a list of
    ``n`` genes, as in the Connectivity Map (Lamb et al., Science 2006): positive when the query
    sits at the top."""
    t = len(positions)
    if t == 0:
        return math.nan
    v = np.sort(positions).astype(float)
    j = np.arange(1, t + 1)
    a = np.max(j / t - v / n)
    b = np.max(v / n - (j - 1) / t)
    return float(a if a > b else -b)


def connectivity(ranking: np.ndarray, up: np.ndarray, down: np.ndarray) -> float:
    """CMap connectivity of the disease signature in the treatment ranking (genes by decreasing
    treatment effect): (ES_up − ES_down) / 2 when the two have opposite signs, else 0.
    Negative = the treatment pushes disease-up genes down and disease-down genes up."""
    n = len(ranking)
    es_up = ks_enrichment(_positions(ranking, up), n)
    es_down = ks_enrichment(_positions(ranking, down), n)
    if not (np.isfinite(es_up) and np.isfinite(es_down)) or np.sign(es_up) == np.sign(es_down):
        return 0.0
    return (es_up - es_down) / 2


def _positions(ranking: np.ndarray, genes: np.ndarray) -> np.ndarray:
    """1-based positions of ``genes`` (mask) in the ranking by decreasing value, ties broken
    by gene order as a stable sort does — without sorting indices (one value sort, then a
    binary search per selected gene)."""
    ascending = np.sort(-ranking)
    chosen = np.flatnonzero(genes)
    values = -ranking[chosen]
    before = np.searchsorted(ascending, values, side="left")
    # ties: genes with the same value come in index order
    tied = np.searchsorted(ascending, values, side="right") - before
    if np.any(tied > 1):
        order = np.argsort(-ranking, kind="stable")
        position = np.empty(len(ranking), dtype=int)
        position[order] = np.arange(1, len(ranking) + 1)
        return position[chosen]
    return before + 1
