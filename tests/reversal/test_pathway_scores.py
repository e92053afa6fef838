"""Per-sample pathway scores and % of the way back, on a set with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from signature_reversal.reversal import pathway_scores
from signature_reversal.reversal.linear_model import Design


def test_zscore_scores_and_restoration_known_answer():
    # 3 genes in the set move +2 in disease; treatment brings them back halfway (+1)
    roles = np.repeat(["control", "disease", "treatment"], 4)
    rng = np.random.default_rng(0)
    base = rng.normal(0, 0.05, (5, 12))
    shift = np.repeat([0.0, 2.0, 1.0], 4)
    expression = base + np.vstack([shift, shift, shift, np.zeros(12), np.zeros(12)])
    genes = ["a", "b", "c", "d", "e"]
    table = pathway_scores.zscore_scores(
        expression,
        genes,
        [f"s{i}" for i in range(12)],
        {"SET": ["a", "b", "c", "zz"], "FLAT": ["d", "e"]},
    )
    result = pathway_scores.restoration(table, Design.from_samples(roles)).set_index("gene_set")
    row = result.loc["SET"]
    assert row["percent_restored"] == pytest.approx(50, abs=3)
    assert row["percent_restored_ci_low"] < 50 < row["percent_restored_ci_high"]
    assert row["percent_restored_ci_high"] - row["percent_restored_ci_low"] < 20
    assert row["p_disease_vs_control"] < 1e-6 and row["p_treatment_vs_disease"] < 1e-6
    assert result.loc["FLAT", "p_disease_vs_control"] > 0.01
