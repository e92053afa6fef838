"""Connectivity scores of many up/down tag pairs in one ranking, as the Connectivity Map defines
them, compiled so that a library of thousands of signatures is scored on every null draw.

- **KS connectivity** (Lamb et al., Science 2006, supplementary methods): for a tag set of t
  genes at 1-based positions V(1) < … < V(t) of a ranking of n genes,
  a = max_j [j/t − V(j)/n], b = max_j [V(j)/n − (j − 1)/t], ks = a if a > b else −b; the
  instance's score is ks_up − ks_down when the two have opposite signs, else 0.
- **WTCS** (clue.io's weighted connectivity score; Subramanian et al., Cell 2017): each tag
  set's weighted enrichment score (GSEA's running sum with weights |statistic|, Subramanian et
  al., PNAS 2005), WTCS = (ES_up − ES_down) / 2 when the two have opposite signs, else 0.

A tag set is evaluated only at its genes' positions (the running sum peaks just after a hit
and dips just before one), and all sets in one pass down the ranking (``_walk``), so a library
of 6,100 signatures costs a few milliseconds per ranking. Positive scores: the ranking's
top genes are the signature's up genes (the same direction); negative: reversed.

Matrix libraries turn the query around (clue.io's): the user's few tag sets are scored in
each library signature's own ranking (``score_columns``), one column after another on every
core; each column is ordered by a radix sort of its float32 bits (``descending_order``),
ten times faster than a comparison sort at 12,000 genes, so that 100,000 signatures cost
seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

KS, WEIGHTED = 0, 1


@njit(cache=True, nogil=True)
def _walk(
    order: np.ndarray,
    weight: np.ndarray,
    gene_start: np.ndarray,
    gene_sets: np.ndarray,
    sizes: np.ndarray,
    totals: np.ndarray,
    kind: int,
) -> np.ndarray:
    """One pass down the ranking: each gene updates the running sums of the sets it is in, so
    every set sees its hits in rank order without a sort (O(genes + tags) per ranking)."""
    n = order.shape[0]
    n_sets = sizes.shape[0]
    count = np.zeros(n_sets, dtype=np.int64)
    running = np.zeros(n_sets)
    first = np.full(n_sets, -np.inf)  # KS: a; weighted: the highest running sum
    second = np.full(n_sets, -np.inf)  # KS: b; weighted: minus the lowest running sum
    if kind == WEIGHTED:
        first[:] = 0.0
        second[:] = 0.0
    for r in range(n):
        g = order[r]
        for index in range(gene_start[g], gene_start[g + 1]):
            s = gene_sets[index]
            j = count[s]
            k = sizes[s]
            if kind == KS:
                v = (r + 1) / n
                first[s] = max(first[s], (j + 1) / k - v)
                second[s] = max(second[s], v - j / k)
            else:
                miss = (r - j) / (n - k)  # share of the non-tag genes ranked above this hit
                second[s] = max(second[s], miss - running[s])
                running[s] += weight[g] / totals[s] if totals[s] > 0 else 1.0 / k
                first[s] = max(first[s], running[s] - miss)
            count[s] = j + 1
    out = np.full(n_sets, np.nan)
    for s in range(n_sets):
        if 0 < sizes[s] < n:
            out[s] = first[s] if first[s] > second[s] else -second[s]
    return out


@njit(cache=True, nogil=True)
def _descending_keys(values: np.ndarray) -> np.ndarray:
    """Unsigned keys whose ascending order is the values' descending order (float32 or
    float64 bits, the sign bit flipped for positives and every bit for negatives)."""
    n = values.shape[0]
    keys = np.empty(n, dtype=np.uint64)
    if values.itemsize == 4:
        bits32 = (values + np.float32(0.0)).view(np.uint32)  # + 0: −0.0 becomes 0.0
        for i in range(n):
            k = bits32[i]
            k = ~k if k & np.uint32(0x80000000) else k | np.uint32(0x80000000)
            keys[i] = np.uint64(~k)
    else:
        bits64 = (values + 0.0).view(np.uint64)
        top = np.uint64(0x8000000000000000)
        for i in range(n):
            k = bits64[i]
            k = ~k if k & top else k | top
            keys[i] = ~k
    return keys


@njit(cache=True, nogil=True)
def descending_order(values: np.ndarray) -> np.ndarray:
    """Positions of float32 or float64 ``values`` largest first, ties in position order (what
    a stable argsort of −values gives), by an 11-bit LSD radix sort of the values' bits (3
    passes for float32, 6 for float64). NaN must be replaced first."""
    n = values.shape[0]
    keys = _descending_keys(values)
    passes = 3 if values.itemsize == 4 else 6
    order = np.arange(n)
    buffer = np.empty(n, dtype=np.int64)
    counts = np.empty(2049, dtype=np.int64)
    for p in range(passes):
        shift = np.uint64(11 * p)
        counts[:] = 0
        for i in range(n):
            counts[((keys[order[i]] >> shift) & np.uint64(2047)) + 1] += 1
        for b in range(2048):
            counts[b + 1] += counts[b]
        for i in range(n):
            digit = (keys[order[i]] >> shift) & np.uint64(2047)
            buffer[counts[digit]] = order[i]
            counts[digit] += 1
        order, buffer = buffer, order
    return order


@njit(cache=True, parallel=True)
def _score_columns(
    block: np.ndarray,
    gene_start: np.ndarray,
    gene_sets: np.ndarray,
    sizes: np.ndarray,
    members: np.ndarray,
    member_genes: np.ndarray,
    kind: int,
) -> np.ndarray:
    """Per row of ``block`` (rankings × genes, float32 or float64): every tag set's score in
    that ranking; missing values rank in the middle (as 0)."""
    n_columns = block.shape[0]
    out = np.empty((n_columns, sizes.shape[0]))
    for c in prange(n_columns):
        values = block[c].copy()
        for g in range(values.shape[0]):
            if np.isnan(values[g]):
                values[g] = 0
        order = descending_order(values)
        weight = np.abs(values).astype(np.float64)
        totals = np.zeros(sizes.shape[0])
        for m in range(members.shape[0]):
            totals[members[m]] += weight[member_genes[m]]
        out[c] = _walk(order, weight, gene_start, gene_sets, sizes, totals, kind)
    return out


@dataclass(frozen=True)
class TagIndex:
    """Tag sets (gene indices into the ranking) stored gene by gene (CSR), for ``_walk``."""

    gene_start: np.ndarray  # genes + 1: where each gene's set list starts
    gene_sets: np.ndarray  # the sets each gene is in, gene after gene
    sizes: np.ndarray
    members: np.ndarray  # set of each (set, gene) pair, for the weight totals
    genes: np.ndarray  # gene of each pair

    @classmethod
    def of(cls, sets: Sequence[np.ndarray], n_genes: int) -> TagIndex:
        sizes = np.array([len(s) for s in sets], dtype=np.int64)
        members = np.repeat(np.arange(len(sets)), sizes)
        genes = (
            np.concatenate([np.asarray(s, dtype=np.int64) for s in sets])
            if len(sets)
            else (np.zeros(0, dtype=np.int64))
        )
        by_gene = np.argsort(genes, kind="stable")
        gene_start = np.zeros(n_genes + 1, dtype=np.int64)
        np.cumsum(np.bincount(genes, minlength=n_genes), out=gene_start[1:])
        return cls(gene_start, members[by_gene], sizes, members, genes)

    def scores(self, statistic: np.ndarray, kind: int) -> np.ndarray:
        """Per set: its KS or weighted enrichment score in the ranking by ``statistic`` (largest
        first, ties in gene order); NaN for an empty set."""
        order = np.argsort(-statistic, kind="stable")
        weight = np.abs(statistic)
        totals = np.bincount(self.members, weights=weight[self.genes], minlength=len(self.sizes))
        return _walk(order, weight, self.gene_start, self.gene_sets, self.sizes, totals, kind)

    def in_columns(self, block: np.ndarray, kind: int) -> np.ndarray:
        """Rankings × sets: each set's score in each row's ranking (``block``: rankings ×
        genes, float32 or float64, its values the weights; the rows on every core), as
        ``scores`` gives for one ranking."""
        if block.dtype not in (np.float32, np.float64):
            block = block.astype(np.float64)
        block = np.ascontiguousarray(block)
        return _score_columns(
            block, self.gene_start, self.gene_sets, self.sizes, self.members, self.genes, kind
        )


def tag_scores(statistic: np.ndarray, sets: Sequence[np.ndarray], kind: int) -> np.ndarray:
    """Per tag set (gene indices): its KS or weighted enrichment score in the ranking."""
    return TagIndex.of(sets, len(statistic)).scores(statistic, kind)


def combine(up: np.ndarray, down: np.ndarray, kind: int) -> np.ndarray:
    """One score per signature from its up and down tag scores: 0 when both point the same way
    (the signature is neither mimicked nor reversed)."""
    opposite = np.sign(up) != np.sign(down)
    difference = (up - down) if kind == KS else (up - down) / 2
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(up) | np.isnan(down), np.nan, np.where(opposite, difference, 0.0))


class Library:
    """A library's up and down tag sets, indexed once and scored in any number of rankings."""

    def __init__(self, up: Sequence[np.ndarray], down: Sequence[np.ndarray], n_genes: int):
        self.n = len(up)
        self.index = TagIndex.of([*up, *down], n_genes)

    def connectivity(self, statistic: np.ndarray, kind: int = WEIGHTED) -> np.ndarray:
        """Per signature, its connectivity with the ranking by ``statistic``."""
        both = self.index.scores(statistic, kind)
        return combine(both[: self.n], both[self.n :], kind)

    def connectivity_in(self, rankings: np.ndarray, kind: int = WEIGHTED) -> np.ndarray:
        """Rankings × signatures: each signature's connectivity with each row of
        ``rankings`` (a null's draws, scored on every core)."""
        both = self.index.in_columns(rankings, kind)
        return combine(both[:, : self.n], both[:, self.n :], kind)
