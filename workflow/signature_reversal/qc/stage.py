"""Sample-level quality control: library sizes, detected genes, PCA and correlations."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import anndata as ad
import numpy as np
import pandas as pd

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
    peers = (roles[:, None] == roles[None, :]) & ~np.eye(len(roles), dtype=bool)
    within = np.array(
        [float(np.median(corr[i, row])) if row.any() else np.nan for i, row in enumerate(peers)]
    )
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


# a library is worth a reader's attention when it is less than this fraction of the median:
# DESeq2's size factors absorb smaller differences, while a library at a fraction of the others
# loses power and often signals a failed preparation
LOW_LIBRARY_FRACTION = 0.5
# a sample's distance to its group (1 − median r) must be this many times the typical one
HIGH_DISTANCE_FOLD = 2.0


def _flag_outliers(metrics: pd.DataFrame) -> pd.Series:
    """Flag what a reader should act on, saying why: a library below half the median, or a
    sample much further from its group than the others are (robust z below −3 *and* twice the
    median distance; with uniform, tight groups a z-score alone flags trivial differences).
    Flags are reported, never acted on."""
    flags = [[] for _ in range(len(metrics))]
    library = metrics["library_size"].astype(float)
    if library.notna().any() and np.nanmedian(library) > 0:
        fraction = library / np.nanmedian(library)
        for i in np.flatnonzero(fraction.to_numpy() < LOW_LIBRARY_FRACTION):
            flags[i].append(
                f"low library size ({fraction.iloc[i]:.2f}× the median; flagged below "
                f"{LOW_LIBRARY_FRACTION}×)"
            )
    distance = 1 - metrics["median_within_group_correlation"].astype(float)
    if distance.notna().any():
        typical = float(np.nanmedian(distance))
        mad = float(np.nanmedian(np.abs(distance - typical))) * 1.4826
        if mad > 0 and typical > 0:
            z = (distance - typical) / mad
            far = (z > 3) & (distance > HIGH_DISTANCE_FOLD * typical)
            for i in np.flatnonzero(far.to_numpy()):
                flags[i].append(
                    f"low correlation to its group (1 − r = {distance.iloc[i]:.3g}, "
                    f"{distance.iloc[i] / typical:.1f}× the median; robust z {z.iloc[i]:.1f})"
                )
    return pd.Series(["; ".join(f) for f in flags], index=metrics.index)


def pca(
    adata: ad.AnnData, n_top: int = 500, n_components: int = 2
) -> tuple[pd.DataFrame, np.ndarray]:
    """PCA of log-CPM over the ``n_top`` most variable genes (as DESeq2's plotPCA does)."""
    expr = log_scale_expression(adata)
    top = np.argsort(expr.var(axis=0))[::-1][: min(n_top, expr.shape[1])]
    n_components = min(n_components, adata.n_obs - 1)
    scores, explained = principal_components(expr[:, top], n_components)
    frame = pd.DataFrame(scores, columns=[f"PC{i + 1}" for i in range(n_components)])
    frame.insert(0, "sample", adata.obs_names)
    frame.insert(1, "condition", adata.obs["condition"].astype(str).to_numpy())
    return frame, explained


def principal_components(values: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores and explained-variance ratios of the first components of samples × features.

    The SVD of the centred matrix, with scikit-learn's sign convention (each component's
    largest-magnitude loading positive, ``svd_flip``), so plots look the same as before; done
    here because importing scikit-learn cost the QC job two seconds for one SVD.
    """
    centred = values - values.mean(axis=0)
    u, singular, vt = np.linalg.svd(centred, full_matrices=False)
    signs = np.sign(vt[np.arange(len(vt)), np.argmax(np.abs(vt), axis=1)])
    signs[signs == 0] = 1.0
    u, vt = u * signs, vt * signs[:, None]
    variance = singular**2
    explained = variance / variance.sum() if variance.sum() > 0 else np.zeros_like(variance)
    return (u * singular)[:, :n_components], explained[:n_components]


def correlation(adata: ad.AnnData) -> pd.DataFrame:
    """Pearson correlation between samples on log-CPM (or log expression)."""
    expr = log_scale_expression(adata)
    return pd.DataFrame(np.corrcoef(expr), index=adata.obs_names, columns=adata.obs_names)
