"""A single-cell study end to end through Snakemake: per cell type verdicts from the pseudobulk
(keratinocytes reversed, T cells not), the composition change, the cell-level files and the
report section, on planted simulated cells."""

from __future__ import annotations

import json

import anndata as ad
import pandas as pd
import pytest
from helpers import CHROMIUM, chromium_driver, make_config, run_snakemake

from signature_reversal.layout import SingleCellLayout
from signature_reversal.validation import single_cell

pytestmark = pytest.mark.workflow


def test_cell_types_composition_and_cells(tmp_path):
    from singlecell.conftest import planted_genes

    adata, truth = single_cell.simulate_cells(
        planted_genes(), n_genes=1500, cells_per_sample=250, seed=8
    )
    # a rare cell type found in one mouse only: listed as not judged, the run goes on
    rare = adata.obs.index[
        (adata.obs["sample"] == "control_1") & (adata.obs["cell_type"] == "fibroblast")
    ][:15]
    adata.obs["cell_type"] = adata.obs["cell_type"].astype(str)
    adata.obs.loc[rare, "cell_type"] = "melanocyte"
    single_cell.write(adata, truth, tmp_path)
    config = make_config(
        tmp_path,
        {
            "cells": {
                "path": "cells.h5ad",
                "species": "mouse",
                "single_cell": {
                    "cell_type_column": "cell_type",
                    "by_cell_type": True,
                    "max_embedded_cells": 1500,
                },
            }
        },
    )
    config["gene_sets"]["extra"] = []
    config["reversal"]["calibration_worlds"] = 20
    (tmp_path / "config.yaml").write_text(json.dumps(config))
    result = run_snakemake(tmp_path, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    files = SingleCellLayout(str(tmp_path / SingleCellLayout.of("cells").root))
    types = pd.read_csv(files.cell_types, sep="\t").set_index("cell_type")
    assert types.loc["keratinocyte", "verdict"] == "reverses"
    # T cells keep their programme: no reversal (with ~25 control T cells per mouse their
    # pseudobulk is the noisiest group; a small false aggravation can show, docs/single_cell.md)
    assert types.loc["T cell", "verdict"] not in ("reverses", "partially reverses")
    assert types.loc["T cell", "slope_ci_high"] > -0.1
    assert types.loc["fibroblast", "not_judged"] == "too few genes"
    assert types.loc["melanocyte", "not_judged"] == "too few samples"
    assert "control: 1" in types.loc["melanocyte", "reason"]
    assert not (tmp_path / "results" / "cells.melanocyte").exists()
    composition = pd.read_csv(files.composition, sep="\t").set_index(["comparison", "cell_type"])
    assert composition.loc[("disease vs control", "T cell"), "ratio"] > 1.5
    assert composition.loc[("treatment vs disease", "T cell"), "ratio"] < 0.7
    assert composition.loc[("disease vs control", "T cell"), "fdr"] < 0.05
    cells = ad.read_h5ad(files.cells)
    assert cells.n_obs == 1500 and "X_umap" in cells.obsm and "disease_score" in cells.obs
    # the pseudobulk sums only the cells that passed the same QC
    log = (tmp_path / "logs" / "cells.keratinocyte" / "load_data.log").read_text()
    assert "cells removed before summing" in log
    page = (tmp_path / "results" / "report.html").read_text()
    assert "cells: the cells</h2>" in page and "Composition" in page
    assert page.count("data:image/webp") >= 4
    _single_cell_figures_render(tmp_path / "results" / "report.html")


def _single_cell_figures_render(report):
    """In Chromium, every figure of the single-cell section decodes and has a size."""
    from report.test_html import CHROMIUM_ARGS

    playwright = chromium_driver()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        errors = []
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
