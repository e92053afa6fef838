"""The embedding scanpy users expect: normalise, log1p, highly variable genes, PCA, neighbours,
UMAP — on a seeded subsample above ``max_cells`` so a million cells stay feasible — or the
user's own ``obsm['X_umap']`` when the file has one."""

from __future__ import annotations

import logging

import anndata as ad

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
    sc.pp.highly_variable_genes(adata, n_top_genes=n_top, flavor="seurat")
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
