"""Per gene: disease effect D, treatment effect T, residual R, corrected effects and a class."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..settings import VerdictRule
from .estimates import CorrectedEffects, corrected_effects


def gene_table(
    disease: pd.DataFrame, treatment: pd.DataFrame, residual: pd.DataFrame, rule: VerdictRule
) -> tuple[pd.DataFrame, CorrectedEffects]:
    """Per gene: D, T, R with standard errors and padj, disease-gene flag, improvement −T/D,
    class, and the corrected effects (shrunken D, corrected T, corrected improvement).

    Parameters
    ----------
    disease, treatment, residual
        DE tables (``gene``, ``log2FC``, ``lfcSE``, ``padj``, ``stat``[, ``symbol``]) of
        disease vs control, treatment vs disease and treatment vs control.
    rule
        Its ``disease_padj`` and ``disease_min_abs_log2fc`` select the disease genes.
    """

    def pick(table: pd.DataFrame, prefix: str) -> pd.DataFrame:
        return table.set_index("gene")[["log2FC", "lfcSE", "padj"]].add_prefix(prefix)

    genes = (
        pick(disease, "disease_")
        .join(pick(treatment, "treatment_"))
        .join(pick(residual, "residual_"))
    )
    if "symbol" in disease.columns:
        genes.insert(0, "symbol", disease.set_index("gene")["symbol"].reindex(genes.index))
    genes["disease_gene"] = (genes["disease_padj"] < rule.disease_padj) & (
        genes["disease_log2FC"].abs() >= rule.disease_min_abs_log2fc
    )
    genes["improvement"] = -genes["treatment_log2FC"] / genes["disease_log2FC"]
    genes["treatment_stat"] = treatment.set_index("gene")["stat"].reindex(genes.index)
    genes["reversal_class"] = classify(genes, rule.alpha)
    effects = corrected_effects(
        genes["disease_log2FC"].to_numpy(),
        genes["disease_lfcSE"].to_numpy(),
        genes["treatment_log2FC"].to_numpy(),
        genes["treatment_lfcSE"].to_numpy(),
        genes["residual_lfcSE"].to_numpy(),
    )
    genes["disease_log2FC_shrunk"] = effects.shrunk_disease
    genes["treatment_log2FC_corrected"] = effects.corrected_treatment
    with np.errstate(divide="ignore", invalid="ignore"):
        genes["improvement_corrected"] = -effects.corrected_treatment / effects.shrunk_disease
    return genes.reset_index(), effects


def classify(genes: pd.DataFrame, alpha: float) -> pd.Series:
    """reversed / partial / overshoot / unchanged / aggravated for disease genes, '' otherwise."""
    significant = genes["treatment_padj"] < alpha
    opposite = np.sign(genes["treatment_log2FC"]) == -np.sign(genes["disease_log2FC"])
    improvement = genes["improvement"]
    classes = pd.Series("unchanged", index=genes.index)
    classes[significant & ~opposite] = "aggravated"
    classes[significant & opposite & (improvement < 0.5)] = "partial"
    classes[significant & opposite & (improvement >= 0.5) & (improvement <= 1.5)] = "reversed"
    classes[significant & opposite & (improvement > 1.5)] = "overshoot"
    classes[~genes["disease_gene"]] = ""
    return classes
