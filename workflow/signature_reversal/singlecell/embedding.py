"""The embedding scanpy users expect: normalise, log1p, highly variable genes, PCA, neighbours,
UMAP — on a seeded subsample above ``max_cells`` so a million cells stay feasible — or the
user's own ``obsm['X_umap']`` when the file has one."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd

log = logging.getLogger("signature_reversal")


def normalise(adata: ad.AnnData, keep_counts: bool = True) -> None:
    """X becomes log1p of counts per 10,000 (scanpy's default normalisation), as scanpy's
    scoring and plotting functions expect; the counts stay in ``layers['counts']`` unless
    ``keep_counts`` is False (they were stashed on disk: one matrix less in memory)."""
    import scanpy as sc

    if keep_counts:
        adata.layers["counts"] = adata.X.copy()
    sc.pp.normalize_total(adata, target_sum=1e4)
    sc.pp.log1p(adata)


def embed(adata: ad.AnnData, seed: int, n_top_genes: int = 2000) -> str:
    """UMAP coordinates in ``obsm['X_umap']`` (computed unless present); returns how."""
    import scanpy as sc

    if "X_umap" in adata.obsm:
        return "the file's own embedding (obsm['X_umap'])"
    n_top = min(n_top_genes, adata.n_vars)
    highly_variable_seurat(adata, n_top)
    n_pcs = int(min(30, adata.n_obs - 1, int(adata.var["highly_variable"].sum()) - 1))
    sc.pp.pca(adata, n_comps=n_pcs, mask_var="highly_variable", random_state=seed)
    # exact neighbours through scikit-learn's transformer: scanpy's default approximate search
    # (pynndescent, used above 4,096 cells) hands back a scipy sparse array that this scanpy
    # version cannot read with scipy ≥ 1.14 (no getnnz); exact search is also deterministic
    from sklearn.neighbors import KNeighborsTransformer

    sc.pp.neighbors(
        adata,
        n_neighbors=15,
        n_pcs=n_pcs,
        random_state=seed,
        transformer=KNeighborsTransformer(n_neighbors=15, mode="distance"),
    )
    sc.tl.umap(adata, random_state=seed)
    return (
        f"scanpy: normalize_total (10,000), log1p, {n_top} highly variable genes (seurat), "
        f"PCA ({n_pcs} components), 15 exact neighbours, UMAP"
    )


def highly_variable_seurat(adata: ad.AnnData, n_top: int, n_bins: int = 20) -> None:
    """scanpy's ``highly_variable_genes(flavor="seurat", n_top_genes=n_top)`` without its two
    copies of X (expm1 of a copy): the genes' mean and variance of expm1(X) are summed over
    the non-zeros in slices, then binned and normalised as scanpy does (20 bins by log mean,
    dispersion z-scored within its bin, a one-gene bin's set to 1, the n_top highest kept).
    ``tests/singlecell/test_embedding.py`` checks the same genes and figures as scanpy's."""
    matrix = adata.X.tocsr() if hasattr(adata.X, "tocsr") else None
    n_cells, n_genes = adata.shape
    sums, squares = np.zeros(n_genes), np.zeros(n_genes)
    if matrix is None:  # dense
        values = np.expm1(np.asarray(adata.X))
        sums, squares = values.sum(axis=0, dtype=np.float64), (values * values).sum(axis=0)
    else:
        step = 10_000_000
        for start in range(0, matrix.nnz, step):
            values = np.expm1(matrix.data[start : start + step])
            columns = matrix.indices[start : start + step]
            sums += np.bincount(columns, weights=values, minlength=n_genes)
            squares += np.bincount(columns, weights=values * values, minlength=n_genes)
    mean = sums / n_cells
    variance = (squares / n_cells - mean**2) * (n_cells / (n_cells - 1))
    mean[mean == 0] = 1e-12
    dispersion = variance / mean
    dispersion[dispersion == 0] = np.nan
    dispersion = np.log(dispersion)
    mean = np.log1p(mean)
    table = pd.DataFrame({"means": mean, "dispersions": dispersion}, index=adata.var_names)
    bins = pd.cut(table["means"], bins=n_bins)
    stats = table.groupby(bins, observed=True)["dispersions"].agg(avg="mean", dev="std")
    single = stats["dev"].isnull()
    stats.loc[single, "dev"] = stats.loc[single, "avg"]
    stats.loc[single, "avg"] = 0
    per_gene = stats.loc[bins].set_index(table.index)
    norm = ((table["dispersions"] - per_gene["avg"]) / per_gene["dev"]).to_numpy()
    finite = np.sort(norm[~np.isnan(norm)])[::-1]
    cutoff = finite[min(n_top, finite.size) - 1]
    table["dispersions_norm"] = norm
    table["highly_variable"] = np.nan_to_num(norm, nan=-np.inf) >= cutoff
    for column in ("highly_variable", "means", "dispersions", "dispersions_norm"):
        adata.var[column] = table[column].to_numpy()
    adata.uns["hvg"] = {"flavor": "seurat"}
