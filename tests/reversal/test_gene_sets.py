"""Gene-set reversal verdicts follow the plant, stay calibrated under a null, and skip sets
that disease did not change."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import LENIENT, NOISY, RULE, all_changed, fast_analysis, reversal_data

from signature_reversal import simulate
from signature_reversal.reversal.gene_sets import gene_set_verdicts


@pytest.fixture(scope="module")
def curated(curated_sets):
    return curated_sets


def test_gene_set_verdicts_follow_the_plant(curated):
    data = reversal_data(curated, "reverse", 9, n_per_group=5)
    genes, groups = fast_analysis(data)
    planted = simulate.skin_planted_sets(curated)
    sets = {name: list(s.genes) for name, s in planted.items()}
    table = gene_set_verdicts(
        genes, groups, sets, all_changed(sets), all_changed(sets), RULE
    ).set_index("gene_set")
    assert table.loc["SKIN_JAK_STAT_AD_SIGNALING", "verdict"] == "reverses"
    assert table.loc["SKIN_JAK_STAT_AD_SIGNALING", "fraction_restored"] > 0.5
    row = table.loc["SKIN_BARRIER_CORNIFIED_ENVELOPE"]
    assert (
        row["fraction_restored_ci_low"]
        <= row["fraction_restored"]
        <= row["fraction_restored_ci_high"]
    )


def test_gene_set_verdicts_are_calibrated_under_null(curated):
    planted = simulate.skin_planted_sets(curated)
    sets = {name: list(s.genes) for name, s in planted.items()}
    calls = total = 0
    for seed in range(30):
        genes, groups = fast_analysis(reversal_data(curated, "none", 300 + seed, **NOISY), LENIENT)
        table = gene_set_verdicts(
            genes, groups, sets, all_changed(sets), all_changed(sets), LENIENT
        )
        calls += table["verdict"].isin(["reverses", "partially reverses"]).sum()
        total += len(table)
    assert calls / total <= 0.08, (calls, total)


def test_gene_set_not_changed_by_disease_is_not_judged(curated):
    genes, groups = fast_analysis(reversal_data(curated, "reverse", 2))
    sets = {"SKIN_JAK_STAT_AD_SIGNALING": list(curated["SKIN_JAK_STAT_AD_SIGNALING"])}
    gsea = pd.DataFrame({"gene_set": list(sets), "NES": 0.3, "fdr": 0.6})
    table = gene_set_verdicts(genes, groups, sets, gsea, gsea, RULE)
    assert table["verdict"].tolist() == ["not changed by disease"]
