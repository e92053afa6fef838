"""Cell QC with scanpy: per-cell metrics, thresholds, what was removed and why, doublet scores.

``sc.pp.calculate_qc_metrics`` gives genes and counts per cell and the share of mitochondrial
and ribosomal reads (genes ``mt-``/``MT-`` and ``Rps``/``Rpl``/``RPS``/``RPL``, by species).
Cells below ``min_genes`` or ``min_counts`` or above ``max_pct_mito`` are removed and counted
per sample and reason (a cell failing two rules is counted under each). Doublet scores come
from scanpy's Scrublet (``sc.pp.scrublet``; Wolock et al., Cell Syst 2019) and are reported,
never used to remove cells: their threshold is data-dependent and a user decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

log = logging.getLogger("signature_reversal")

PREFIXES = {"mouse": ("mt-", ("Rps", "Rpl")), "human": ("MT-", ("RPS", "RPL"))}


@dataclass(frozen=True)
class Thresholds:
    """Cell QC thresholds (config ``single_cell.qc``); defaults as scanpy's tutorials use."""

    min_genes: int = 200
    min_counts: int = 500
    max_pct_mito: float = 20.0
    doublet_threshold: float = 0.25  # a score above this is reported as a likely doublet

    @classmethod
    def from_config(cls, section: dict | None) -> Thresholds:
        return cls(**(section or {}))


def qc_metrics(adata: ad.AnnData, species: str) -> None:
    """Add scanpy's QC metrics to ``adata.obs`` (raw counts in X)."""
    import scanpy as sc

    mito, ribo = PREFIXES.get(species, PREFIXES["human"])
    names = adata.var_names.astype(str)
    adata.var["mito"] = names.str.startswith(mito)
    adata.var["ribo"] = names.str.startswith(ribo)
    sc.pp.calculate_qc_metrics(
        adata, qc_vars=["mito", "ribo"], percent_top=None, log1p=False, inplace=True
    )
    if not adata.var["mito"].any():
        log.warning("no mitochondrial genes (names starting %r): pct_counts_mito is 0", mito)


def metrics_and_sums(
    matrix,
    var_names,
    species: str,
    thresholds: Thresholds | None = None,
    group_codes: np.ndarray | None = None,
    n_groups: int = 0,
    chunk: int = 20_000,
    collect: Callable[[int, sp.csr_matrix, np.ndarray], None] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """QC metrics of every cell and, in the same single pass over the file, the counts of the
    cells that pass ``thresholds`` summed per group (``group_codes``: a group number per cell,
    −1 = not summed): groups × genes. A backed file of a million cells is read once, in row
    chunks, for both the cell QC and the pseudobulk; ``collect(start, block, passed)`` sees
    every chunk too (the embedding's subsample is gathered from it)."""
    mito_prefix, _ = PREFIXES.get(species, PREFIXES["human"])
    mito = np.asarray(pd.Index(var_names).astype(str).str.startswith(mito_prefix))
    n_cells, n_genes = matrix.shape
    summed = np.zeros((n_groups, n_genes))
    genes, totals, mito_totals = [], [], []
    for start in range(0, n_cells, chunk):
        stop = min(start + chunk, n_cells)
        block = matrix[start:stop]
        block = sp.csr_matrix(block if sp.issparse(block) else np.asarray(block))
        genes.append(np.asarray((block > 0).sum(axis=1)).ravel())
        totals.append(np.asarray(block.sum(axis=1)).ravel())
        mito_totals.append(np.asarray(block[:, mito].sum(axis=1)).ravel())
        passed = np.ones(stop - start, dtype=bool)
        if thresholds is not None:
            part = _metrics_table(genes[-1], totals[-1], mito_totals[-1])
            passed = ~failing(part, thresholds).any(axis=1).to_numpy()
        if collect is not None:
            collect(start, block, passed)
        if group_codes is not None and n_groups:
            keep = (group_codes[start:stop] >= 0) & passed
            if keep.any():
                codes = group_codes[start:stop]
                indicator = sp.csr_matrix(
                    (np.ones(keep.sum()), (codes[keep], np.flatnonzero(keep))),
                    shape=(n_groups, stop - start),
                )
                summed += (indicator @ block).toarray()
        log.info("cell QC and pseudobulk: cells %d–%d of %d read", start + 1, stop, n_cells)
    if not genes:
        return _metrics_table(np.zeros(0), np.zeros(0), np.zeros(0)), summed
    return (
        _metrics_table(np.concatenate(genes), np.concatenate(totals), np.concatenate(mito_totals)),
        summed,
    )


def _metrics_table(genes: np.ndarray, totals: np.ndarray, mito_totals: np.ndarray):
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(totals > 0, 100 * mito_totals / np.where(totals > 0, totals, 1), 0.0)
    return pd.DataFrame(
        {"n_genes_by_counts": genes, "total_counts": totals, "pct_counts_mito": pct}
    )


def failing(adata: ad.AnnData | pd.DataFrame, thresholds: Thresholds) -> pd.DataFrame:
    """Per cell, which rule it fails (True = fails); ``adata``: cells with scanpy's QC metrics
    in obs, or a table of them (``metrics_and_sums``)."""
    obs = adata if isinstance(adata, pd.DataFrame) else adata.obs
    return pd.DataFrame(
        {
            f"fewer than {thresholds.min_genes} genes": obs["n_genes_by_counts"]
            < thresholds.min_genes,
            f"fewer than {thresholds.min_counts} counts": obs["total_counts"]
            < thresholds.min_counts,
            f"more than {thresholds.max_pct_mito:g}% mitochondrial": obs["pct_counts_mito"]
            > thresholds.max_pct_mito,
        },
        index=obs.index,
    )


def removal_table(
    cells: ad.AnnData | pd.DataFrame, fails: pd.DataFrame, sample_column: str
) -> pd.DataFrame:
    """Per sample: cells before and after QC, and cells failing each rule (``cells``: the
    AnnData or its obs)."""
    obs = cells if isinstance(cells, pd.DataFrame) else cells.obs
    samples = obs[sample_column].astype(str)
    table = pd.DataFrame({"cells": samples.value_counts()})
    table["kept"] = samples[~fails.any(axis=1)].value_counts()
    for reason in fails.columns:
        table[reason] = samples[fails[reason]].value_counts()
    table = table.fillna(0).astype(int)
    table.index.name = "sample"
    return table.sort_index().reset_index()


def doublet_scores(adata: ad.AnnData, sample_column: str, threshold: float, seed: int) -> None:
    """Scrublet's doublet score per cell (per sample, as it expects one library at a time) and
    whether it passes ``threshold``; a sample Scrublet cannot score gets NaN (logged).

    Each sample is handed to ``sc.pp.scrublet`` on its own: with ``batch_key`` scanpy first
    copies the whole matrix (a GB at 50,000 cells) and then each batch; per sample it is the
    same computation on one sample's copy."""
    import scanpy as sc

    scores = pd.Series(np.nan, index=adata.obs_names)
    called = pd.Series(False, index=adata.obs_names)
    samples = adata.obs[sample_column].astype(str)
    for sample in sorted(samples.unique()):
        one = adata[(samples == sample).to_numpy()].copy()
        try:
            sc.pp.scrublet(
                one,
                threshold=threshold,
                random_state=seed,
                verbose=False,
                # exact neighbours (scikit-learn): the approximate search scanpy picks above
                # 4,096 cells returns a sparse array this scanpy cannot read with scipy >= 1.14
                use_approx_neighbors=False,
                # Scrublet's sparse path (TruncatedSVD, no centring): mean-centring densifies
                # each sample (89 s of a 200,000-cell view) and separated planted doublets no
                # better (AUC 0.9921 centred, 0.9926 sparse, 3 × 4,300 cells)
                mean_center=False,
            )
        except Exception as err:  # too few cells in a sample, a degenerate matrix …
            log.warning("doublet scores of sample %s not computed (%s)", sample, err)
            continue
        scores[one.obs_names] = one.obs["doublet_score"].to_numpy()
        called[one.obs_names] = one.obs["predicted_doublet"].to_numpy(bool)
    adata.obs["doublet_score"] = scores.to_numpy()
    adata.obs["predicted_doublet"] = called.to_numpy()
    log.info(
        "doublets: %d of %d cells score above %.2f (reported, not removed)",
        int(called.sum()),
        adata.n_obs,
        threshold,
    )
