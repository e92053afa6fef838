"""Write one simulated dataset in every input shape the pipeline accepts (test fixtures)."""

from __future__ import annotations

from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp
from conftest import REPO

from signature_reversal import simulate

ANNOTATION = REPO / "config" / "annotation" / "mouse_ensembl_symbols.tsv.gz"


def as_csv_samples_by_genes(data: simulate.SimulatedData, folder: Path) -> dict:
    path = folder / "samples_by_genes.csv.gz"
    data.counts.T.rename_axis("sample").to_csv(path)
    return {"path": str(path), "samples": _sheet(data, folder)}


def as_featurecounts(data: simulate.SimulatedData, folder: Path) -> dict:
    table = data.counts.copy()
    table.columns = [f"/data/bam/{s}.Aligned.sortedByCoord.out.bam" for s in table.columns]
    for column, value in (
        ("Length", 1500),
        ("Strand", "+"),
        ("End", 2000),
        ("Start", 500),
        ("Chr", "chr1"),
    ):
        table.insert(0, column, value)
    table.index.name = "Geneid"
    path = folder / "featurecounts.txt"
    with path.open("w") as handle:
        handle.write('# Program:featureCounts v2.0.3; Command:"featureCounts" "-a" "genes.gtf"\n')
        table.to_csv(handle, sep="\t")
    return {"path": str(path), "samples": _sheet(data, folder)}


def as_tximport_ensembl(data: simulate.SimulatedData, folder: Path, seed: int = 0) -> dict:
    """Estimated (non-integer) counts with versioned mouse Ensembl IDs and no symbol column."""
    annotation = pd.read_csv(ANNOTATION, sep="\t")
    ensembl_of = dict(zip(annotation["symbol"], annotation["ensembl"], strict=False))
    ids = [ensembl_of.get(g, f"ENSMUSG9{i:010d}") + ".7" for i, g in enumerate(data.counts.index)]
    rng = np.random.default_rng(seed)
    estimated = data.counts + rng.uniform(-0.45, 0.45, data.counts.shape)
    estimated = estimated.clip(lower=0).set_axis(ids, axis=0).rename_axis("gene_id")
    path = folder / "tximport_counts.tsv"
    estimated.round(3).to_csv(path, sep="\t")
    return {"path": str(path), "samples": _sheet(data, folder), "non_integer_counts": "round"}


def as_bulk_h5ad(data: simulate.SimulatedData, folder: Path) -> dict:
    obs = data.samples.set_index("sample")
    adata = ad.AnnData(
        X=data.counts.T.to_numpy(), obs=obs, var=pd.DataFrame(index=data.counts.index)
    )
    path = folder / "bulk.h5ad"
    adata.write_h5ad(path)
    return {"path": str(path)}


def as_normalized(data: simulate.SimulatedData, folder: Path) -> dict:
    cpm = data.counts / data.counts.sum() * 1e6
    path = folder / "log_cpm.tsv"
    np.log2(cpm + 1).round(5).to_csv(path, sep="\t")
    return {"path": str(path), "samples": _sheet(data, folder), "kind": "normalized"}


def as_single_cell(
    by_type: dict[str, simulate.SimulatedData],
    folder: Path,
    cells_per_sample: int = 12,
    starved: str | None = None,
    seed: int = 0,
) -> dict:
    """Cells × genes h5ad: each cell type's pseudobulk equals that simulated dataset exactly.

    X holds log-normalized values and the raw counts sit in layers['counts'], as in most
    single-cell files. ``starved`` names a sample given only 3 cells (below min_cells).
    """
    rng = np.random.default_rng(seed)
    blocks, rows = [], []
    for cell_type, data in by_type.items():
        for sample in data.counts.columns:
            n = 3 if sample == starved else cells_per_sample
            counts = data.counts[sample].to_numpy()
            split = np.stack([rng.multinomial(c, np.full(n, 1 / n)) for c in counts], axis=1)
            blocks.append(split)
            condition = sample.rsplit("_", 1)[0]
            rows += [
                {"sample": sample, "condition": condition, "cell_type": cell_type, "batch": "b1"}
                for _ in range(n)
            ]
    counts = sp.csr_matrix(np.vstack(blocks))
    genes = next(iter(by_type.values())).counts.index
    normalized = counts.multiply(1e4 / counts.sum(axis=1)).tocsr()
    normalized.data = np.log1p(normalized.data)
    adata = ad.AnnData(
        X=normalized,
        obs=pd.DataFrame(rows, index=[f"cell{i}" for i in range(len(rows))]),
        var=pd.DataFrame(index=genes),
        layers={"counts": counts},
    )
    path = folder / "single_cell.h5ad"
    adata.write_h5ad(path)
    return {
        "path": str(path),
        "single_cell": {"cell_type_column": "cell_type", "by_cell_type": True, "min_cells": 5},
    }


def _sheet(data: simulate.SimulatedData, folder: Path) -> str:
    path = folder / "samples.tsv"
    data.samples.to_csv(path, sep="\t", index=False)
    return str(path)
