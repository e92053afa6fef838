"""The cell-level view end to end on planted cells: keratinocytes' disease score falls back with
treatment, T cells' does not; the annotated h5ad carries QC, scores and the embedding."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd

from signature_reversal.settings import SingleCellSettings, VerdictRule
from signature_reversal.singlecell import cell_qc, stage

CONDITIONS = {"control": "control", "disease": "eczema", "treatment": "nmn"}


def test_scores_move_where_the_treatment_acts(cells_file, tmp_path):
    path, _ = cells_file
    settings = SingleCellSettings.from_config(
        {"cell_type_column": "cell_type", "by_cell_type": True}
    )
    result = stage.run(
        str(path), settings, "mouse", CONDITIONS, {}, VerdictRule.from_config({}),
        cell_qc.Thresholds(), max_cells=1200, seed=2, counts_stash=tmp_path / "stash.h5",
    )  # fmt: skip
    assert result.cells.n_obs == 1200  # the stated subsample
    means = result.score_means.query("score == 'disease_score'").set_index(
        ["cell_type", "condition"]
    )["mean"]
    keratinocyte = means.loc["keratinocyte"]
    # disease raises the score; treatment brings it most of the way back
    assert keratinocyte["eczema"] - keratinocyte["control"] > 0.5
    restored = (keratinocyte["eczema"] - keratinocyte["nmn"]) / (
        keratinocyte["eczema"] - keratinocyte["control"]
    )
    assert 0.5 < restored < 1.1
    t_cell = means.loc["T cell"]
    assert t_cell["eczema"] - t_cell["control"] > 0.3
    assert abs(t_cell["nmn"] - t_cell["eczema"]) < 0.25 * (t_cell["eczema"] - t_cell["control"])
    stage.write(result, tmp_path)
    cells = ad.read_h5ad(tmp_path / "cells.h5ad")
    for column in ("pct_counts_mito", "n_genes_by_counts", "doublet_score", "disease_score"):
        assert column in cells.obs
    assert cells.obsm["X_umap"].shape == (1200, 2)
    # the counts stashed on disk during the embedding come back as the cells' own counts
    original = ad.read_h5ad(path)[cells.obs_names]
    assert (cells.layers["counts"] != original.X).nnz == 0
    assert not (tmp_path / "stash.h5").exists()
    qc = pd.read_csv(tmp_path / "cell_qc.tsv", sep="\t")
    assert qc["cells"].sum() == 1800 and qc["kept"].sum() < 1800


def test_the_files_own_umap_is_kept_for_the_subsampled_cells(cells_file, tmp_path):
    """A file with obsm['X_umap'] keeps it: each embedded cell carries its own coordinates."""
    _, cells = cells_file
    adata = cells.copy()
    adata.obsm["X_umap"] = np.column_stack([np.arange(adata.n_obs), -np.arange(adata.n_obs)])
    path = tmp_path / "with_umap.h5ad"
    adata.write_h5ad(path)
    settings = SingleCellSettings.from_config({"cell_type_column": "cell_type"})
    result = stage.run(
        str(path), settings, "mouse", CONDITIONS, {}, VerdictRule.from_config({}),
        cell_qc.Thresholds(), max_cells=500, seed=4,
    )  # fmt: skip
    assert result.summary["embedding"].startswith("the file's own embedding")
    rows = adata.obs_names.get_indexer(result.cells.obs_names)
    assert np.array_equal(result.cells.obsm["X_umap"][:, 0], rows)
    assert result.cells.n_obs == 500


def test_a_cell_type_found_in_one_mouse_only_is_not_judged(tmp_path):
    """A rare type (15 cells in one control mouse) cannot be judged: it is named with the
    reason before any analysis is planned, and the other types go on."""
    from singlecell.conftest import planted_genes

    from signature_reversal.inputs.anndata_input import cell_types_without_replicates
    from signature_reversal.settings import SingleCellSettings
    from signature_reversal.validation import single_cell

    adata, _ = single_cell.simulate_cells(
        planted_genes(), n_genes=300, cells_per_sample=250, seed=8
    )
    rare = adata.obs.index[
        (adata.obs["sample"] == "control_1") & (adata.obs["cell_type"] == "fibroblast")
    ][:15]
    adata.obs["cell_type"] = adata.obs["cell_type"].astype(str)
    adata.obs.loc[rare, "cell_type"] = "melanocyte"
    adata.write_h5ad(tmp_path / "cells.h5ad")
    settings = SingleCellSettings.from_config(
        {"cell_type_column": "cell_type", "by_cell_type": True, "min_cells": 10}
    )
    skipped = cell_types_without_replicates(
        tmp_path / "cells.h5ad", settings, ["control", "eczema", "nmn"], 2
    )
    assert set(skipped) == {"melanocyte"}
    assert "control: 1" in skipped["melanocyte"]
