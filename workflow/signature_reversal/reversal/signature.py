"""Signature level: is the disease signature as a whole moved back toward control?

Slope of T on D over the disease genes, % improvement (mean −T/D) of disease-up and -down genes,
CMap connectivity, each with a relabelling p-value; the verdict follows from the slope.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from ..progress import tracked
from ..settings import VerdictRule
from .connectivity import connectivity
from .relabelling import (
    Groups,
    bootstrap_columns,
    fold_changes,
    permutation_pvalues,
    relabellings,
    smallest_p,
)
from .verdicts import decide


def ols_slope(d: np.ndarray, t: np.ndarray) -> np.ndarray:
    """OLS slope of t on d along the last axis."""
    dc = d - d.mean(axis=-1, keepdims=True)
    tc = t - t.mean(axis=-1, keepdims=True)
    return (dc * tc).sum(axis=-1) / (dc * dc).sum(axis=-1)


def improvement(d: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Mean per-gene improvement −T/D (in %) over disease-up and over disease-down genes."""
    ratio = -t / d
    up, down = d > 0, d < 0
    return 100 * np.array(
        [ratio[up].mean() if up.any() else np.nan, ratio[down].mean() if down.any() else np.nan]
    )


def _relabelled_statistics(
    groups: Groups, disease_cols: np.ndarray, treatment_cols: np.ndarray, n_top: int
) -> np.ndarray:
    """Slope of T on D and CMap connectivity, over the ``n_top`` genes most changed by disease
    under this labelling (re-selected for every labelling)."""
    d, t, t_stat = fold_changes(groups, disease_cols, treatment_cols)
    top = np.zeros(len(d), dtype=bool)
    top[np.argpartition(-np.abs(t_stat), n_top - 1)[:n_top]] = True
    slope = float(ols_slope(d[top], t[top]))
    return np.array([slope, connectivity(t, top & (d > 0), top & (d < 0))])


@dataclass
class SignatureResult:
    """Signature-level numbers behind the overall verdict."""

    verdict: str
    reason: str
    n_disease_genes: int
    n_disease_up: int
    n_disease_down: int
    slope: float
    slope_ci_low: float
    slope_ci_high: float
    null_slope_median: float
    p_reversal: float
    p_aggravation: float
    percent_moved_toward_control: float
    median_improvement: float
    percent_improvement_up: float
    percent_improvement_up_ci_low: float
    percent_improvement_up_ci_high: float
    percent_improvement_down: float
    percent_improvement_down_ci_low: float
    percent_improvement_down_ci_high: float
    connectivity: float
    p_connectivity: float
    n_permutations: int
    exact_permutation: bool
    min_attainable_p: float

    def to_dict(self) -> dict:
        return {k: _plain(v) for k, v in asdict(self).items()}


def _plain(value):
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def signature_verdict(genes: pd.DataFrame, groups: Groups, rule: VerdictRule) -> SignatureResult:
    """Slope of T on D over disease genes, its bootstrap CI, permutation p-values and verdict.

    ``groups.expression`` rows must follow ``genes`` rows (the DE-tested genes, same order).
    """
    disease_mask = genes["disease_gene"].to_numpy()
    n_disease = int(disease_mask.sum())
    d = genes["disease_log2FC"].to_numpy()[disease_mask]
    t = genes["treatment_log2FC"].to_numpy()[disease_mask]
    splits, exact = relabellings(groups, rule.permutations, rule.seed)
    min_p = smallest_p(splits, exact)
    base = dict(
        n_disease_genes=n_disease,
        n_disease_up=int((d > 0).sum()),
        n_disease_down=int((d < 0).sum()),
        n_permutations=len(splits),
        exact_permutation=exact,
        min_attainable_p=min_p,
    )
    if n_disease < max(rule.min_disease_genes, 3):
        reason = (
            f"only {n_disease} disease genes (padj < {rule.disease_padj}, |log2FC| ≥ "
            f"{rule.disease_min_abs_log2fc}); at least {rule.min_disease_genes} are needed to "
            "judge reversal of a signature"
        )
        if min_p >= rule.alpha:  # say both when both apply
            reason += "; also " + decide(math.nan, math.nan, math.nan, min_p, rule, "slope")[1]
        return _without_estimate("no evidence", reason, base)
    slope = float(ols_slope(d, t))
    moved_back = float(np.mean(np.sign(t) == -np.sign(d)) * 100)
    median_improvement = float(np.median(-t / d))
    observed_improvement = improvement(d, t)
    ranking = genes["treatment_stat"].fillna(0).to_numpy()
    observed_connectivity = connectivity(
        ranking,
        disease_mask & (genes["disease_log2FC"] > 0).to_numpy(),
        disease_mask & (genes["disease_log2FC"] < 0).to_numpy(),
    )

    observed = _relabelled_statistics(groups, groups.disease, groups.treatment, n_disease)
    null = np.array(
        [
            _relabelled_statistics(groups, a, b, n_disease)
            for a, b in tracked(splits, len(splits), "signature permutation null")
        ]
    )
    p_rev, p_agg = permutation_pvalues(observed[0], null[:, 0], exact)
    p_connectivity, _ = permutation_pvalues(observed[1], null[:, 1], exact)

    # CIs: percentiles of a within-group bootstrap of the fast estimator over the same disease
    # genes, shifted onto the DESeq2 estimates
    rng = np.random.default_rng(rule.seed + 1)
    boot_groups = Groups(
        groups.expression[disease_mask], groups.control, groups.disease, groups.treatment
    )

    def estimates(g: Groups) -> np.ndarray:
        bd, bt, _ = fold_changes(g, g.disease, g.treatment)
        return np.concatenate([[ols_slope(bd, bt)], improvement(bd, bt)])

    boot = np.array(
        [
            estimates(bootstrap_columns(boot_groups, rng))
            for _ in tracked(range(rule.bootstrap), rule.bootstrap, "signature bootstrap")
        ]
    )
    shift = np.concatenate([[slope], observed_improvement]) - estimates(boot_groups)
    with np.errstate(invalid="ignore"):
        low = np.nanquantile(boot, 0.025, axis=0) + shift
        high = np.nanquantile(boot, 0.975, axis=0) + shift

    verdict, reason = decide(slope, p_rev, p_agg, min_p, rule, "slope")
    return SignatureResult(
        verdict=verdict,
        reason=reason,
        slope=slope,
        slope_ci_low=float(low[0]),
        slope_ci_high=float(high[0]),
        null_slope_median=float(np.median(null[:, 0])),
        p_reversal=float(p_rev),
        p_aggravation=float(p_agg),
        percent_moved_toward_control=moved_back,
        median_improvement=median_improvement,
        percent_improvement_up=float(observed_improvement[0]),
        percent_improvement_up_ci_low=float(low[1]),
        percent_improvement_up_ci_high=float(high[1]),
        percent_improvement_down=float(observed_improvement[1]),
        percent_improvement_down_ci_low=float(low[2]),
        percent_improvement_down_ci_high=float(high[2]),
        connectivity=observed_connectivity,
        p_connectivity=float(p_connectivity),
        **base,
    )


def _without_estimate(verdict: str, reason: str, base: dict) -> SignatureResult:
    """A result whose numbers cannot be estimated; the reason says why."""
    estimated = [
        f.name for f in fields(SignatureResult) if f.name not in {*base, "verdict", "reason"}
    ]
    missing = dict.fromkeys(estimated, math.nan)
    return SignatureResult(verdict=verdict, reason=reason, **missing, **base)
