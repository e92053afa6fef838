"""Report escaping and offline-ness; the CLI turns input errors into a message and exit 2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from conftest import CONDITIONS, MOUSE_CURATED, simulate_skin, write_dataset
from signature_reversal import cli


@pytest.fixture(scope="module")
def evil_results(tmp_path_factory, curated_sets):
    """A full run through the CLI with a sample name and a gene name containing HTML."""
    root = tmp_path_factory.mktemp("evil")
    data = simulate_skin(curated_sets, n_genes=500, n_per_group=3, seed=3)
    data.counts = data.counts.rename(
        columns={"nmn_1": "nmn<script>alert(1)</script>"}, index={"Gene00001": "<b>bold</b>"}
    )
    data.samples.loc[data.samples["sample"] == "nmn_1", "sample"] = "nmn<script>alert(1)</script>"
    counts, samples = write_dataset(data, root / "input")
    out = root / "results"
    config = {
        "conditions": CONDITIONS,
        "min_replicates": 2,
        "de": {"design": "~condition", "alpha": 0.05, "min_count": 1, "min_samples": None},
        "enrichment": {
            "curated": str(MOUSE_CURATED),
            "extra": [],
            "permutations": 50,
            "min_size": 10,
            "max_size": 500,
            "seed": 1,
        },
        "reversal": {"permutations": 100, "bootstrap": 50},
        "report": {"title": "Title <i>x</i>", "simulated_note": ""},
    }
    adata = out / "data.h5ad"
    steps = [
        [
            "load",
            "--counts",
            counts,
            "--samples",
            samples,
            "--out",
            adata,
            "--settings",
            json.dumps({"conditions": CONDITIONS}),
        ],
        ["qc", "--adata", adata, "--out-dir", out / "qc"],
        ["de", "--adata", adata, "--settings", json.dumps(config["de"]), "--out-dir", out / "de"],
    ]
    for contrast in ("disease_vs_control", "treatment_vs_disease", "treatment_vs_control"):
        steps.append(
            [
                "enrich",
                "--de",
                out / "de" / f"{contrast}.tsv",
                "--settings",
                json.dumps(config["enrichment"]),
                "--out",
                out / "enrichment" / f"{contrast}.tsv",
                "--coverage-out",
                out / "enrichment" / f"{contrast}.coverage.tsv",
            ]
        )
    steps += [
        [
            "reversal",
            "--adata",
            adata,
            "--de-dir",
            out / "de",
            "--enrichment-dir",
            out / "enrichment",
            "--curated",
            MOUSE_CURATED,
            "--settings",
            json.dumps(config["reversal"]),
            "--out-dir",
            out / "reversal",
        ],
        [
            "report",
            "--config-json",
            json.dumps(config),
            "--qc-dir",
            out / "qc",
            "--de-dir",
            out / "de",
            "--enrichment-dir",
            out / "enrichment",
            "--reversal-dir",
            out / "reversal",
            "--out",
            out / "report.html",
        ],
    ]
    for step in steps:
        assert cli.main([str(a) for a in step]) == 0, step[0]
    return out


def test_user_text_is_escaped(evil_results):
    html = (evil_results / "report.html").read_text()
    assert "<script>" not in html
    assert "nmn&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Title &lt;i&gt;x&lt;/i&gt;" in html
    assert "<b>bold</b>" not in html


def test_report_is_self_contained(evil_results):
    html = (evil_results / "report.html").read_text()
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert 'src="data:image/png;base64,' in html
    assert html.count("<img") >= 9  # QC 3 + volcano 3 + reversal 3


def test_outputs_are_deterministic(evil_results, tmp_path):
    """A second reversal run on the same inputs gives identical tables."""
    out = evil_results
    again = tmp_path / "again"
    settings = json.dumps({"permutations": 100, "bootstrap": 50})
    assert (
        cli.main(
            [
                "reversal",
                "--adata",
                str(out / "data.h5ad"),
                "--de-dir",
                str(out / "de"),
                "--enrichment-dir",
                str(out / "enrichment"),
                "--curated",
                str(MOUSE_CURATED),
                "--settings",
                settings,
                "--out-dir",
                str(again),
            ]
        )
        == 0
    )
    for name in ("gene_reversal.tsv", "gene_set_reversal.tsv", "reversal_summary.json"):
        assert (again / name).read_bytes() == (out / "reversal" / name).read_bytes(), name


def test_cli_input_error_exits_2_with_message(tmp_path):
    shutil.copy(MOUSE_CURATED, tmp_path / "sets.gmt")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "signature_reversal",
            "load",
            "--counts",
            str(tmp_path / "x.tsv"),
            "--samples",
            str(tmp_path / "s.tsv"),
            "--out",
            str(tmp_path / "o.h5ad"),
            "--settings",
            json.dumps({"conditions": CONDITIONS}),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "ERROR:" in result.stderr and "Traceback" not in result.stderr
    assert "sample sheet not found" in result.stderr
    assert not (tmp_path / "o.h5ad").exists()


def test_empty_gene_set_overlap_is_reported(tmp_path, caplog):
    table = pd.DataFrame({"gene": [f"ENSMUSG{i:011d}" for i in range(200)], "stat": range(200)})
    table.to_csv(tmp_path / "de.tsv", sep="\t", index=False)
    settings = {
        "curated": str(MOUSE_CURATED),
        "extra": [],
        "permutations": 20,
        "min_size": 10,
        "max_size": 500,
        "seed": 1,
    }
    assert (
        cli.main(
            [
                "enrich",
                "--de",
                str(tmp_path / "de.tsv"),
                "--settings",
                json.dumps(settings),
                "--out",
                str(tmp_path / "g.tsv"),
                "--coverage-out",
                str(tmp_path / "c.tsv"),
            ]
        )
        == 0
    )
    assert "no gene set has 10–500 genes in the data" in caplog.text
    coverage = pd.read_csv(tmp_path / "c.tsv", sep="\t")
    assert (coverage["genes_in_data"] == 0).all()
