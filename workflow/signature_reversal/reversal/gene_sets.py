"""Gene-set level: is each pathway that disease changed moved back toward control?"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..progress import tracked
from ..settings import VerdictRule
from .relabelling import (
    Groups,
    bootstrap_columns,
    fold_changes,
    permutation_pvalues,
    relabellings,
    smallest_p,
)
from .verdicts import decide

NOT_CHANGED = "not changed by disease"


def _set_statistics(
    groups: Groups, disease_cols: np.ndarray, treatment_cols: np.ndarray, membership: np.ndarray
) -> np.ndarray:
    """Per set: −sign(mean D) · mean T, i.e. how far the set moved back (log2 units)."""
    d, t, _ = fold_changes(groups, disease_cols, treatment_cols)
    sizes = membership.sum(axis=1)
    mean_d = membership @ d / sizes
    mean_t = membership @ t / sizes
    return -np.sign(mean_d) * mean_t


def gene_set_verdicts(
    genes: pd.DataFrame,
    groups: Groups,
    gene_sets: Mapping[str, list[str]],
    gsea_disease: pd.DataFrame,
    gsea_treatment: pd.DataFrame,
    rule: VerdictRule,
) -> pd.DataFrame:
    """Per set: NES pair, fraction restored (−mean T / mean D) with CI and permutation p, verdict.

    A set not changed by disease (GSEA FDR ≥ ``gene_set_disease_fdr``) gets no reversal verdict.
    """
    index = {g: i for i, g in enumerate(genes["gene"])}
    names = [n for n in gene_sets if any(g in index for g in gene_sets[n])]
    if not names:
        return pd.DataFrame()
    membership = np.zeros((len(names), len(genes)))
    for row, name in enumerate(names):
        membership[row, [index[g] for g in gene_sets[name] if g in index]] = 1.0
    sizes = membership.sum(axis=1)
    d = genes["disease_log2FC"].to_numpy()
    t = genes["treatment_log2FC"].to_numpy()
    finite = np.isfinite(d) & np.isfinite(t)
    member_finite = membership * finite
    mean_d = (member_finite @ np.nan_to_num(d)) / member_finite.sum(axis=1)
    mean_t = (member_finite @ np.nan_to_num(t)) / member_finite.sum(axis=1)
    restored = -mean_t / mean_d

    splits, exact = relabellings(groups, rule.permutations, rule.seed)
    min_p = smallest_p(splits, exact)
    observed = _set_statistics(groups, groups.disease, groups.treatment, membership)
    null = np.array(
        [
            _set_statistics(groups, a, b, membership)
            for a, b in tracked(splits, len(splits), "gene-set permutation null")
        ]
    )
    # the set statistic grows with reversal, so reversal is the upper tail here
    p_agg, p_rev = permutation_pvalues(observed, null, exact)

    rng = np.random.default_rng(rule.seed + 2)
    boot = []
    for _ in tracked(range(rule.bootstrap), rule.bootstrap, "gene-set bootstrap"):
        g = bootstrap_columns(groups, rng)
        bd, bt, _ = fold_changes(g, g.disease, g.treatment)
        boot.append(-(membership @ bt) / (membership @ bd))
    boot = np.asarray(boot)
    fast_d, fast_t, _ = fold_changes(groups, groups.disease, groups.treatment)
    shift = restored - (-(membership @ fast_t) / (membership @ fast_d))
    with np.errstate(invalid="ignore"):
        low = np.nanquantile(boot, 0.025, axis=0) + shift
        high = np.nanquantile(boot, 0.975, axis=0) + shift

    nes_d = gsea_disease.set_index("gene_set")
    nes_t = gsea_treatment.set_index("gene_set")
    rows = []
    for i, name in enumerate(names):
        fdr_d = float(nes_d["fdr"].get(name, np.nan))
        if not fdr_d < rule.gene_set_disease_fdr:
            verdict = NOT_CHANGED
            reason = (
                f"disease GSEA FDR {fdr_d:.3g} ≥ {rule.gene_set_disease_fdr}"
                if math.isfinite(fdr_d)
                else "not tested by GSEA (size outside min/max)"
            )
        else:
            verdict, reason = decide(restored[i], p_rev[i], p_agg[i], min_p, rule, "fraction")
        rows.append(
            {
                "gene_set": name,
                "genes_in_data": int(sizes[i]),
                "disease_NES": float(nes_d["NES"].get(name, np.nan)),
                "disease_fdr": fdr_d,
                "treatment_NES": float(nes_t["NES"].get(name, np.nan)),
                "treatment_fdr": float(nes_t["fdr"].get(name, np.nan)),
                "mean_disease_log2FC": mean_d[i],
                "mean_treatment_log2FC": mean_t[i],
                "fraction_restored": restored[i],
                "fraction_restored_ci_low": low[i],
                "fraction_restored_ci_high": high[i],
                "p_reversal": p_rev[i],
                "p_aggravation": p_agg[i],
                "verdict": verdict,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows)
