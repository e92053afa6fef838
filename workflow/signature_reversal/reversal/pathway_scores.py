"""Per-sample pathway scores and how far treatment brings each pathway back toward control.

A sample's score for a gene set is the mean, over the set's genes, of each gene's z-score across
all samples (Lee et al., PLoS Comput Biol 2008): simple, transparent, and comparable between
groups with an ordinary test. "% of the way back" = (disease − treatment) / (disease − control)
of the group means, with Fieller's interval for that ratio.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from ..roles import ROLES
from .linear_model import Design, contrasts_of, residual_variance
from .set_verdicts import fieller


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


def restoration(scores: pd.DataFrame, design: Design) -> pd.DataFrame:
    """Per set: group means, t-test p of disease vs control and treatment vs disease in the
    linear model (n − p degrees of freedom, covariates included), and the % of the disease
    shift undone by treatment with its 95% Fieller interval."""
    values = scores.to_numpy().T  # sets × samples
    d, t = contrasts_of(values, design)
    sigma2 = residual_variance(values, design)
    df = design.df_residual
    v_dd = design.variance_factor(design.disease, design.disease)
    v_tt = design.variance_factor(design.treatment, design.treatment)
    v_td = design.variance_factor(design.treatment, design.disease)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_disease = 2 * stats.t.sf(np.abs(d / np.sqrt(sigma2 * v_dd)), df)
        p_treatment = 2 * stats.t.sf(np.abs(t / np.sqrt(sigma2 * v_tt)), df)
        percent = -100 * t / d
    quantile = float(stats.t.ppf(0.975, df))
    intervals = [
        fieller(-t[i], d[i], s2 * v_tt, s2 * v_dd, -s2 * v_td, quantile)
        for i, s2 in enumerate(sigma2)
    ]
    means = {r: values[:, design.role_columns(r)].mean(axis=1) for r in ROLES}
    return pd.DataFrame(
        {
            "gene_set": scores.columns,
            "mean_control": means["control"],
            "mean_disease": means["disease"],
            "mean_treatment": means["treatment"],
            "p_disease_vs_control": p_disease,
            "p_treatment_vs_disease": p_treatment,
            "percent_restored": percent,
            "percent_restored_ci_low": [100 * low for low, _ in intervals],
            "percent_restored_ci_high": [100 * high for _, high in intervals],
        }
    )
