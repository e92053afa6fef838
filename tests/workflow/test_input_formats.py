"""Every supported bulk input shape runs end to end through Snakemake and gives the planted
answer.

One Snakemake run analyses the same simulated experiment delivered as a CSV (samples × genes),
featureCounts output, tximport-style estimated counts with versioned Ensembl IDs, a bulk h5ad
and normalized log-CPM (limma-style engine), side by side in one report. Single-cell h5ad runs
end to end as the shipped config/single_cell.yaml (test_shipped_configs.py); its pseudobulk and
min_cells rule are unit-tested in tests/inputs/test_anndata_input.py.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml
from helpers import (
    as_bulk_h5ad,
    as_csv_samples_by_genes,
    as_featurecounts,
    as_normalized,
    as_tximport_ensembl,
    make_config,
    run_snakemake,
    simulate_skin,
)

pytestmark = pytest.mark.workflow

EXPECTED = {
    "csv": "reverses",
    "featurecounts": "reverses",
    "tximport": "reverses",
    "h5ad": "reverses",
    "normalized": "reverses",
}


@pytest.fixture(scope="module")
def formats_run(tmp_path_factory, curated_sets):
    root = tmp_path_factory.mktemp("formats")
    reverse = simulate_skin(curated_sets, "reverse", n_genes=800, n_per_group=4, seed=42)
    datasets = {}
    for name, writer in (
        ("csv", as_csv_samples_by_genes),
        ("featurecounts", as_featurecounts),
        ("tximport", as_tximport_ensembl),
        ("h5ad", as_bulk_h5ad),
        ("normalized", as_normalized),
    ):
        folder = root / name
        folder.mkdir()
        datasets[name] = {"species": "mouse", **writer(reverse, folder)}
    make_config(
        root,
        datasets,
        enrichment={
            "permutations": 100,
            "min_size": 10,
            "max_size": 500,
            "seed": 42,
            "rank_by": "stat",
        },
    )
    config = yaml.safe_load((root / "config.yaml").read_text())
    config["gene_sets"]["extra"] = []  # the curated sets suffice here; keeps the run short
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    result = run_snakemake(root, "--cores", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    return root


@pytest.mark.parametrize("analysis", sorted(EXPECTED))
def test_each_format_gives_the_planted_verdict(formats_run, analysis):
    summary = json.loads(
        (formats_run / "results" / analysis / "reversal" / "reversal_summary.json").read_text()
    )
    assert summary["signature"]["verdict"] == EXPECTED[analysis], summary["signature"]


def test_count_formats_agree(formats_run):
    tables = {
        name: pd.read_csv(
            formats_run / "results" / name / "de" / "disease_vs_control.tsv", sep="\t"
        ).set_index("symbol")["log2FC"]
        for name in ("csv", "featurecounts", "h5ad", "tximport")
    }
    reference = tables["csv"]
    for name in ("featurecounts", "h5ad"):
        pd.testing.assert_series_equal(tables[name], reference, check_names=False)
    named = reference[~reference.index.str.startswith("Gene")]  # fillers have no Ensembl ID
    tx = tables["tximport"]
    common = named.index.intersection(tx.index)
    assert len(common) > 0.95 * len(named)
    assert (tx[common] - named[common]).abs().max() < 0.05  # rounding noise only


def test_ensembl_ids_are_stripped_and_symbolised(formats_run):
    table = pd.read_csv(
        formats_run / "results" / "tximport" / "de" / "disease_vs_control.tsv", sep="\t"
    )
    assert table["gene"].str.match(r"^ENSMUSG\d{11}$").all()
    assert {"Jak2", "Stat3", "Flg"} <= set(table["symbol"])
    log = (formats_run / "logs" / "tximport" / "load_data.log").read_text()
    assert "stripped Ensembl version suffixes" in log and "rounding" in log
    gsea = pd.read_csv(
        formats_run / "results" / "tximport" / "enrichment" / "disease_vs_control.tsv", sep="\t"
    ).set_index("gene_set")
    assert gsea.loc["SKIN_JAK_STAT_AD_SIGNALING", "fdr"] < 0.05
    edge = gsea.loc["SKIN_JAK_STAT_AD_SIGNALING", "leading_edge"]
    assert "Stat" in edge and "ENSMUSG" not in edge  # leading edges shown as symbols


def test_featurecounts_and_normalized_logs(formats_run):
    log = (formats_run / "logs" / "featurecounts" / "load_data.log").read_text()
    assert "featureCounts table" in log and "renamed to BAM base names" in log
    log = (formats_run / "logs" / "normalized" / "load_data.log").read_text()
    assert "taken to be log-scale" in log
    summary = json.loads(
        (formats_run / "results" / "normalized" / "reversal" / "reversal_summary.json").read_text()
    )
    assert summary["kind"] == "normalized"


def test_side_by_side_report(formats_run):
    html = (formats_run / "results" / "report.html").read_text()
    overview = html.split('id="overview"')[1].split("</table>")[0]
    assert overview.count("<tr><td>") == len(EXPECTED)
    for analysis in EXPECTED:
        assert f'id="{analysis.replace(".", "-")}"' in html
