"""The embedding's highly variable genes are scanpy's (flavor seurat), computed without copying
the matrix."""

from __future__ import annotations

import numpy as np
import pytest
import scanpy as sc

from signature_reversal.singlecell import embedding


@pytest.mark.parametrize("n_top", [50, 400])
def test_highly_variable_genes_equal_scanpys(cells_file, n_top):
    _, cells = cells_file
    adata = cells[~cells.obs["low_quality"].to_numpy(bool)].copy()
    embedding.normalise(adata, keep_counts=False)
    theirs = adata.copy()
    sc.pp.highly_variable_genes(theirs, n_top_genes=n_top, flavor="seurat")
    embedding.highly_variable_seurat(adata, n_top)
    assert adata.var["highly_variable"].sum() == theirs.var["highly_variable"].sum() >= n_top
    assert (adata.var["highly_variable"] == theirs.var["highly_variable"]).all()
    for column in ("means", "dispersions", "dispersions_norm"):
        ours, scanpys = adata.var[column].to_numpy(), theirs.var[column].to_numpy()
        assert np.allclose(ours, scanpys, rtol=1e-6, atol=1e-9, equal_nan=True), column


def test_dense_matrix_gives_the_same_genes(cells_file):
    _, cells = cells_file
    adata = cells[:600].copy()
    embedding.normalise(adata, keep_counts=False)
    dense = adata.copy()
    dense.X = dense.X.toarray()
    embedding.highly_variable_seurat(adata, 100)
    embedding.highly_variable_seurat(dense, 100)
    assert (adata.var["highly_variable"] == dense.var["highly_variable"]).all()
