"""GSEA finds the planted sets and only those; ORA uses the tested genes as background; the
whole stage gives the same tables in any process."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from helpers import MOUSE_CURATED, build_anndata, simulate_skin, write_dataset

from signature_reversal.de import stage as de
from signature_reversal.enrichment import stage as enrichment
from signature_reversal.inputs import gene_sets as genesets
from signature_reversal.inputs.gmt import read_gmt
from signature_reversal.settings import DESettings, EnrichmentSettings


@pytest.fixture(scope="module")
def disease_table(tmp_path_factory, curated_sets):
    data = simulate_skin(curated_sets, n_genes=800, n_per_group=3, seed=21)
    counts, samples = write_dataset(data, tmp_path_factory.mktemp("de"))
    adata = build_anndata(counts, samples)
    return de.run(adata, DESettings.from_config({})).tables["disease_vs_control"]


def test_gsea_finds_planted_sets(disease_table):
    ranked = enrichment.ranking(disease_table)
    sets, _ = genesets.restrict_to_genes(read_gmt(MOUSE_CURATED), ranked.index, 10, 500)
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
from signature_reversal.enrichment import stage as enrichment
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


@pytest.mark.parametrize("seed", range(6))
def test_hypergeometric_test_equals_gseapy_enrich(seed):
    """The over-representation table is gseapy.enrich's (offline mode, custom background),
    float for float: random sets of 5-120 genes, some genes outside the background, queries of
    3-300 genes, sets with and without overlap."""
    import gseapy

    rng = np.random.default_rng(seed)
    universe = [f"Gene{i}" for i in range(3000)]
    background = list(rng.choice(universe, 2000, replace=False))
    sets = {f"SET_{k}": list(rng.choice(universe, rng.integers(5, 120), replace=False))
            for k in range(60)}  # fmt: skip
    selected = list(rng.choice(universe, rng.integers(3, 300), replace=False))
    ours = enrichment.over_representation(selected, background, sets, "c", "up")
    theirs = gseapy.enrich(gene_list=selected, gene_sets=sets, background=background,
                           outdir=None, cutoff=1.0, no_plot=True).results  # fmt: skip
    theirs = theirs.set_index("Term").loc[ours["gene_set"]]
    assert len(ours) == len(theirs) > 0
    assert list(ours["overlap"]) == list(theirs["Overlap"])
    assert np.array_equal(ours["pvalue"], theirs["P-value"].astype(float))
    assert np.array_equal(ours["fdr"], theirs["Adjusted P-value"].astype(float))
    assert np.array_equal(ours["odds_ratio"], theirs["Odds Ratio"].astype(float))
    assert list(ours["genes"]) == [";".join(sorted(g.split(";"))) for g in theirs["Genes"]]


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


def test_stage_run_tests_every_collection_and_ora_direction(disease_table, curated_sets):
    """run(): GSEA rows per collection, ORA of up and down genes, leading edges in symbols."""
    sets = read_gmt(MOUSE_CURATED)
    settings = EnrichmentSettings.from_config({"permutations": 50, "ora_padj": 0.05})
    # a second collection repeating one set (as Hallmark repeats the curated file's Hallmark
    # sets), holding another under the same name with other genes, and one of its own
    jak = next(s for s in sets if s.name == "SKIN_JAK_STAT_AD_SIGNALING")
    barrier = next(s for s in sets if s.name == "SKIN_BARRIER_CORNIFIED_ENVELOPE")
    copy = [
        jak,
        dataclasses.replace(barrier, genes=barrier.genes[:-3]),
        dataclasses.replace(barrier, name="OWN_SET"),
    ]
    result = enrichment.run(disease_table, {"curated": sets, "copy": copy}, settings)
    rows = result.gsea.set_index(["collection", "gene_set"])
    assert ("copy", "SKIN_JAK_STAT_AD_SIGNALING") not in rows.index  # tested once …
    assert rows.at[("curated", "SKIN_JAK_STAT_AD_SIGNALING"), "also_in"] == "copy"  # … said so
    assert ("copy", "SKIN_BARRIER_CORNIFIED_ENVELOPE") in rows.index  # other genes: both tested
    assert ("copy", "OWN_SET") in rows.index
    assert rows.at[("curated", "SKIN_BARRIER_CORNIFIED_ENVELOPE"), "also_in"] == ""
    assert set(result.ora["direction"]) == {"up", "down"}
    expected = enrichment.de_genes(disease_table, settings)
    up = disease_table[(disease_table["padj"] < 0.05) & (disease_table["log2FC"] >= 1)]
    assert sorted(expected["up"]) == sorted(up["gene"])
    jak = result.gsea.set_index(["collection", "gene_set"]).loc[
        ("curated", "SKIN_JAK_STAT_AD_SIGNALING")
    ]
    assert set(jak["leading_edge"].split(";")) <= set(curated_sets["SKIN_JAK_STAT_AD_SIGNALING"])
