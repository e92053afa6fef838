"""Every shipped config, run as a user runs it: Snakemake on the files it names, every job
reading the files the previous job wrote (h5ad round trips included), and its key answers
checked against what is known about its data.

The only change is a CI override of the Monte Carlo sizes (fewer null draws, GSEA permutations
and calibration worlds): the same code path, less of it. A config added to ``config/`` without
answers here fails ``test_every_shipped_config_is_tested``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, REPO, chromium_driver, run_snakemake
from scipy import stats

pytestmark = pytest.mark.workflow

SHIPPED = sorted(p.name for p in (REPO / "config").glob("*.yaml"))
CI_SIZES = {
    "enrichment": {"permutations": 200},
    "reversal": {"permutations": 200, "calibration_worlds": 10},
}
# the multi-arm study is judged against one reference in CI, MADAD (the one with p = 0 rows and
# no standard errors): the same reference code, run for 4 arms instead of 12 arm-references
CI_REFERENCES = {"multi_arm.yaml": ["human_AD_MADAD"]}


def ci_config(name: str) -> dict:
    """The shipped config as it is, with the CI's smaller Monte Carlo sizes."""
    config = yaml.safe_load((REPO / "config" / name).read_text())
    for section, values in CI_SIZES.items():
        config.setdefault(section, {}).update(values)
    if name in CI_REFERENCES:
        config["reference_signatures"] = {
            r: config["reference_signatures"][r] for r in CI_REFERENCES[name]
        }
    return config


@pytest.fixture(scope="module")
def shipped_runs(tmp_path_factory):
    """Each shipped config run once, on first use: name → its working directory."""
    runs: dict[str, Path] = {}

    def run(name: str) -> Path:
        if name not in runs:
            workdir = tmp_path_factory.mktemp(Path(name).stem)
            # sort_keys=False: the order of pairs and arms is the config's (a trend's direction)
            (workdir / "config.yaml").write_text(yaml.safe_dump(ci_config(name), sort_keys=False))
            result = run_snakemake(workdir, "--cores", "2")
            assert result.returncode == 0, result.stderr[-4000:]
            runs[name] = workdir
        return runs[name]

    return run


def summary(path: Path) -> dict:
    return json.loads(path.read_text())


def test_every_shipped_config_is_tested():
    assert set(SHIPPED) == set(ANSWERS), "add the new config's answers to ANSWERS"


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


def check_gse248978(workdir: Path) -> None:
    """Real counts (GSE248978): each day's DE, read from the files the workflow wrote, against
    the authors' own DESeq2 tables. Each day's contrast is fitted on its own 8 samples
    (de.fit: per_contrast), from the dataset.h5ad the load job wrote with both days."""
    for day, n_authors, at_05 in (("d7", 39, 35), ("d14", 35, 33)):
        analysis = "day7" if day == "d7" else "day14"
        ours = pd.read_csv(
            workdir / "results" / f"gse248978.{analysis}" / "de" / "treatment_vs_disease.tsv",
            sep="\t",
        )
        authors = pd.read_csv(
            REPO / "data" / "gse248978" / f"authors_deseq2_{day}_anakinra_vs_vehicle.csv.gz"
        )
        both = ours.merge(
            authors, left_on="symbol", right_on="gene_name", suffixes=("", "_authors")
        )
        theirs = both[both["padj_authors"] < 0.05]
        assert len(theirs) == n_authors  # the authors' significant genes, all tested here
        # the authors fitted other samples too, so independent filtering differs a little:
        # genes they call at padj 0.046-0.048 can land just above 0.05 here
        assert (theirs["padj"] < 0.1).all() and (theirs["padj"] < 0.05).sum() >= at_05
        assert (theirs["log2FC"] * theirs["log2FoldChange"] > 0).all()
        tested = both.dropna(subset=["pvalue", "pvalue_authors"])
        assert stats.spearmanr(tested["pvalue"], tested["pvalue_authors"]).statistic > 0.98
    sprr1b = (
        pd.read_csv(
            workdir / "results" / "gse248978.day7" / "de" / "treatment_vs_disease.tsv", sep="\t"
        )
        .set_index("symbol")
        .loc["Sprr1b"]
    )
    assert sprr1b["log2FC"] > 1 and sprr1b["padj"] < 0.01  # the authors' top gene
    # day 7's groups vary 2.3x as much as day 14's: flagged, and the advice already taken
    variability = pd.read_csv(
        workdir / "results" / "gse248978.day7" / "de" / "group_variability.tsv", sep="\t"
    ).set_index("condition")
    assert variability.loc["vehicle_d7", "flagged"]
    page = (workdir / "results" / "report.html").read_text()
    # de.fit: per_contrast is set: the report says so instead of advising it
    assert "compare with separate fits per contrast" not in page
    assert "Each contrast was therefore fitted on its own two groups" in page
    assert "differential expression is fitted on its own groups (de.fit: per_contrast)" in page
    study = workdir / "results" / "gse248978" / "head_to_head"
    ranking = pd.read_csv(study / "ranking.tsv", sep="\t")
    assert set(ranking["arm"]) == {"day7", "day14"}
    # pairs without a control: compared on the references only, each pair and the day trend
    comparisons = pd.read_csv(study / "comparisons.tsv", sep="\t")
    config = yaml.safe_load((REPO / "config" / "gse248978.yaml").read_text())
    assert set(comparisons["signature"]) == set(config["reference_signatures"])


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


def check_single_cell(workdir: Path) -> None:
    """The simulated single-cell study (data/example_single_cell): NMN reverses the
    keratinocytes' disease genes and leaves the T cells' programme alone; T cells expand with
    eczema and contract with NMN; fibroblasts have too few disease genes to judge."""
    import anndata as ad

    folder = workdir / "results" / "example_single_cell" / "single_cell"
    types = pd.read_csv(folder / "cell_types.tsv", sep="\t").set_index("cell_type")
    assert types.loc["keratinocyte", "verdict"] == "reverses"
    assert types.loc["keratinocyte", "slope_ci_high"] < -0.5  # planted −0.8
    # T cells keep their programme (their pseudobulk is the noisiest: docs/single_cell.md)
    assert types.loc["T cell", "verdict"] not in ("reverses", "partially reverses")
    assert types.loc["T cell", "slope_ci_high"] > -0.1
    assert types.loc["fibroblast", "not_judged"] == "too few genes"
    composition = pd.read_csv(folder / "composition.tsv", sep="\t").set_index(
        ["comparison", "cell_type"]
    )
    assert composition.loc[("disease vs control", "T cell"), "ratio"] > 1.5
    assert composition.loc[("disease vs control", "T cell"), "fdr"] < 0.05
    assert composition.loc[("treatment vs disease", "T cell"), "ratio"] < 0.7
    cells = ad.read_h5ad(folder / "cells.h5ad", backed="r")
    assert cells.n_obs > 2000 and "X_umap" in cells.obsm and "disease_score" in cells.obs
    # the pseudobulk sums only the cells that passed the same cell QC
    logs = workdir / "logs"
    assert any(
        "cells removed before summing" in log.read_text()
        for log in logs.glob("example_single_cell.*/load_data.log")
    )
    page = (workdir / "results" / "report.html").read_text()
    assert "example_single_cell: the cells</h2>" in page and "Composition" in page
    assert page.count("data:image/webp") >= 4
    _single_cell_figures_render(workdir / "results" / "report.html")


def _single_cell_figures_render(report: Path) -> None:
    """In Chromium, every figure of the single-cell section decodes and has a size."""
    playwright = chromium_driver()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.as_uri())
        sizes = page.evaluate(
            """() => [...document.querySelectorAll("h2[id$='-single-cell'] ~ img")]
                .map((i) => [i.alt, i.complete, i.naturalWidth])"""
        )
        browser.close()
    assert not errors, errors
    alts = [alt for alt, _, _ in sizes]
    for wanted in ("UMAP", "score distributions", "proportions", "forest"):
        assert any(wanted in alt for alt in alts), (wanted, alts)
    assert all(done and width > 100 for _, done, width in sizes), sizes


ANSWERS = {
    "config.yaml": check_example,
    "gse248978.yaml": check_gse248978,
    "multi_arm.yaml": check_multi_arm,
    "single_cell.yaml": check_single_cell,
}


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_config_runs_and_gives_its_known_answers(name, shipped_runs):
    workdir = shipped_runs(name)
    assert (workdir / "results" / "report.html").stat().st_size > 0
    ANSWERS[name](workdir)


def test_multi_arm_report_answers_on_the_first_screen(shipped_runs):
    """Does each arm reverse, and is one better? At 1400×1000, the arms' verdicts and %
    improvement and the head-to-head sentences with their p-values are all on the first screen,
    with the units stated; the ranking (an order, not a test) comes after them."""
    workdir = shipped_runs("multi_arm.yaml")
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
