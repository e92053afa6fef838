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
