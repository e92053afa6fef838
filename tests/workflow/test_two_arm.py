"""A two-arm study (disease + treatment, no healthy control) judged against a reference
signature given as a CSV with its own column names, end to end through Snakemake."""

from __future__ import annotations

import json

import pytest
from helpers import make_config, run_snakemake

from signature_reversal.settings import ReferenceSpec
from signature_reversal.validation import calibration

pytestmark = pytest.mark.workflow


def test_two_arm_study_against_a_csv_reference(tmp_path, curated_sets):
    data = calibration.simulate_scenario(curated_sets, "70% reversal", 4, 21, n_genes=1500)
    reference_data = calibration.simulate_scenario(
        curated_sets, "70% reversal", 6, 21, n_genes=1500, noise_seed=1
    )
    spec = ReferenceSpec.from_config("sim", {"path": "x", "species": "mouse"})
    reference = calibration.reference_from(reference_data, spec)
    reference.rename(
        columns={"gene": "Symbol", "log2FC": "effect", "se": "stderr", "padj": "q"}
    ).drop(columns=["selected"]).to_csv(tmp_path / "reference.csv", index=False)
    two_arm = data.samples[data.samples["condition"] != "control"]
    data.counts[two_arm["sample"]].to_csv(tmp_path / "counts.tsv", sep="\t")
    two_arm.to_csv(tmp_path / "samples.tsv", sep="\t", index=False)
    conditions = {"disease": "eczema", "treatment": "nmn"}
    config = make_config(
        tmp_path,
        {"trial": {"path": "counts.tsv", "samples": "samples.tsv", "species": "mouse"}},
        conditions=conditions,
    )
    config["gene_sets"]["extra"] = []
    config["reference_signatures"] = {
        "independent_study": {
            "path": "reference.csv",
            "species": "mouse",
            "gene_column": "Symbol",
            "log2fc_column": "effect",
            "se_column": "stderr",
            "padj_column": "q",
            "description": "the same planted disease, other animals",
        }
    }
    (tmp_path / "config.yaml").write_text(json.dumps(config))
    result = run_snakemake(tmp_path, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    results = tmp_path / "results" / "trial"
    summary = json.loads((results / "reference" / "independent_study" / "summary.json").read_text())
    assert summary["verdict"] == "reverses", summary["reason"]
    assert summary["mapping"]["selected_mapped"] == summary["n_reference_genes"] > 50
    assert sorted(p.name for p in (results / "de").glob("*.tsv")) == [
        "dispersions.tsv",
        "filtered_genes.tsv",
        "group_variability.tsv",
        "size_factors.tsv",
        "treatment_vs_disease.tsv",
    ]
    assert not (results / "reversal").exists()  # no control: no own signature
    html = (results / "report.html").read_text()
    assert "Against independent_study" in html and "nmn reverses the independent_study" in html
    assert "a two-arm study without a healthy" in html
