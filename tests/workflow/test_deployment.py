"""The workflow runs wherever it is called from: another working directory (--directory) with
the shipped config, and as a Snakemake module of an outside workflow (as snakedeploy sets up)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import REPO, make_config, simulate_skin, table_dataset, write_dataset

pytestmark = pytest.mark.workflow


def test_shipped_config_from_another_directory(tmp_path):
    """Config, example data, gene sets and ortholog table are found beside the workflow."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-s",
            str(REPO / "Snakefile"),
            "--directory",
            str(tmp_path),
            "--cores",
            "1",
            "--until",
            "load_data",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    coverage = (tmp_path / "results" / "example" / "gene_sets" / "coverage.tsv").read_text()
    assert "SKIN_JAK_STAT_AD_SIGNALING" in coverage
    assert not (tmp_path / "config").exists()  # nothing had to be copied here


OUTER_SNAKEFILE = """
configfile: "config.yaml"


module signature_reversal:
    snakefile:
        "{snakefile}"
    config:
        config


use rule * from signature_reversal as sr_*
"""


def test_as_a_module_of_an_outside_workflow(tmp_path, curated_sets):
    data = simulate_skin(curated_sets, "reverse", n_genes=600, n_per_group=4, seed=11)
    counts, samples = write_dataset(data, tmp_path / "input")
    config = make_config(tmp_path, {"mine": table_dataset(counts, samples)})
    config["gene_sets"]["extra"] = []
    # the shipped human reference, found beside the workflow from its relative path
    shipped = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["reference_signatures"] = {
        "human": shipped["reference_signatures"]["human_AD_chronic_lesional"]
    }
    (tmp_path / "config.yaml").write_text(json.dumps(config))
    (tmp_path / "Snakefile").write_text(OUTER_SNAKEFILE.format(snakefile=REPO / "Snakefile"))
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(
        (tmp_path / "results" / "mine" / "reversal" / "reversal_summary.json").read_text()
    )
    assert summary["signature"]["verdict"] == "reverses"
    assert Path(tmp_path / "results" / "report.html").stat().st_size > 0
    human = json.loads(
        (tmp_path / "results" / "mine" / "reference" / "human" / "summary.json").read_text()
    )
    assert human["mapping"]["selected_mapped"] > 0  # human genes mapped to mouse
