"""Per-cell scores (scanpy's ``sc.tl.score_genes``: a set's mean expression minus that of
expression-matched control genes; Tirosh et al., Science 2016): the disease signature as its
disease-up score minus its disease-down score, and each curated set."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence

import anndata as ad

log = logging.getLogger("signature_reversal")
MIN_GENES = 5  # a set needs this many genes in the data to be scored


def score_column(name: str) -> str:
    return "score_" + re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_")


def score(adata: ad.AnnData, genes: Sequence[str], column: str, seed: int) -> bool:
    """Score ``genes`` into ``obs[column]``; False (logged) when too few are in the data."""
    import scanpy as sc

    present = [g for g in dict.fromkeys(genes) if g in adata.var_names]
    if len(present) < MIN_GENES:
        log.info("%s: only %d genes in the data, not scored", column, len(present))
        return False
    sc.tl.score_genes(adata, present, score_name=column, random_state=seed, use_raw=False)
    return True


def disease_score(
    adata: ad.AnnData, up: Sequence[str], down: Sequence[str], seed: int
) -> str | None:
    """obs['disease_score'] = up score − down score (either alone when the other is empty)."""
    parts = []
    for genes, column in ((up, "disease_up_score"), (down, "disease_down_score")):
        if score(adata, genes, column, seed):
            parts.append(column)
    if not parts:
        return None
    adata.obs["disease_score"] = adata.obs.get("disease_up_score", 0.0) - adata.obs.get(
        "disease_down_score", 0.0
    )
    return "disease_score"


def set_scores(adata: ad.AnnData, sets: Mapping[str, Sequence[str]], seed: int) -> list[str]:
    """Each set's score column (those with enough genes)."""
    return [score_column(n) for n, g in sets.items() if score(adata, g, score_column(n), seed)]
