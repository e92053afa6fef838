"""The shipped single-cell config (config/single_cell.yaml) run as a user runs it, with its planted
answers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from helpers import CHROMIUM, CHROMIUM_ARGS, chromium_driver, run_shipped

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    return run_shipped("single_cell.yaml", tmp_path_factory.mktemp("single_cell"))


def summary(path: Path) -> dict:
    return json.loads(path.read_text())


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
    # no claim either way: the few, unequal T-cell pseudobulks once read "aggravates" at a
    # slope of 0.04; the negligible band keeps such a slope from a word
    assert types.loc["T cell", "verdict"] in ("no meaningful reversal", "no evidence")
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


def test_runs_and_gives_its_known_answers(run):
    check_single_cell(run)
