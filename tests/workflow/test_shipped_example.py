"""The shipped example config (config/config.yaml) run as a user runs it, with its known answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_shipped

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    return run_shipped("config.yaml", tmp_path_factory.mktemp("example"))


def summary(path: Path) -> dict:
    return json.loads(path.read_text())


def check_example(workdir: Path) -> None:
    """The simulated example (data/example/README.md): NMN undoes about 70% of the planted
    disease effects, JAK-STAT, oxidative stress and barrier sets included."""
    results = workdir / "results" / "example"
    own = summary(results / "reversal" / "reversal_summary.json")
    assert own["signature"]["verdict"] == "reverses"
    assert -0.85 < own["signature"]["slope"]["estimate"] < -0.55
    sets = own["gene_sets"]
    for name in ("SKIN_JAK_STAT_AD_SIGNALING", "SKIN_ROS_OXIDATIVE_STRESS"):
        assert sets[name] in ("reverses", "partially reverses"), (name, sets[name])
    page = (workdir / "results" / "report.html").read_text()
    assert "By question" in page and "JAK-STAT signalling" in page  # the AD questions
    assert "config.yaml" in page and "SHA-256" in page  # which inputs it describes


def test_runs_and_gives_its_known_answers(run):
    check_example(run)


def test_known_drugs_are_answered_from_the_files_the_job_wrote(run):
    """The CMap build 02 queries: every compound scored in both queries, the treatment placed
    among them, and the report's section stating the answers with numbers and FDR."""
    import pandas as pd

    folder = run / "results" / "example" / "drugs" / "cmap02"
    drugs = summary(folder / "summary.json")
    assert set(drugs["queries"]) == {"disease", "treatment"}
    compounds = pd.read_csv(folder / "compounds.tsv", sep="\t")
    assert len(compounds) == 1309 and compounds["compound"].is_unique
    for query in ("disease", "treatment"):
        assert compounds[f"{query}_fdr"].between(0, 1).all()
        assert drugs["queries"][query]["compounds_tested"] == 1309
    signatures = pd.read_csv(folder / "signatures.tsv", sep="\t")
    assert len(signatures) == 6100 and {"disease_ks_connectivity", "disease_ncs"} <= set(signatures)
    # NMN reverses about 70% of its own disease signature: its own signature, decorrelated
    # from the shared disease samples, stands among the strongest reversers
    placement = drugs["placement"]
    assert placement["ncs"] < 0 and placement["compound_rank"] <= 20, placement
    page = (run / "results" / "report.html").read_text()
    assert "Known drugs: cmap02" in page and "Where nmn stands" in page
    assert "these drug answers carry no biology" in page  # the example is simulated
    assert f"would rank {placement['compound_rank']} of 1309 compounds" in page


def test_each_reference_is_queried_against_the_drug_library_once(run):
    """A published signature's disease query does not depend on the analysis: one job per
    reference and library, its answer shown in the reference's section."""
    import pandas as pd

    folder = run / "results" / "reference_drugs" / "human_AD_MADAD" / "cmap02"
    drugs = summary(folder / "summary.json")
    compounds = pd.read_csv(folder / "compounds.tsv", sep="\t")
    assert len(compounds) == 1309 and drugs["queries"]["disease"]["compounds_tested"] == 1309
    assert "of the library's" in drugs["coverage"]
    page = (run / "results" / "report.html").read_text()
    assert "whose signatures reverse the human_AD_MADAD signature" in page
