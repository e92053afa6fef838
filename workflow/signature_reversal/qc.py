"""Sample-level quality control: library sizes, detected genes, PCA and correlations."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import anndata as ad
import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

log = logging.getLogger(__name__)


@dataclass
class QCResult:
    """Per-sample metrics, PCA scores with explained variance, and sample correlations."""

    metrics: pd.DataFrame
    pca_scores: pd.DataFrame
    explained_variance: np.ndarray
    correlation: pd.DataFrame
    roles: pd.Series  # role of each sample, in sample order
    batch: pd.Series | None  # the sheet's batch column, if any (PCA marker shapes)


def run(adata: ad.AnnData) -> QCResult:
    """Sample metrics (outliers flagged and logged), PCA and the sample correlation matrix."""
    metrics = sample_metrics(adata)
    for _, row in metrics[metrics["outlier"] != ""].iterrows():
        log.warning("possible outlier %s: %s", row["sample"], row["outlier"])
    scores, variance = pca(adata)
    return QCResult(
        metrics=metrics,
        pca_scores=scores,
        explained_variance=variance,
        correlation=correlation(adata),
        roles=pd.Series(adata.obs["role"].astype(str).to_numpy()),
        batch=(
            pd.Series(adata.obs["batch"].astype(str).to_numpy())
            if "batch" in adata.obs.columns
            else None
        ),
    )


def log_cpm(counts: np.ndarray) -> np.ndarray:
    """log2(counts per million + 1), samples in rows: a simple variance-stabilising scale."""
    library = counts.sum(axis=1, keepdims=True)
    return np.log2(counts / library * 1e6 + 1.0)


def log_scale_expression(adata: ad.AnnData) -> np.ndarray:
    """Samples × genes on a log scale: log-CPM of counts, or the normalized values as given."""
    if "counts" in adata.layers:
        return log_cpm(np.asarray(adata.layers["counts"], dtype=float))
    return np.asarray(adata.X, dtype=float)


def sample_metrics(adata: ad.AnnData) -> pd.DataFrame:
    """Per sample: condition, role, library size, detected genes, median correlation to group.

    Library size and detected genes exist only for counts; they are empty for normalized data.
    """
    expr = log_scale_expression(adata)
    has_counts = "counts" in adata.layers
    counts = np.asarray(adata.layers["counts"], dtype=float) if has_counts else None
    corr = np.corrcoef(expr)
    roles = adata.obs["role"].astype(str).to_numpy()
    within = []
    for i in range(adata.n_obs):
        peers = [j for j in range(adata.n_obs) if roles[j] == roles[i] and j != i]
        within.append(float(np.median(corr[i, peers])) if peers else np.nan)
    metrics = pd.DataFrame(
        {
            "sample": adata.obs_names,
            "condition": adata.obs["condition"].astype(str).to_numpy(),
            "role": roles,
            "library_size": counts.sum(axis=1).astype(np.int64) if has_counts else np.nan,
            "detected_genes": (counts > 0).sum(axis=1) if has_counts else np.nan,
            "median_within_group_correlation": within,
        }
    )
    metrics["outlier"] = _flag_outliers(metrics)
    return metrics


def _flag_outliers(metrics: pd.DataFrame) -> pd.Series:
    """Flag samples far below the others in library size or within-group correlation.

    A robust z below −3 (median/MAD) is the usual cut; flags are reported, never acted on.
    """
    flags = pd.Series("", index=metrics.index)
    for column, label in (
        ("library_size", "low library size"),
        ("median_within_group_correlation", "low correlation to its group"),
    ):
        values = np.log10(metrics[column]) if column == "library_size" else metrics[column]
        if values.isna().all():
            continue
        mad = np.median(np.abs(values - np.median(values))) * 1.4826
        if mad > 0:
            low = (values - np.median(values)) / mad < -3
            flags[low] = flags[low].where(flags[low] == "", flags[low] + "; ") + label
    return flags


def pca(
    adata: ad.AnnData, n_top: int = 500, n_components: int = 2
) -> tuple[pd.DataFrame, np.ndarray]:
    """PCA of log-CPM over the ``n_top`` most variable genes (as DESeq2's plotPCA does)."""
    expr = log_scale_expression(adata)
    top = np.argsort(expr.var(axis=0))[::-1][: min(n_top, expr.shape[1])]
    n_components = min(n_components, adata.n_obs - 1)
    model = PCA(n_components=n_components, svd_solver="full")
    scores = model.fit_transform(expr[:, top])
    frame = pd.DataFrame(scores, columns=[f"PC{i + 1}" for i in range(n_components)])
    frame.insert(0, "sample", adata.obs_names)
    frame.insert(1, "condition", adata.obs["condition"].astype(str).to_numpy())
    return frame, model.explained_variance_ratio_


def correlation(adata: ad.AnnData) -> pd.DataFrame:
    """Pearson correlation between samples on log-CPM (or log expression)."""
    expr = log_scale_expression(adata)
    return pd.DataFrame(np.corrcoef(expr), index=adata.obs_names, columns=adata.obs_names)
