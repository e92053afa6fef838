"""Reversal between two published DE tables, when only summary statistics are available.

Users often start from a paper's DESeq2/limma table rather than counts. Without samples there is
no permutation null, so this mode is descriptive: slope, % improvement, connectivity and GSEA
NES pairs, reported as such; the shared-control pitfall cannot be corrected here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..enrichment import stage as enrichment
from ..inputs.reference_signatures import read_table
from ..settings import ReferenceSpec, VerdictRule
from .connectivity import connectivity
from .estimates import through_origin
from .genes import gene_table


def read_published_table(path: str | Path, invert: bool = False) -> pd.DataFrame:
    """A published DE table (DESeq2, limma, edgeR, … columns found by name, TSV or CSV) in the
    package's DE columns; ``invert`` flips the contrast (e.g. lesion-vs-non-lesional read as
    non-lesional-vs-lesion)."""
    spec = ReferenceSpec.from_config(Path(path).name, {"path": str(path)})
    table = read_table(spec).rename(columns={"se": "lfcSE"})
    table["stat"] = table["log2FC"] / table["lfcSE"]
    if invert:
        table["log2FC"] = -table["log2FC"]
        table["stat"] = -table["stat"]
    table["symbol"] = table["gene"]
    return table.drop(columns=["selected"])


def compare(
    disease: pd.DataFrame,
    treatment: pd.DataFrame,
    gene_sets: Mapping[str, list[str]],
    rule: VerdictRule,
    permutations: int = 1000,
    seed: int = 42,
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Descriptive reversal numbers, per-set NES pairs, and the per-gene table."""
    common = disease.merge(treatment[["gene"]], on="gene")
    disease = disease[disease["gene"].isin(common["gene"])]
    treatment = treatment[treatment["gene"].isin(common["gene"])]
    if "lfcSE" not in disease.columns or "lfcSE" not in treatment.columns:
        disease = disease.assign(lfcSE=disease.get("lfcSE", np.nan))
        treatment = treatment.assign(lfcSE=treatment.get("lfcSE", np.nan))
    # independent tables share no samples: the residual's standard error makes Cov(d, t) = 0
    residual = treatment.assign(
        log2FC=np.nan,
        padj=np.nan,
        lfcSE=np.sqrt(
            disease.set_index("gene")["lfcSE"].reindex(treatment["gene"]).to_numpy() ** 2
            + treatment["lfcSE"].to_numpy() ** 2
        ),
    )
    genes, _ = gene_table(disease, treatment, residual, rule)
    mask = genes["disease_gene"].to_numpy()
    d = genes.loc[mask, "disease_log2FC"].to_numpy()
    t = genes.loc[mask, "treatment_log2FC"].to_numpy()
    improvement = 100 * np.array([np.mean(-t[d > 0] / d[d > 0]), np.mean(-t[d < 0] / d[d < 0])])
    summary = {
        "genes_compared": len(genes),
        "disease_genes": int(mask.sum()),
        "slope": float(through_origin(d, t)),
        "percent_moved_toward_control": float(np.mean(np.sign(t) == -np.sign(d)) * 100),
        "percent_improvement_up": float(improvement[0]),
        "percent_improvement_down": float(improvement[1]),
        "connectivity": connectivity(
            genes["treatment_stat"].fillna(0).to_numpy(),
            mask & (genes["disease_log2FC"] > 0).to_numpy(),
            mask & (genes["disease_log2FC"] < 0).to_numpy(),
        ),
    }
    gsea = {}
    for name, table in (("disease", disease), ("treatment", treatment)):
        ranked = enrichment.ranking(table)
        usable = {k: [g for g in v if g in ranked.index] for k, v in gene_sets.items()}
        gsea[name] = enrichment.prerank(ranked, usable, "curated", permutations, seed, 10, 500)
    sets = gsea["disease"][["gene_set", "size", "NES", "fdr"]].merge(
        gsea["treatment"][["gene_set", "NES", "fdr"]],
        on="gene_set",
        suffixes=("_disease", "_treatment"),
    )
    return summary, sets.sort_values("fdr_disease").reset_index(drop=True), genes
