"""The shipped multi-arm config (config/multi_arm.yaml) run as a user runs it: the planted order
and differences, and the answer on the first screen of the report."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, chromium_driver, run_shipped

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    return run_shipped("multi_arm.yaml", tmp_path_factory.mktemp("multi_arm"))


def summary(path: Path) -> dict:
    return json.loads(path.read_text())


def check_multi_arm(workdir: Path) -> None:
    """The simulated multi-arm study (data/example_multi/README.md): dex 1.3x, nmn_high 1.15x,
    nmn 1x, nmn_low 0.4x of one treatment effect; the ranking must put nmn_low last and the
    dose trend must be found."""
    results = workdir / "results"
    for arm in ("nmn_low", "nmn", "nmn_high", "dex"):  # each arm a model of all 18 samples
        size_factors = pd.read_csv(
            results / f"example_multi.{arm}" / "de" / "size_factors.tsv", sep="\t"
        )
        assert len(size_factors) == 18
        arm_summary = summary(
            results / f"example_multi.{arm}" / "reversal" / "reversal_summary.json"
        )
        assert arm_summary["conditions"]["treatment"] == arm
    study = results / "example_multi" / "head_to_head"
    ranking = pd.read_csv(study / "ranking.tsv", sep="\t")
    own = ranking[ranking["signature"] == "eczema signature"].sort_values("rank")
    assert list(own["arm"]) == ["dex", "nmn_high", "nmn", "nmn_low"]  # the planted order
    assert dict(zip(own["arm"], own["verdict"], strict=True)) == {
        "dex": "reverses", "nmn_high": "reverses", "nmn": "reverses",
        "nmn_low": "partially reverses",
    }  # fmt: skip
    comparisons = pd.read_csv(study / "comparisons.tsv", sep="\t")
    slope = comparisons[comparisons["figure"] == "slope"]
    own_pairs = slope[slope["signature"] == "own signature"].set_index(["first", "second"])
    low = own_pairs.loc[("nmn_low", "nmn")]  # planted 0.4x against 1x
    assert low["p"] < 0.01 and low["ci_low"] > 0  # nmn_low's slope is less negative
    assert low["sentence"].startswith("nmn_low restores")
    assert "less of the eczema signature" in low["sentence"]
    trend = slope[(slope["signature"] == "own signature") & (slope["second"] == "trend")]
    assert len(trend) == 1 and trend["estimate"].iloc[0] < 0 and trend["p"].iloc[0] < 0.05
    assert (slope["signature"] == "human_AD_MADAD").sum() == 7  # 6 pairs and the trend
    sets = pd.read_csv(study / "gene_set_differences.tsv", sep="\t")
    assert len(sets) and sets["fdr"].notna().all()
    assert (study / "forest.png").stat().st_size > 10_000
    page = (results / "report.html").read_text()
    assert "example_multi: does each arm reverse, and is one better?" in page


def test_runs_and_gives_its_known_answers(run):
    check_multi_arm(run)


def test_multi_arm_report_answers_on_the_first_screen(run):
    """Does each arm reverse, and is one better? At 1400×1000, the arms' verdicts and %
    improvement and the head-to-head sentences with their p-values are all on the first screen,
    with the units stated; the ranking (an order, not a test) comes after them."""
    workdir = run
    playwright = chromium_driver()
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((workdir / "results" / "report.html").as_uri())
        page.screenshot(path=str(ARTIFACTS / "multi_arm_first_screen.png"))
        section = page.locator("h2[id$='-head-to-head']").first
        table = section.locator("xpath=following::table[1]")
        sentences = section.locator("xpath=following::ul[1]")
        boxes = {
            "verdicts": table.bounding_box(),
            "sentences": sentences.bounding_box(),
        }
        text = sentences.inner_text()
        units = section.locator("xpath=following::p[contains(., 'Units:')][1]").bounding_box()
        table_text = table.inner_text()
        browser.close()
    assert errors == []
    for name, box in boxes.items():
        assert box["y"] + box["height"] <= 1000, f"{name} below the first screen: {box}"
    assert units["y"] < 1000
    assert "% improvement" in table_text and "reverses" in table_text
    assert "rank" not in table_text.split("\n")[0]  # the first screen ranks nothing
    assert "p = " in text and "points" in text
