"""Which significant gene sets repeat a more significant one, so a GO-scale table stays
readable: hundreds of GO terms reach FDR < 0.05 in a strong contrast, most of them parents,
children and siblings driven by the same genes.

Greedily, most significant first, a set is marked redundant with the most significant set
already kept (same NES sign, itself repeating none) whose leading edge shares at least half of
the smaller of the two, by the overlap coefficient |A ∩ B| / min(|A|, |B|) that
Enrichment Map uses to join gene sets (Merico et al., PLoS One 5:e13984, 2010; default cut-off
0.5). Leading edges, not whole sets: two sets redundant in *this* contrast are driven by the
same genes here. Nothing is removed: the tables keep every set and name what it repeats.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

OVERLAP = 0.5  # Enrichment Map's default overlap-coefficient cut-off


def redundant_with(table: pd.DataFrame, alpha: float = 0.05, overlap: float = OVERLAP) -> pd.Series:
    """For each row of a GSEA table (``gene_set``, ``NES``, ``fdr``, ``pvalue``,
    ``leading_edge``): the more significant set it repeats, or "" (also for rows at or above
    ``alpha``, which are not judged)."""
    result = pd.Series("", index=table.index, dtype=object)
    significant = table.index[(table["fdr"] < alpha).to_numpy()]
    if len(significant) < 2:
        return result
    ordered = table.loc[significant].sort_values(["fdr", "pvalue", "gene_set"], kind="mergesort")
    edges = [set(filter(None, str(e).split(";"))) for e in ordered["leading_edge"]]
    genes = {g: i for i, g in enumerate(sorted(set().union(*edges)))}
    rows = np.repeat(np.arange(len(edges)), [len(e) for e in edges])
    columns = [genes[g] for e in edges for g in e]
    incidence = sparse.csr_matrix(
        (np.ones(len(columns)), (rows, columns)), shape=(len(edges), max(len(genes), 1))
    )
    shared = (incidence @ incidence.T).toarray()
    sizes = np.array([len(e) for e in edges], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        coefficient = shared / np.minimum.outer(sizes, sizes)
    sign = np.sign(ordered["NES"].to_numpy())
    names = ordered["collection"].astype(str) + ":" + ordered["gene_set"].astype(str)
    representatives: list[int] = []  # sets that repeat none before them
    for i in range(len(edges)):
        chosen = np.array(representatives, dtype=int)
        match = chosen[(coefficient[i, chosen] >= overlap) & (sign[chosen] == sign[i])]
        if len(match) and sizes[i] > 0:
            result[ordered.index[i]] = names.iloc[match[0]]
        else:
            representatives.append(i)
    return result
