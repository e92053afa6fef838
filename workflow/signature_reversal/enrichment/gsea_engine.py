"""A vectorized preranked GSEA: the same statistic as GSEA (Subramanian et al., PNAS 2005) and
gseapy, computed the way fgsea's "simple" algorithm does (Korotkevich et al., bioRxiv 060012;
``calcGseaStatCumulative`` and ``fgseaSimpleImpl`` in the fgsea sources).

- The enrichment score of a set is evaluated only at its genes' positions in the ranking: the
  running sum peaks just after a hit and dips just before one, so k hits need O(k) work, not
  O(N) for the whole ranking.
- The null: random gene sets of the set's size (gseapy's and fgsea's "gene-set permutation").
  One random permutation of the ranking's positions per draw is shared by every set, its first
  k positions giving the random set of size k, so all sizes come from the same draws at the
  cost of sorting a prefix.
- NES, nominal p and FDR follow GSEA exactly as gseapy implements them (``gsea_pval``,
  ``normalize`` and ``gsea_fdr`` in ``gseapy.algorithm``, a module gseapy keeps only for
  reference; ``significance`` below is the same arithmetic, vectorized, and is tested equal to
  it); p has the floor 1/(permutations + 1) applied by the enrichment stage.
- Sets whose permutation p is too coarse (fgsea's rule: the multilevel error is the smaller)
  get fgsea's multilevel p-value instead (``multilevel``), with its ``log2err``; where no
  pooled null NES reaches such a set's, its FDR's null tail share is its own multilevel p
  (the pooled share has no resolution there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pandas as pd

DRAWS_PER_BLOCK = 100  # random orderings drawn at once (100 × 20,000 keys = 16 MB)


def _scores(
    positions: np.ndarray, weights: np.ndarray, n_genes: int
) -> tuple[np.ndarray, np.ndarray]:
    """ES of hit sets (rows: sorted 0-based positions) and the index of the hit at the peak."""
    k = positions.shape[-1]
    hit_weights = weights[positions]
    cumulative = np.cumsum(hit_weights, axis=-1) / hit_weights.sum(axis=-1, keepdims=True)
    misses_before = positions - np.arange(k)  # genes not in the set above each hit
    step = 1.0 / (n_genes - k)
    after = cumulative - misses_before * step  # the running sum just after each hit
    before = after - hit_weights / hit_weights.sum(axis=-1, keepdims=True)  # just before it
    top = after.max(axis=-1)
    bottom = np.minimum(before.min(axis=-1), 0.0)
    es = np.where(np.abs(top) > np.abs(bottom), top, bottom)
    peak = np.where(np.abs(top) > np.abs(bottom), after.argmax(axis=-1), before.argmin(axis=-1))
    return es, peak


def _ordered_sample(keys: np.ndarray, largest: int) -> np.ndarray:
    """The ``largest`` smallest keys of each row, in key order: a random ordered sample of
    positions (argpartition is O(n); a full argsort would be O(n log n))."""
    block = np.argpartition(keys, largest - 1, axis=1)[:, :largest]
    order = np.argsort(np.take_along_axis(keys, block, axis=1), axis=1)
    return np.take_along_axis(block, order, axis=1)


def _orderings(
    rng: np.random.Generator, permutations: int, n: int, largest: int, threads: int
) -> np.ndarray:
    """The first ``largest`` genes of ``permutations`` random orderings of ``n``: keys drawn
    block by block in order (the same stream whatever ``threads``); on several threads the
    blocks are sorted side by side, no more than ``threads`` of them waiting at once (bounded
    memory at any size)."""
    draws = np.empty((permutations, largest), dtype=np.int64)

    def keys(start: int) -> np.ndarray:
        return rng.random((min(DRAWS_PER_BLOCK, permutations - start), n))

    def store(start: int, block: np.ndarray) -> None:
        draws[start : start + len(block)] = block

    starts = range(0, permutations, DRAWS_PER_BLOCK)
    if threads <= 1:
        for start in starts:
            store(start, _ordered_sample(keys(start), largest))
        return draws
    with ThreadPoolExecutor(threads) as pool:
        pending: list[tuple[int, Future]] = []
        for start in starts:
            if len(pending) >= threads:
                first, done = pending.pop(0)
                store(first, done.result())
            pending.append((start, pool.submit(_ordered_sample, keys(start), largest)))
        for first, done in pending:
            store(first, done.result())
    return draws


def prerank(
    ranked: pd.Series,
    gene_sets: Mapping[str, Sequence[str]],
    permutations: int,
    seed: int,
    weight: float = 1.0,
    multilevel_sample_size: int | None = None,
    multilevel_eps: float = 1e-50,
    threads: int = 1,
) -> pd.DataFrame:
    """GSEA of every set against a ranking (genes by decreasing statistic).

    Returns one row per set: Term, ES, NES, NOM p-val, FDR q-val, Lead_genes (';'-joined), as
    gseapy's ``res2d`` names them, and log2err and multilevel (whether p was refined) when
    ``multilevel_sample_size`` is given.
    """
    genes = ranked.index.to_numpy()
    weights = np.abs(ranked.to_numpy(dtype=float)) ** weight
    n = len(genes)
    position_of = {g: i for i, g in enumerate(genes)}
    names, hits = [], []
    for name, members in gene_sets.items():
        positions = np.sort([position_of[g] for g in set(members) if g in position_of])
        if 0 < len(positions) < n:
            names.append(name)
            hits.append(positions)
    if not names:
        return pd.DataFrame(columns=["Term", "ES", "NES", "NOM p-val", "FDR q-val", "Lead_genes"])
    observed = np.empty(len(names))
    leading = []
    for i, positions in enumerate(hits):
        es, peak = _scores(positions[None, :], weights, n)
        observed[i] = es[0]
        edge = positions[: peak[0] + 1] if es[0] >= 0 else positions[peak[0] :]
        leading.append(";".join(genes[edge]))
    # the null: the first k of one shared random ordering per draw; numpy's sorts release the
    # GIL, so the blocks and the set sizes are shared among ``threads`` (same draws, same null)
    largest = max(len(p) for p in hits)
    draws = _orderings(np.random.default_rng(seed), permutations, n, largest, threads)

    def null_of_size(k: int) -> np.ndarray:
        return _scores(np.sort(draws[:, :k], axis=1), weights, n)[0]

    sizes = sorted({len(p) for p in hits}, reverse=True)  # largest first: balanced threads
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            by_size = dict(zip(sizes, pool.map(null_of_size, sizes), strict=True))
    else:
        by_size = {k: null_of_size(k) for k in sizes}
    null = np.array([by_size[len(positions)] for positions in hits])
    if multilevel_sample_size is None:
        nes, pvalues, fdr = significance(observed, null)
        extra = {}
    else:
        from . import multilevel

        refined = multilevel.refine(
            weights, hits, observed, null, multilevel_sample_size, multilevel_eps, seed, threads
        )
        nes, pvalues, fdr = significance(observed, null, own_tail=refined.pvalue)
        pvalues = np.where(refined.refined, refined.pvalue, pvalues)
        extra = {"log2err": refined.log2err, "multilevel": refined.refined}
    return pd.DataFrame(
        {
            "Term": names,
            "ES": observed,
            "NES": nes,
            "NOM p-val": pvalues,
            "FDR q-val": fdr,
            "Lead_genes": leading,
            **extra,
        }
    )


def significance(
    observed: np.ndarray, null: np.ndarray, own_tail: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NES, nominal p and FDR of GSEA (Subramanian et al. 2005) as gseapy computes them.

    p: the share of the set's null scores of the observed sign at least as extreme. NES: the
    score over the mean null score of its sign (per set). FDR: the share of all sets' null NES
    of that sign at least as extreme, over the share of observed NES of that sign at least as
    extreme, capped at 1. ``own_tail``: a finer null tail probability per set (NaN: none) used
    where no pooled null NES is as extreme as the set's.
    """
    es = np.asarray(observed, float)
    null = np.asarray(null, float)
    positive = es >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        p_positive = (null >= es[:, None]).sum(axis=1) / (null >= 0).sum(axis=1)
        p_negative = (null < es[:, None]).sum(axis=1) / (null < 0).sum(axis=1)
        pvalues = np.where(positive, p_positive, p_negative)
        mean_positive = np.array(
            [row[row >= 0].mean() if (row >= 0).any() else np.nan for row in null]
        )
        mean_negative = np.array(
            [row[row < 0].mean() if (row < 0).any() else np.nan for row in null]
        )
        nes = np.where(positive, es / mean_positive, -es / mean_negative)
        null_nes = np.where(
            null >= 0, null / mean_positive[:, None], -null / mean_negative[:, None]
        )
        fdr = _gsea_fdr(nes, null_nes, own_tail)
    return nes, pvalues, fdr


def _gsea_fdr(
    nes: np.ndarray, null_nes: np.ndarray, own_tail: np.ndarray | None = None
) -> np.ndarray:
    all_null = np.sort(null_nes.ravel())
    all_observed = np.sort(nes)
    n_null, n_observed = len(all_null), len(all_observed)
    fdr = np.empty(len(nes))
    with np.errstate(divide="ignore", invalid="ignore"):
        for i, value in enumerate(nes):
            if value >= 0:
                null_side = n_null - np.searchsorted(all_null, 0, side="left")
                null_beyond = n_null - np.searchsorted(all_null, value, side="left")
                observed_side = n_observed - np.searchsorted(all_observed, 0, side="left")
                observed_beyond = n_observed - np.searchsorted(all_observed, value, side="left")
            else:
                null_side = np.searchsorted(all_null, 0, side="left")
                null_beyond = np.searchsorted(all_null, value, side="right")
                observed_side = np.searchsorted(all_observed, 0, side="left")
                observed_beyond = np.searchsorted(all_observed, value, side="right")
            if null_side == 0 or observed_side == 0 or observed_beyond == 0:
                fdr[i] = 1e9  # gseapy's value for an undefined ratio
                continue
            null_share = null_beyond / null_side
            if null_beyond == 0 and own_tail is not None and not np.isnan(own_tail[i]):
                null_share = own_tail[i]
            ratio = null_share / (observed_beyond / observed_side)
            fdr[i] = ratio if ratio < 1 else 1.0
    return fdr
