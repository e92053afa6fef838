"""The queries against a signature-matrix library, streamed a block of signatures at a time.

A matrix library (clue.io's GCT/GCTX: every signature's value for every gene) is queried the
way clue.io queries it: the user's ranking gives its ``tags`` top and bottom genes, and those
two tag sets are scored (WTCS, and Lamb's KS) in each signature's own ranking of all the
library's genes. The null is the same as for set libraries — the user's genes permuted, i.e.
random tag sets of the same sizes drawn from the genes the user's data ranked — scored in
every signature alongside the observed tags, one draw's sets shared by all signatures and by
all queries of the analysis (they have the same sizes). A signature's null then differs from
another's only by its column's spread of values, so p-values pool the null of the
signatures of one cell line (NCS-normalised, as the scores are) instead of each signature's
draws alone.

Every query of an analysis and the placement's extra column share one pass over the file:
each block is read once, each column sorted once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..progress import stage
from . import scores
from .matrix import SignatureMatrix
from .query import DrugSettings, Placement, QueryResult, placement, summarise


@dataclass
class MatrixQueries:
    """Observed and null scores of each query in every library signature."""

    wtcs: dict[str, np.ndarray]  # query → per signature
    ks: dict[str, np.ndarray]
    null: np.ndarray  # draws × signatures (float32): random tags, shared by the queries
    extra: dict[str, tuple[float, np.ndarray]]  # (query, column) → observed, null draws
    tags: int


def tag_sets(ranking: np.ndarray, tags: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``tags`` highest and lowest of the ranked genes (NaN: not ranked), ties in gene
    order."""
    ranked = np.flatnonzero(np.isfinite(ranking))
    order = ranked[np.argsort(-ranking[ranked], kind="stable")]
    return order[:tags], order[::-1][:tags]


def run_queries(
    matrix: SignatureMatrix,
    rankings: dict[str, np.ndarray],
    columns: dict[str, np.ndarray],
    settings: DrugSettings,
    tags: int,
) -> MatrixQueries:
    """Each ranking (over the matrix's genes; NaN where the user's data do not rank a gene)
    as up/down tags scored in every library signature, with ``settings.draws`` random tag
    sets; ``columns`` (over the matrix's genes) are extra signatures — the treatment's own —
    in which the first query's tags and the null are scored too."""
    universe = np.flatnonzero(np.all([np.isfinite(r) for r in rankings.values()], axis=0))
    k = int(min(tags, len(universe) // 2))
    observed = [side for ranking in rankings.values() for side in tag_sets(ranking, k)]
    rng = np.random.default_rng(settings.seed)
    random_sets = []
    for _ in range(settings.draws):
        drawn = rng.choice(universe, 2 * k, replace=False)
        random_sets += [drawn[:k], drawn[k:]]
    n_genes = len(matrix.genes)
    weighted = scores.TagIndex.of(observed + random_sets, n_genes)
    classic = scores.TagIndex.of(observed, n_genes)
    names = list(rankings)
    wtcs = {name: np.empty(matrix.n_signatures) for name in names}
    ks = {name: np.empty(matrix.n_signatures) for name in names}
    null = np.empty((settings.draws, matrix.n_signatures), dtype=np.float32)

    def weighted_pairs(block: np.ndarray) -> np.ndarray:
        """Columns × (queries, then draws): each pair of tag sets' WTCS in each column."""
        both = weighted.in_columns(block, scores.WEIGHTED)
        return scores.combine(both[:, 0::2], both[:, 1::2], scores.WEIGHTED)

    with stage(
        f"{matrix.name}: {len(names)} queries of {k} + {k} genes, {settings.draws} random draws, "
        f"in {matrix.n_signatures:,} signatures"
    ):
        for start, block in matrix.blocks():
            stop = start + len(block)
            pairs = weighted_pairs(block)
            classic_pairs = classic.in_columns(block, scores.KS)
            ks_pairs = scores.combine(classic_pairs[:, 0::2], classic_pairs[:, 1::2], scores.KS)
            for i, name in enumerate(names):
                wtcs[name][start:stop] = pairs[:, i]
                ks[name][start:stop] = ks_pairs[:, i]
            null[:, start:stop] = pairs[:, len(names) :].T
        extra = {}
        if columns:
            block = np.array([np.nan_to_num(c) for c in columns.values()], dtype=np.float32)
            pairs = weighted_pairs(block)
            for i, column in enumerate(columns):
                extra[(names[0], column)] = (float(pairs[i, 0]), pairs[i, len(names) :])
    return MatrixQueries(wtcs, ks, null, extra, k)


def summarise_query(
    name: str, queries: MatrixQueries, matrix: SignatureMatrix, settings: DrugSettings
) -> QueryResult:
    """One query's table (the set libraries' columns), its null pooled within cell line."""
    annotation = matrix.annotation
    sizes = (np.full(len(annotation), queries.tags), np.full(len(annotation), queries.tags))
    cell = annotation["cell_line"].replace("", "all").to_numpy()
    return summarise(
        name,
        queries.wtcs[name],
        queries.null,
        annotation,
        sizes,
        settings,
        null_groups=cell,
        ks=queries.ks[name],
    )


def matrix_placement(
    disease: QueryResult, queries: MatrixQueries, column: str = "treatment"
) -> Placement:
    """The treatment's own signature (an extra column) placed among the library's signatures
    in the disease query: the disease's tags scored in the treatment's ranking."""
    wtcs, null = queries.extra[("disease", column)]
    return placement(disease, wtcs, np.asarray(null, dtype=float), queries.tags)


def aligned(values: pd.Series, genes: pd.Index) -> np.ndarray:
    """A ranking by gene name on the matrix's genes (NaN where absent; a name repeated in the
    matrix gets the same value at each copy)."""
    return values.groupby(level=0).mean().reindex(genes).to_numpy(float)
