"""Per-gene reversal classes."""

from __future__ import annotations

import pandas as pd
import pytest

from signature_reversal.reversal.genes import classify


def test_classify_disease_genes():
    genes = pd.DataFrame(
        {
            "disease_log2FC": [2, 2, 2, 2, 2, 2],
            "treatment_log2FC": [-2, -0.5, -4, 1, -2, -2],
            "treatment_padj": [0.01, 0.01, 0.01, 0.01, 0.5, 0.01],
            "disease_gene": [True, True, True, True, True, False],
        }
    )
    genes["improvement"] = -genes["treatment_log2FC"] / genes["disease_log2FC"]
    assert classify(genes, 0.05).tolist() == [
        "reversed",
        "partial",
        "overshoot",
        "aggravated",
        "unchanged",
        "",
    ]


def test_gene_table_adds_corrected_effects():
    from signature_reversal.reversal.genes import gene_table
    from signature_reversal.settings import VerdictRule

    def table(log2fc, se):
        return pd.DataFrame(
            {
                "gene": ["a", "b", "c"],
                "log2FC": log2fc,
                "lfcSE": se,
                "padj": [0.001, 0.001, 0.9],
                "stat": [1.0, 1.0, 1.0],
                "symbol": ["A", "B", "C"],
            }
        )

    genes, effects = gene_table(
        table([3.0, -2.0, 0.1], [0.3, 0.3, 0.3]),
        table([-3.0, 0.0, 0.0], [0.3, 0.3, 0.3]),
        table([0.0, -2.0, 0.1], [0.3, 0.3, 0.3]),
        VerdictRule.from_config({}),
    )
    assert genes["disease_gene"].tolist() == [True, True, False]
    for column in ("disease_log2FC_shrunk", "treatment_log2FC_corrected", "improvement_corrected"):
        assert column in genes.columns
    # equal standard errors: Cov(d, t) = −Var(d)/2
    assert effects.kappa == pytest.approx([-0.5, -0.5, -0.5])
    shrunk = genes["disease_log2FC_shrunk"].abs()
    assert (shrunk <= genes["disease_log2FC"].abs() + 1e-12).all()
