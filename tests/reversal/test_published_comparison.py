"""Signature mode: two published DE tables, on synthetic tables and on real GSE121212 data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import REPO

from signature_reversal.inputs.gmt import read_gmt
from signature_reversal.reversal import published_comparison
from signature_reversal.settings import VerdictRule

GSE = REPO / "data" / "gse121212"
HUMAN_CURATED = REPO / "config" / "genesets" / "human" / "skin_curated.gmt"


def _table(path, lfc, padj):
    pd.DataFrame(
        {
            "gene_id": [f"G{i}" for i in range(len(lfc))],
            "baseMean": 100.0,
            "log2FoldChange": lfc,
            "lfcSE": 0.2,
            "pvalue": padj,
            "padj": padj,
        }
    ).to_csv(path, sep="\t", index=False)


def test_inverted_treatment_table_reverses(tmp_path):
    rng = np.random.default_rng(0)
    d = np.concatenate([rng.choice([-2.0, 2.0], 200), rng.normal(0, 0.1, 800)])
    padj = np.where(np.abs(d) > 1, 1e-5, 0.9)
    _table(tmp_path / "d.tsv", d, padj)
    _table(tmp_path / "back.tsv", d * 0.8, padj)  # "disease vs treated": read inverted
    disease = published_comparison.read_published_table(tmp_path / "d.tsv")
    treatment = published_comparison.read_published_table(tmp_path / "back.tsv", invert=True)
    sets = {"UP": [f"G{i}" for i in range(200) if d[i] > 0]}
    summary, table, _ = published_comparison.compare(
        disease, treatment, sets, VerdictRule.from_config(), permutations=50
    )
    assert summary["slope"] == pytest.approx(-0.8)
    assert summary["percent_improvement_up"] == pytest.approx(80)
    assert summary["connectivity"] < -0.5
    row = table.set_index("gene_set").loc["UP"]
    assert row["NES_disease"] > 0 > row["NES_treatment"]


def test_missing_columns_are_named(tmp_path):
    pd.DataFrame({"gene_id": ["a"], "baseMean": [1.0]}).to_csv(tmp_path / "x.tsv", sep="\t")
    with pytest.raises(Exception, match="log2FC"):
        published_comparison.read_published_table(tmp_path / "x.tsv")


def test_real_atopic_dermatitis_signature_shows_known_biology():
    """GSE121212 chronic lesions vs healthy skin (Tsoi et al. 2019): IL-13 axis and JAK-STAT up,
    FLG and LORICRIN down; non-lesional skin of the same patients moves most genes back."""
    disease = published_comparison.read_published_table(GSE / "cLS_CO.deseq2.tsv.gz")
    back = published_comparison.read_published_table(GSE / "cLS_NL.deseq2.tsv.gz", invert=True)
    sets = {s.name: list(s.genes) for s in read_gmt(HUMAN_CURATED)}
    keep = {
        k: sets[k]
        for k in (
            "SKIN_JAK_STAT_AD_SIGNALING",
            "HALLMARK_IL6_JAK_STAT3_SIGNALING",
            "SKIN_BARRIER_TIGHT_JUNCTION",
        )
    }
    summary, table, genes = published_comparison.compare(
        disease, back, keep, VerdictRule.from_config(), permutations=100
    )
    lfc = genes.set_index("gene")["disease_log2FC"]
    assert lfc["IL13"] > 3 and lfc["SERPINB4"] > 3 and lfc["CCL17"] > 2 and lfc["SOCS3"] > 1
    assert lfc["FLG"] < 0 and lfc["LORICRIN"] < 0
    nes = table.set_index("gene_set")
    assert nes.loc["SKIN_JAK_STAT_AD_SIGNALING", "NES_disease"] > 1.5
    assert nes.loc["SKIN_JAK_STAT_AD_SIGNALING", "fdr_disease"] < 0.05
    assert nes.loc["HALLMARK_IL6_JAK_STAT3_SIGNALING", "NES_treatment"] < 0
    assert summary["percent_moved_toward_control"] > 80 and summary["connectivity"] < -0.3
