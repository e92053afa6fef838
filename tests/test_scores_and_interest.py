"""Pathway scores, genes of interest and over-representation on inputs with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signature_reversal import enrichment, interest, scores


def test_zscore_scores_and_restoration_known_answer():
    # 3 genes in the set move +2 in disease; treatment brings them back halfway (+1)
    roles = np.repeat(["control", "disease", "treatment"], 4)
    rng = np.random.default_rng(0)
    base = rng.normal(0, 0.05, (5, 12))
    shift = np.repeat([0.0, 2.0, 1.0], 4)
    expression = base + np.vstack([shift, shift, shift, np.zeros(12), np.zeros(12)])
    genes = ["a", "b", "c", "d", "e"]
    table = scores.zscore_scores(
        expression,
        genes,
        [f"s{i}" for i in range(12)],
        {"SET": ["a", "b", "c", "zz"], "FLAT": ["d", "e"]},
    )
    result = scores.restoration(table, roles, bootstrap=200, seed=1).set_index("gene_set")
    row = result.loc["SET"]
    assert row["percent_restored"] == pytest.approx(50, abs=3)
    assert (
        row["percent_restored_ci_low"] <= row["percent_restored"] <= row["percent_restored_ci_high"]
    )
    assert row["p_disease_vs_control"] < 1e-6 and row["p_treatment_vs_disease"] < 1e-6
    assert result.loc["FLAT", "p_disease_vs_control"] > 0.01


def test_genes_of_interest_found_directly_or_through_orthologs():
    orthologs = pd.DataFrame({"human": ["JAK2", "FLG"], "mouse": ["Jak2", "Flg"]})
    human = pd.Series(["JAK2", "FLG", "ENSG1"], index=["ENSG01", "ENSG02", "ENSG1"])
    table = interest.match_genes(["Jak2", "FLG", "Lor"], human, "human", orthologs)
    rows = table.set_index("requested")
    assert rows.loc["Jak2", "gene"] == "ENSG01" and rows.loc["Jak2", "how"] == "ortholog of Jak2"
    assert rows.loc["FLG", "how"] == "symbol"
    assert rows.loc["Lor", "how"] == interest.NOT_TESTED and rows.loc["Lor", "gene"] == ""


def test_over_representation_uses_the_tested_background():
    background = [f"g{i}" for i in range(400)]
    sets = {"PLANTED": background[:20], "OTHER": background[200:230]}
    selected = background[:15] + background[300:310]
    table = enrichment.over_representation(selected, background, sets, "c", "up")
    rows = table.set_index("gene_set")
    assert rows.loc["PLANTED", "fdr"] < 1e-6 and rows.loc["PLANTED", "overlap"] == "15/20"
    assert "OTHER" not in rows.index or rows.loc["OTHER", "pvalue"] > 0.5
    assert enrichment.over_representation([], background, sets, "c", "up").empty
    no_overlap = enrichment.over_representation(background[390:], background, sets, "c", "up")
    assert no_overlap.empty and list(no_overlap.columns) == list(enrichment.ORA_COLUMNS)
