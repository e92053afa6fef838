"""A multi-arm study end to end through Snakemake: three treated arms against one disease group
(two NMN doses and a stronger comparator) in one model, ranked and compared head to head with a
dose trend; and a time course given as disease/treatment pairs without a control, compared on a
reference signature. The planted order and differences must come out."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from helpers import make_config, run_snakemake

from signature_reversal.layout import AnalysisLayout, StudyLayout
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
            "study": {
                **dataset,
                "conditions": {
                    "control": "control",
                    "disease": "eczema",
                    "treatment": ["nmn", "nmn_low", "dex"],
                    "ordered": {"factor": "dose", "arms": ["nmn_low", "nmn"]},
                },
            },
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


def test_each_arm_is_an_analysis_of_one_model(multi_arm_run):
    root, data = multi_arm_run
    for arm in ("nmn", "nmn_low", "dex"):
        files = AnalysisLayout(str(root / AnalysisLayout.of(f"study.{arm}").root))
        # every sample of the study is in the model (one fit), the arm's own contrasts out
        size_factors = pd.read_csv(files.size_factors, sep="\t")
        assert len(size_factors) == len(data.samples)
        summary = json.loads(Path(files.reversal_summary).read_text())
        assert summary["conditions"]["treatment"] == arm
    verdicts = {
        arm: json.loads((root / AnalysisLayout.of(f"study.{arm}").reversal_summary).read_text())[
            "signature"
        ]["verdict"]
        for arm in ("nmn", "nmn_low", "dex")
    }
    assert verdicts == {"nmn": "reverses", "nmn_low": "partially reverses", "dex": "reverses"}


def test_the_arms_are_ranked_and_compared_as_planted(multi_arm_run):
    root, _ = multi_arm_run
    files = StudyLayout(str(root / StudyLayout.of("study").root))
    ranking = pd.read_csv(files.ranking, sep="\t")
    own = ranking[ranking["signature"] == "eczema signature"].sort_values("rank")
    assert list(own["arm"]) == ["dex", "nmn", "nmn_low"]
    comparisons = pd.read_csv(files.comparisons, sep="\t")
    slope = comparisons[(comparisons["figure"] == "slope")]
    own_pairs = slope[slope["signature"] == "own signature"].set_index(["first", "second"])
    low = own_pairs.loc[("nmn", "nmn_low")]
    assert low["p"] < 0.01 and low["ci_high"] < 0  # nmn's slope is more negative
    assert (
        low["sentence"].startswith("nmn restores")
        and "more of the eczema signature" in (low["sentence"])
    )
    trend = slope[(slope["second"] == "trend") & (slope["signature"] == "own signature")]
    assert len(trend) == 1 and trend["p"].iloc[0] < 0.01 and trend["estimate"].iloc[0] < 0
    assert (slope["signature"] == "independent_study").sum() == 4  # 3 pairs and the trend
    sets = pd.read_csv(files.gene_sets, sep="\t")
    assert len(sets) and sets["fdr"].notna().all()
    assert (root / StudyLayout.of("study").forest).stat().st_size > 10_000


def test_pairs_without_control_are_compared_on_the_reference(multi_arm_run):
    root, _ = multi_arm_run
    comparisons = pd.read_csv(root / StudyLayout.of("course").comparisons, sep="\t")
    assert set(comparisons["signature"]) == {"independent_study"}
    late = comparisons[(comparisons["figure"] == "slope") & (comparisons["second"] != "trend")]
    assert list(late["first"]) == ["early"] and late["estimate"].iloc[0] > 0


def test_the_report_shows_the_head_to_head(multi_arm_run):
    root, _ = multi_arm_run
    page = (root / "results" / "report.html").read_text()
    assert "study: the arms head to head" in page and "course: the arms head to head" in page
    assert "forest plot" in page and "restores" in page
