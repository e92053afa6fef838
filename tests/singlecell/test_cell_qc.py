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
    chunked, _ = cell_qc.metrics_and_sums(adata.X, adata.var_names, "mouse", chunk=333)
    for column in ("n_genes_by_counts", "total_counts", "pct_counts_mito"):
        assert np.allclose(chunked[column], adata.obs[column].to_numpy(float), rtol=1e-5)


def test_doublet_scores_find_planted_doublets_in_samples_above_4096_cells():
    """Scrublet per sample of about 4,300 good cells (above scanpy's switch to approximate
    neighbours) with 150 planted doublets (two cells of different types summed): every cell is
    scored and the planted doublets score higher than the singlets (AUC)."""
    import scipy.sparse as sp
    from scipy.stats import mannwhitneyu

    from signature_reversal.validation.single_cell import simulate_cells

    cells, _ = simulate_cells({"up": [], "down": []}, n_genes=600, cells_per_sample=4500,
                              n_per_group=1, seed=11)  # fmt: skip
    cells = cells[~cells.obs["low_quality"].to_numpy(bool)].copy()
    rng = np.random.default_rng(0)
    matrix = sp.csr_matrix(cells.X).tolil()
    planted = np.zeros(cells.n_obs, bool)
    for sample in cells.obs["sample"].unique():
        rows = np.flatnonzero(cells.obs["sample"].to_numpy() == sample)
        kinds = cells.obs["cell_type"].to_numpy()[rows]
        keratinocytes = rng.choice(rows[kinds == "keratinocyte"], 150, replace=False)
        partners = rng.choice(rows[kinds != "keratinocyte"], 150, replace=False)
        for a, b in zip(keratinocytes, partners, strict=True):
            matrix[a] = matrix[a] + matrix[b]
        planted[keratinocytes] = True
    cells.X = matrix.tocsr()
    assert cells.obs["sample"].value_counts().min() > 4096
    cell_qc.doublet_scores(cells, "sample", 0.25, seed=0)
    scores = cells.obs["doublet_score"].to_numpy(float)
    assert np.isfinite(scores).all()
    auc = mannwhitneyu(scores[planted], scores[~planted]).statistic / (
        planted.sum() * (~planted).sum()
    )
    assert auc > 0.8, auc  # 0.86 with exact neighbours


def test_doublet_scores_per_sample_equal_scanpys_batched_run(cells_file):
    """One sample at a time (no copy of the whole matrix) gives what sc.pp.scrublet with
    batch_key gives."""
    import scanpy as sc

    _, cells = cells_file
    ours = cells.copy()
    cell_qc.doublet_scores(ours, "sample", 0.25, seed=3)
    theirs = cells.copy()
    sc.pp.scrublet(theirs, batch_key="sample", threshold=0.25, random_state=3, verbose=False,
                   use_approx_neighbors=False, mean_center=False)  # fmt: skip
    assert np.allclose(ours.obs["doublet_score"], theirs.obs["doublet_score"], rtol=1e-12)
    assert (ours.obs["predicted_doublet"] == theirs.obs["predicted_doublet"]).all()
