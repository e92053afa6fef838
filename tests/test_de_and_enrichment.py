"""DE recovers planted fold changes; GSEA finds the planted sets and only those."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import CONDITIONS, MOUSE_CURATED, simulate_skin, write_dataset

from signature_reversal import de, enrichment, genesets
from signature_reversal.errors import InputError
from signature_reversal.load import build_anndata


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, curated_sets):
    data = simulate_skin(curated_sets, n_genes=800, n_per_group=3, seed=21)
    counts, samples = write_dataset(data, tmp_path_factory.mktemp("de"))
    adata = build_anndata(counts, samples, CONDITIONS)
    results, removed, size_factors = de.run(adata, "~condition", 0.05, 10, None, threads=1)
    return data.truth, results, removed, size_factors, adata


def test_tables_have_the_documented_columns(fitted):
    _, results, _, _, _ = fitted
    assert set(results) == {"disease_vs_control", "treatment_vs_disease", "treatment_vs_control"}
    for table in results.values():
        assert tuple(table.columns) == de.RESULT_COLUMNS


def test_log2fc_recovers_truth(fitted):
    truth, results, _, _, _ = fitted
    table = results["disease_vs_control"].set_index("gene")
    joined = table.join(truth)
    expressed = joined["baseMean"] > 30
    r = np.corrcoef(joined.loc[expressed, "log2FC"], joined.loc[expressed, "disease_lfc"])[0, 1]
    assert r > 0.85
    called = joined["padj"] < 0.05
    planted = joined["disease_lfc"] != 0
    assert (called & ~planted).sum() / max(called.sum(), 1) < 0.1  # FDR held
    assert (called & planted).sum() / planted[expressed].sum() > 0.6  # power
    treat = results["treatment_vs_disease"].set_index("gene").join(truth)
    expected = treat["treatment_lfc"]
    assert np.corrcoef(treat.loc[expressed, "log2FC"], expected[expressed])[0, 1] > 0.8


def test_low_count_filter_reports_removed_genes(fitted):
    _, results, removed, _, adata = fitted
    assert len(removed) + len(results["disease_vs_control"]) == adata.n_vars
    assert set(removed["gene"]).isdisjoint(results["disease_vs_control"]["gene"])
    assert (removed["reason"].str.contains("fewer than 3 samples")).all()


def test_size_factors_centre_unchanged_genes(fitted):
    truth, _, _, size_factors, adata = fitted
    counts = pd.DataFrame(np.asarray(adata.layers["counts"]), columns=adata.var_names)
    normalized = counts.div(size_factors, axis=0)
    flat = truth.index[
        (truth["disease_lfc"] == 0) & (truth["treatment_lfc"] == 0) & (truth["base_mean"] > 50)
    ]
    log_ratio = np.log2(normalized[flat] / normalized[flat].mean(axis=0))
    per_sample = log_ratio.median(axis=1)
    assert per_sample.abs().max() < 0.1  # every sample on a common scale


@pytest.mark.parametrize(
    ("design", "message"), [("~batch", "no 'condition'"), ("~batch + condition", "batch")]
)
def test_design_errors(fitted, design, message):
    *_, adata = fitted
    with pytest.raises(InputError, match=message):
        de.check_design(design, adata.obs)


def test_gsea_finds_planted_sets(fitted):
    _, results, _, _, _ = fitted
    ranked = enrichment.ranking(results["disease_vs_control"])
    sets, _ = genesets.restrict_to_genes(genesets.read_gmt(MOUSE_CURATED), ranked.index, 10, 500)
    rng = np.random.default_rng(0)
    unplanted = [g for g in ranked.index if g.startswith("Gene")]
    sets["RANDOM_CONTROL_SET"] = list(rng.choice(unplanted, 30, replace=False))
    table = enrichment.prerank(ranked, sets, "curated", 200, 3, 10, 500).set_index("gene_set")
    assert table.loc["SKIN_JAK_STAT_AD_SIGNALING", "NES"] > 0
    assert table.loc["SKIN_JAK_STAT_AD_SIGNALING", "fdr"] < 0.05
    assert table.loc["SKIN_BARRIER_CORNIFIED_ENVELOPE", "NES"] < 0
    assert table.loc["SKIN_BARRIER_CORNIFIED_ENVELOPE", "fdr"] < 0.05
    assert table.loc["RANDOM_CONTROL_SET", "fdr"] > 0.05
    again = enrichment.prerank(ranked, sets, "curated", 200, 3, 10, 500).set_index("gene_set")
    pd.testing.assert_frame_equal(table, again)
    # strongly planted sets beat every permutation: p is 1/(200+1), never 0
    assert table["pvalue"].min() == pytest.approx(1 / 201)
    assert (table["fdr"] >= table["pvalue"]).all()


def test_permutation_pvalue_floor_keeps_larger_values():
    table = pd.DataFrame({"pvalue": [0.0, 0.0, 0.2], "fdr": [0.0, 0.5, 0.1]})
    floored = enrichment.floor_permutation_pvalues(table, 99)
    assert floored["pvalue"].tolist() == [0.01, 0.01, 0.2]
    assert floored["fdr"].tolist() == [0.01, 0.5, 0.2]


ORA_IN_A_FRESH_PROCESS = """
import sys
from signature_reversal import enrichment
background = [f"G{i}" for i in range(400)]
sets = {"A": background[:60], "B": background[30:90:2], "C": background[::7]}
table = enrichment.over_representation(background[:80], background, sets, "c", "up")
sys.stdout.write(table.to_csv(sep="\\t"))
"""


def test_ora_table_is_identical_across_hash_seeds():
    """Processes differ in string-hash seed (Snakemake jobs, SLURM jobs); the table must not."""
    outputs = {
        subprocess.run(
            [sys.executable, "-c", ORA_IN_A_FRESH_PROCESS],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
    assert "A\t" in next(iter(outputs))
