"""Cell QC: scanpy's metrics, the planted broken cells removed, and the pseudobulk's chunked
metrics equal to scanpy's (the same cells are summed as are shown)."""

from __future__ import annotations

import numpy as np

from signature_reversal.singlecell import cell_qc


def test_planted_broken_cells_are_removed_and_counted_per_sample(cells_file):
    _, cells = cells_file
    adata = cells.copy()
    cell_qc.qc_metrics(adata, "mouse")
    fails = cell_qc.failing(adata, cell_qc.Thresholds())
    removed = fails.any(axis=1).to_numpy()
    broken = adata.obs["low_quality"].to_numpy(bool)
    assert removed[broken].mean() >= 0.95  # the broken cells go …
    assert removed[~broken].mean() <= 0.03  # … the good ones stay
    table = cell_qc.removal_table(adata, fails, "sample")
    assert table["cells"].sum() == adata.n_obs
    assert (table["cells"] - table["kept"]).sum() == removed.sum()
    assert table["more than 20% mitochondrial"].sum() >= broken.sum() * 0.9


def test_chunked_metrics_equal_scanpys(cells_file):
    _, cells = cells_file
    adata = cells.copy()
    cell_qc.qc_metrics(adata, "mouse")
    chunked = cell_qc.chunked_metrics(adata.X, adata.var_names, "mouse", chunk=333)
    for column in ("n_genes_by_counts", "total_counts", "pct_counts_mito"):
        assert np.allclose(chunked[column], adata.obs[column].to_numpy(float), rtol=1e-5)
