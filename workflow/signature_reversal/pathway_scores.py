"""Per-sample pathway scores and how far treatment brings each pathway back toward control.

A sample's score for a gene set is the mean, over the set's genes, of each gene's z-score across
all samples (Lee et al., PLoS Comput Biol 2008): simple, transparent, and comparable between
groups with an ordinary test. "% of the way back" = (disease − treatment) / (disease − control)
of the group means, with a bootstrap CI from resampling samples within groups.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats


def zscore_scores(
    expression: np.ndarray,
    genes: list[str],
    samples: list[str],
    gene_sets: Mapping[str, list[str]],
) -> pd.DataFrame:
    """Samples × sets table of mean gene z-scores; ``expression`` is genes × samples (log2)."""
    sd = expression.std(axis=1, ddof=1)
    varying = sd > 0
    z = np.zeros_like(expression)
    z[varying] = (expression[varying] - expression[varying].mean(axis=1, keepdims=True)) / sd[
        varying, None
    ]
    index = {g: i for i, g in enumerate(genes)}
    scores = {}
    for name, members in gene_sets.items():
        rows = [index[g] for g in members if g in index and varying[index[g]]]
        if rows:
            scores[name] = z[rows].mean(axis=0)
    return pd.DataFrame(scores, index=pd.Index(samples, name="sample"))


def restoration(scores: pd.DataFrame, roles: np.ndarray, bootstrap: int, seed: int) -> pd.DataFrame:
    """Per set: group means, Welch t-test p for disease vs control and treatment vs disease, and
    the % of the disease shift undone by treatment with a 95% bootstrap CI."""
    groups = {r: np.flatnonzero(roles == r) for r in ("control", "disease", "treatment")}
    values = scores.to_numpy()

    def percent(rows: dict[str, np.ndarray]) -> np.ndarray:
        c, d, t = (values[rows[r]].mean(axis=0) for r in ("control", "disease", "treatment"))
        with np.errstate(divide="ignore", invalid="ignore"):
            return 100 * (d - t) / (d - c)

    rng = np.random.default_rng(seed)
    boot = np.array(
        [
            percent({r: rng.choice(idx, len(idx)) for r, idx in groups.items()})
            for _ in range(bootstrap)
        ]
    )
    with np.errstate(invalid="ignore"):
        low, high = np.nanquantile(boot, [0.025, 0.975], axis=0)
    means = {r: values[idx].mean(axis=0) for r, idx in groups.items()}
    p_disease = stats.ttest_ind(
        values[groups["disease"]], values[groups["control"]], equal_var=False
    ).pvalue
    p_treatment = stats.ttest_ind(
        values[groups["treatment"]], values[groups["disease"]], equal_var=False
    ).pvalue
    return pd.DataFrame(
        {
            "gene_set": scores.columns,
            "mean_control": means["control"],
            "mean_disease": means["disease"],
            "mean_treatment": means["treatment"],
            "p_disease_vs_control": p_disease,
            "p_treatment_vs_disease": p_treatment,
            "percent_restored": percent(groups),
            "percent_restored_ci_low": low,
            "percent_restored_ci_high": high,
        }
    )
