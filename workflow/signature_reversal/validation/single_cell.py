"""A simulated single-cell study with planted, cell-type-specific answers.

Skin cells of 3 × 3 mice (control, eczema, nmn) in three cell types with distinct expression
profiles: **keratinocytes**, whose disease genes (barrier down, JAK-STAT/ROS up) the treatment
returns to control; **T cells**, whose disease programme the treatment leaves alone; and
**fibroblasts**, unchanged. T cells **expand with disease** (about 10% → 25% of cells) and
**shrink back with treatment** (→ 12%). Some cells are of poor quality (few genes, many
mitochondrial reads) for the cell QC to remove. Counts are negative binomial per cell around
each cell type's profile × the cell's library size. Seeded: same arguments, same cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

CELL_TYPES = ("keratinocyte", "T cell", "fibroblast")
CONDITIONS = ("control", "eczema", "nmn")
# share of T cells per condition (the rest split 3:1 between keratinocytes and fibroblasts)
T_CELL_SHARE = {"control": 0.10, "eczema": 0.25, "nmn": 0.12}
MITO_GENES = 13  # mouse mitochondrial genes, named mt-…
RIBO_GENES = 20  # ribosomal protein genes, Rps…/Rpl…
LOW_QUALITY = 0.05  # share of cells with few genes and many mitochondrial reads


def simulate_cells(
    disease_genes: Mapping[str, Sequence[str]],
    n_genes: int = 3000,
    cells_per_sample: int = 400,
    n_per_group: int = 3,
    seed: int = 1,
    reversal: float = 0.8,
) -> tuple[ad.AnnData, pd.DataFrame]:
    """Cells × genes AnnData (raw counts in X; obs: sample, condition,
    cell_type, low_quality) and the per-gene truth (the planted log2 effects per cell type).

    ``disease_genes``: {"up": genes raised by disease, "down": genes lowered} — planted in
    keratinocytes (reversed by ``reversal``) and, the up genes only, in T cells (not reversed).
    """
    rng = np.random.default_rng(seed)
    named = [g for genes in disease_genes.values() for g in genes]
    mito = [f"mt-Gene{i}" for i in range(MITO_GENES)]
    ribo = [f"Rps{i}" for i in range(RIBO_GENES // 2)] + [f"Rpl{i}" for i in range(RIBO_GENES // 2)]
    filler = [f"Gene{i:05d}" for i in range(n_genes)]
    genes = list(dict.fromkeys([*named, *mito, *ribo, *filler]))[:n_genes]
    index = {g: i for i, g in enumerate(genes)}
    n = len(genes)
    base = np.exp(rng.normal(-1.0, 1.5, n))  # mean count per cell at the average library
    base[[index[g] for g in mito if g in index]] *= 8
    base[[index[g] for g in ribo if g in index]] *= 6
    profiles = {}
    for cell_type in CELL_TYPES:
        markers = rng.choice(n, 60, replace=False)  # each type has its own highly expressed genes
        shift = np.zeros(n)
        shift[markers] = rng.uniform(2, 4, len(markers))
        profiles[cell_type] = np.log2(base) + shift + rng.normal(0, 0.3, n)
    up = [index[g] for g in disease_genes.get("up", ()) if g in index]
    down = [index[g] for g in disease_genes.get("down", ()) if g in index]
    effect = {ct: {c: np.zeros(n) for c in CONDITIONS} for ct in CELL_TYPES}
    size = np.zeros(n)
    size[up] = rng.uniform(1.2, 2.2, len(up))
    size[down] = -rng.uniform(1.2, 2.2, len(down))
    for condition, fraction in (("eczema", 0.0), ("nmn", reversal)):
        effect["keratinocyte"][condition] = size * (1 - fraction)
        t_cell = np.zeros(n)
        t_cell[up] = size[up]
        effect["T cell"][condition] = t_cell  # the treatment leaves T cells' programme alone
    rows, blocks = [], []
    for condition in CONDITIONS:
        share = T_CELL_SHARE[condition]
        probabilities = [0.75 * (1 - share), share, 0.25 * (1 - share)]
        for replicate in range(1, n_per_group + 1):
            sample = f"{condition}_{replicate}"
            types = rng.choice(CELL_TYPES, cells_per_sample, p=probabilities)
            library = np.exp(rng.normal(np.log(2500), 0.35, cells_per_sample))
            poor = rng.random(cells_per_sample) < LOW_QUALITY
            for cell_type in CELL_TYPES:
                chosen = np.flatnonzero(types == cell_type)
                if not len(chosen):
                    continue
                log_mean = profiles[cell_type] + effect[cell_type][condition]
                proportion = 2.0**log_mean / (2.0**log_mean).sum()
                mean = library[chosen, None] * proportion[None, :]
                bad = poor[chosen]
                mean[bad] *= 0.08  # a broken cell: little RNA left …
                mito_rows = [index[g] for g in mito if g in index]
                mean[np.ix_(bad, mito_rows)] *= 60  # … most of it mitochondrial
                dispersion = 0.2
                counts = rng.negative_binomial(1 / dispersion, 1 / (1 + dispersion * mean))
                blocks.append(sp.csr_matrix(counts.astype(np.float32)))
                rows += [
                    {
                        "sample": sample,
                        "condition": condition,
                        "cell_type": cell_type,
                        "low_quality": bool(b),
                    }
                    for b in bad
                ]
    counts = sp.vstack(blocks).tocsr()
    obs = pd.DataFrame(rows, index=[f"cell{i:06d}" for i in range(len(rows))])
    adata = ad.AnnData(X=counts, obs=obs, var=pd.DataFrame(index=genes))
    truth = pd.DataFrame(
        {f"{ct}:{c}": effect[ct][c] for ct in CELL_TYPES for c in ("eczema", "nmn")},
        index=genes,
    )
    return adata, truth


def write(adata: ad.AnnData, truth: pd.DataFrame, folder: Path) -> Path:
    """cells.h5ad and truth.tsv.gz in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cells.h5ad"
    adata.write_h5ad(path, compression="gzip")
    truth.to_csv(
        folder / "truth.tsv.gz", sep="\t", float_format="%.4g",
        compression={"method": "gzip", "mtime": 0},
    )  # fmt: skip
    return path
