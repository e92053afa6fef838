"""AnnData (.h5ad) input: bulk samples × genes, or single cells summed to pseudobulk per sample.

Pseudobulk (sum of raw counts over a sample's cells, optionally within one cell type) turns
single-cell data into replicate-level counts that DESeq2 can model; testing cells as replicates
inflates significance (Squair et al., Nat Commun 2021). The matrix is read in row chunks from a
backed file so a large sparse dataset is never densified in memory.
"""

from __future__ import annotations

import logging
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import InputError
from ..settings import SingleCellSettings
from .geneids import strip_versions

log = logging.getLogger(__name__)
CHUNK_ROWS = 20_000


def read_obs(path: str | Path) -> pd.DataFrame:
    """Only the cell/sample annotations, without touching the matrix."""
    adata = ad.read_h5ad(path, backed="r")
    try:
        return adata.obs.copy()
    finally:
        adata.file.close()


def cell_types_in(path: str | Path, column: str) -> list[str]:
    """The distinct values of obs column ``column`` (cell types), sorted."""
    obs = read_obs(path)
    if column not in obs.columns:
        raise InputError(
            f"obs has no column {column!r} (columns: {', '.join(obs.columns)})",
            source=str(path),
            fix="set single_cell.cell_type_column to the obs column holding cell types",
        )
    return sorted(obs[column].astype(str).unique())


def cell_types_without_replicates(
    path: str | Path, settings: SingleCellSettings, labels: list[str], min_replicates: int
) -> dict[str, str]:
    """Cell types that cannot be judged: some condition has fewer than ``min_replicates``
    samples with at least ``min_cells`` cells of that type (counted before cell QC). Cell type
    → the reason, for the cell-level view's table; the others are analysed."""
    obs = read_obs(path)
    for column in (settings.sample_column, settings.condition_column, settings.cell_type_column):
        if column not in obs.columns:
            raise InputError(
                f"obs has no column {column!r} (columns: {', '.join(obs.columns)})",
                source=str(path),
                fix="name the obs columns of samples, conditions and cell types in the config",
            )
    cells = obs.groupby(
        [settings.cell_type_column, settings.condition_column, settings.sample_column],
        observed=True,
    ).size()
    skipped = {}
    for cell_type in sorted(obs[settings.cell_type_column].astype(str).unique()):
        enough = cells.loc[cell_type] if cell_type in cells.index.get_level_values(0) else None
        short = []
        for label in labels:
            n = 0
            if enough is not None and label in enough.index.get_level_values(0):
                n = int((enough.loc[label] >= settings.min_cells).sum())
            if n < min_replicates:
                short.append(f"{label}: {n}")
        if short:
            skipped[cell_type] = (
                f"too few samples with at least {settings.min_cells} cells ({', '.join(short)}; "
                f"{min_replicates} needed per group)"
            )
    return skipped


def _matrix_source(adata: ad.AnnData, layer: str | None, path: str) -> tuple[object, pd.Index]:
    """Pick the raw-count matrix: a named layer, else 'counts', else .raw, else X if integer."""
    if layer:
        if layer not in adata.layers:
            raise InputError(
                f"layer {layer!r} not found (layers: {', '.join(adata.layers) or 'none'})",
                source=path,
                fix="set counts_layer to an existing layer or remove it",
            )
        return adata.layers[layer], adata.var_names
    if "counts" in adata.layers:
        log.info("using raw counts from layer 'counts'")
        return adata.layers["counts"], adata.var_names
    if adata.raw is not None and _looks_integer(adata.raw.X):
        log.info("using raw counts from .raw")
        return adata.raw.X, adata.raw.var_names
    if _looks_integer(adata.X):
        return adata.X, adata.var_names
    raise InputError(
        "no raw counts found: X holds non-integer values (normalized or log data?), there is no "
        "'counts' layer and .raw is absent or not integer",
        source=path,
        fix="store raw counts in adata.layers['counts'] (or .raw), name the layer with "
        "counts_layer, or analyse normalized data with kind: normalized",
    )


def _first_rows(matrix, n: int = 2000):
    block = matrix[: min(n, matrix.shape[0])]
    return block.toarray() if sp.issparse(block) else np.asarray(block)


def _looks_integer(matrix) -> bool:
    sample = _first_rows(matrix)
    return bool(np.all(sample >= 0) and np.all(np.mod(sample, 1) == 0))


def _passing_qc(metrics: pd.DataFrame, thresholds, selected: np.ndarray) -> np.ndarray:
    """Cells that pass the dataset's cell QC (``single_cell.qc``), the removed ones logged."""
    from ..singlecell import cell_qc

    fails = cell_qc.failing(metrics, thresholds)
    for reason in fails.columns:
        log.info("cell QC: %d cells %s", int((fails[reason].to_numpy() & selected).sum()), reason)
    failed = fails.any(axis=1).to_numpy()
    log.info(
        "cell QC: %d of %d cells removed before summing (single_cell.qc)",
        int((failed & selected).sum()),
        int(selected.sum()),
    )
    return ~failed


def pseudobulk(
    path: str | Path,
    settings: SingleCellSettings,
    cell_type: str | None = None,
    species: str = "mouse",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sum raw counts per sample (within ``cell_type`` if given).

    Returns counts (genes × samples) and per-sample obs (condition, every column constant within
    a sample, and ``n_cells``) for every sample seen. Samples with fewer than ``min_cells`` cells
    get no counts column (logged); the loader removes them from the sheet.
    """
    from ..singlecell import cell_qc

    path = str(path)
    adata = ad.read_h5ad(path, backed="r")
    try:
        obs = adata.obs
        for column in (settings.sample_column, settings.cell_type_column):
            if column and column not in obs.columns:
                raise InputError(
                    f"obs has no column {column!r} (columns: {', '.join(obs.columns)})",
                    source=path,
                    fix="name the obs column holding sample IDs (sample_column) / cell types "
                    "(cell_type_column) in the dataset's config",
                )
        selected = np.ones(adata.n_obs, dtype=bool)
        if cell_type is not None:
            selected = (obs[settings.cell_type_column].astype(str) == cell_type).to_numpy()
        matrix, genes = _matrix_source(adata, settings.counts_layer, path)
        # the cell QC of the cell-level view (the same cells are summed and shown), applied in
        # the one pass over the file that also sums the cells per sample
        sample_ids = obs[settings.sample_column].astype(str)
        seen = sorted(sample_ids[selected].unique())
        code_of = {s: i for i, s in enumerate(seen)}
        codes = np.array([code_of.get(s, -1) for s in sample_ids])
        codes[~selected] = -1
        thresholds = cell_qc.Thresholds.from_config(settings.qc)
        metrics, sums = cell_qc.metrics_and_sums(
            matrix, genes, species, thresholds, codes, len(seen), chunk=CHUNK_ROWS
        )
        selected &= _passing_qc(metrics, thresholds, selected)
        cells = sample_ids[selected].value_counts()
        too_few = cells[cells < settings.min_cells]
        if len(too_few):
            log.warning(
                "dropping %d sample(s) with fewer than %d cells%s: %s",
                len(too_few),
                settings.min_cells,
                f" of type {cell_type!r}" if cell_type else "",
                ", ".join(f"{s} ({n})" for s, n in too_few.items()),
            )
        kept = sorted(cells.index[cells >= settings.min_cells])
        summed = sums[[code_of[s] for s in kept]]
        every_sample = sorted(cells.index)
        sample_obs = _per_sample_obs(obs[selected], settings.sample_column, every_sample)
        sample_obs["n_cells"] = [int(cells[s]) for s in every_sample]
    finally:
        adata.file.close()
    counts = pd.DataFrame(
        np.rint(summed).astype(np.int64).T, index=strip_versions(genes), columns=kept
    )
    log.info(
        "pseudobulk%s: %d samples × %d genes from %d cells",
        f" ({cell_type})" if cell_type else "",
        len(kept),
        counts.shape[0],
        int(sample_obs["n_cells"].sum()),
    )
    return counts, sample_obs


def _per_sample_obs(obs: pd.DataFrame, sample_column: str, samples: list[str]) -> pd.DataFrame:
    """Columns constant within every sample become sample annotations (condition, batch…)."""
    grouped = obs.astype(str).groupby(obs[sample_column].astype(str), observed=True)
    constant = [c for c in obs.columns if c != sample_column and (grouped[c].nunique() <= 1).all()]
    table = grouped[constant].first().reindex(samples)
    table.index.name = "sample"
    return table


def read_bulk(path: str | Path, layer: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A samples × genes AnnData: counts (genes × samples, from the chosen matrix) and obs."""
    path = str(path)
    adata = ad.read_h5ad(path)
    matrix, genes = (
        _matrix_source(adata, layer, path)
        if layer or "counts" in adata.layers
        else (adata.X, adata.var_names)
    )
    dense = matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)
    values = pd.DataFrame(dense.T, index=strip_versions(genes), columns=adata.obs_names)
    obs = adata.obs.copy()
    obs.index = obs.index.astype(str)
    return values, obs


def is_single_cell(obs: pd.DataFrame, sample_column: str, configured: bool) -> bool:
    """Cells × genes when the config has a single_cell section, or samples repeat across rows."""
    if configured:
        return True
    return sample_column in obs.columns and obs[sample_column].nunique() < len(obs)
