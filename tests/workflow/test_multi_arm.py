"""A time course given as disease/treatment pairs without a control, end to end through
Snakemake, compared on a planted reference signature: the planted difference must come out.
(Several treated arms against one disease group, ranked with a dose trend, are the shipped
config/multi_arm.yaml, run in test_shipped_configs.py.)"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers import make_config, run_snakemake

from signature_reversal.layout import StudyLayout
from signature_reversal.settings import ReferenceSpec
from signature_reversal.validation import calibration, simulate

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def multi_arm_run(tmp_path_factory, curated_sets):
    root = tmp_path_factory.mktemp("multi_arm")
    planted = simulate.skin_planted_sets(curated_sets)
    genes = simulate.gene_universe(1500, [g for s in planted.values() for g in s.genes])
    spec = simulate.SimulationSpec(
        n_per_group=3, seed=31, further_arms={"nmn_low": 0.3, "dex": 1.3}
    )
    data = simulate.simulate(genes, planted, spec)
    data.counts.to_csv(root / "counts.tsv", sep="\t")
    data.samples.to_csv(root / "samples.tsv", sep="\t", index=False)
    reference_data = calibration.simulate_scenario(
        curated_sets, "70% reversal", 6, 31, n_genes=1500, noise_seed=1
    )
    reference = calibration.reference_from(
        reference_data, ReferenceSpec.from_config("sim", {"path": "x", "species": "mouse"})
    )
    reference.to_csv(root / "reference.tsv", sep="\t", index=False)
    dataset = {"path": "counts.tsv", "samples": "samples.tsv", "species": "mouse"}
    config = make_config(
        root,
        {
            "course": {
                **dataset,
                "conditions": {
                    "pairs": {
                        "early": {"disease": "eczema", "treatment": "nmn_low"},
                        "late": {"disease": "eczema", "treatment": "nmn"},
                    },
                    "ordered": "week",
                },
            },
        },
    )
    config["gene_sets"]["extra"] = []
    config["reversal"]["calibration_worlds"] = 20
    config["reference_signatures"] = {
        "independent_study": {"path": "reference.tsv", "species": "mouse"}
    }
    (root / "config.yaml").write_text(json.dumps(config))
    result = run_snakemake(root, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    return root, data


def test_pairs_without_control_are_compared_on_the_reference(multi_arm_run):
    root, _ = multi_arm_run
    comparisons = pd.read_csv(root / StudyLayout.of("course").comparisons, sep="\t")
    assert set(comparisons["signature"]) == {"independent_study"}
    late = comparisons[(comparisons["figure"] == "slope") & (comparisons["second"] != "trend")]
    assert list(late["first"]) == ["early"] and late["estimate"].iloc[0] > 0


def test_the_report_shows_the_head_to_head(multi_arm_run):
    root, _ = multi_arm_run
    page = (root / "results" / "report.html").read_text()
    assert "course: does each arm reverse, and is one better?" in page
    assert "forest plot" in page and "restores" in page
