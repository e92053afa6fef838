"""Per-gene reversal classes."""

from __future__ import annotations

import pandas as pd

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
