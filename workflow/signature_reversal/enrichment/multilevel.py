"""GSEA p-values below 1/(permutations + 1): fgsea's adaptive multilevel splitting Monte Carlo.

A permutation p-value cannot go below 1/(m + 1) with m permutations, so with 1,000 of them every
strong set reads p = 0.001 and a collection of thousands of sets cannot reach small FDRs.
fgsea's ``fgseaMultilevel`` (Korotkevich, Sukhov, Budin, Shpak, Artyomov & Sergushichev,
bioRxiv 060012, 2021; the default GSEA p-value in R today) estimates such tail probabilities
level by level: draw ``sample_size`` random gene sets of the set's size, keep the half that
scores above their median, rebuild the other half from them by a Markov chain that never goes
below that median, and repeat. Each level halves the probability with a known error, so
p = 1e-20 costs ~66 levels instead of 1e20 permutations.

This module ports fgsea 1.31 as it is in its sources:

- ``EsRuler::extend``, ``duplicateSamples``, ``perturbate`` and ``getPvalue`` in
  ``src/fgseaMultilevelSupplement.cpp`` (the chain proposes swapping one member for a random
  gene and accepts when the set's positive running-sum maximum stays above the level);
- ``calcES`` / ``calcPositiveES`` / ``compareStat`` in ``src/esCalculation.cpp``;
- the R driver ``fgseaMultilevel`` in ``R/fgseaMultilevel.R``: which sets it refines (where the
  multilevel error is below the simple permutation error), the division by the probability of
  the score's sign from the simple permutations, ``multilevelError`` for ``log2err``, and
  ``eps``.

Compiled by numba (a scanpy dependency), cached on disk after the first call.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.special import digamma, polygamma
from scipy.stats import beta


@dataclass(frozen=True)
class Refined:
    """Multilevel p-values of the refined sets (NaN elsewhere) and every set's log2err."""

    pvalue: np.ndarray
    log2err: np.ndarray
    refined: np.ndarray  # bool: this set's p comes from the multilevel method


def refine(
    weights: np.ndarray,
    hits: list[np.ndarray],
    observed: np.ndarray,
    null: np.ndarray,
    sample_size: int = 101,
    eps: float = 1e-50,
    seed: int = 0,
    threads: int = 1,
) -> Refined:
    """fgsea's multilevel p-values for the sets whose permutation p is too coarse.

    Parameters
    ----------
    weights
        |statistic|^weight of the ranked genes, in rank order (fgsea's ``posRanks``).
    hits
        Each set's sorted 0-based positions in the ranking.
    observed, null
        Each set's ES and its permutation null (sets × permutations), as the simple engine drew.
    sample_size
        Random sets per level (fgsea's ``sampleSize``; made odd as fgsea does).
    eps
        p-values are not estimated below this (fgsea's ``eps``); such sets read p = eps.
    threads
        Set sizes (each with its own random stream) run side by side on this many threads.
    """
    sample_size = max(3, int(sample_size))
    if sample_size % 2 == 0:
        sample_size += 1
    observed = np.asarray(observed, float)
    permutations = null.shape[1]
    positive = observed >= 0
    # fgsea's nMoreExtreme and modeFraction (the simple run's counts)
    more_extreme = np.where(
        positive, (null >= observed[:, None]).sum(axis=1), (null < observed[:, None]).sum(axis=1)
    )
    same_sign = np.where(positive, (null >= 0).sum(axis=1), (null < 0).sum(axis=1))
    sign_probability = (same_sign + 1) / (permutations + 1)  # fgsea's denomProb
    log2err = simple_log2err(more_extreme, permutations)
    refine_this = (same_sign >= 10) & (
        multilevel_error((more_extreme + 1) / (permutations + 1), sample_size)
        < simple_error(more_extreme, permutations)
    )
    pvalue = np.full(len(observed), np.nan)
    sizes = np.array([len(h) for h in hits])
    weights = np.ascontiguousarray(weights, dtype=float)
    reversed_weights = np.ascontiguousarray(weights[::-1])
    tasks = []  # one ruler per set size and score sign, as fgsea builds them
    for k in np.unique(sizes[refine_this]):
        group = np.flatnonzero(refine_this & (sizes == k))
        max_levels = _max_levels(eps * sign_probability[group].min())
        for sign in (True, False):
            members = group[positive[group] == sign]
            if len(members):
                tasks.append((int(k), sign, members, max_levels))

    def build(task):
        k, sign, members, max_levels = task
        ranks = weights if sign else reversed_weights
        target = float(np.abs(observed[members]).max())
        stream = np.random.default_rng([seed, k, int(sign)])
        return _ruler(ranks, k, sample_size, target, stream, max_levels)

    if threads > 1 and len(tasks) > 1:
        # largest sets first: a level costs about k moves of every sample, so the costliest
        # rulers start at once and the small ones fill the gaps (each task has its own stream,
        # so the order changes no result)
        tasks.sort(key=lambda task: -task[0])
        with ThreadPoolExecutor(threads) as pool:  # the compiled chain releases the GIL
            rulers = list(pool.map(build, tasks))
    else:
        rulers = [build(task) for task in tasks]
    for (_, _, members, _), (ruler, corrector) in zip(tasks, rulers, strict=True):
        for i in members:
            p, good = _ruler_pvalue(ruler, corrector, abs(observed[i]), sample_size)
            p = min(1.0, p / sign_probability[i])
            pvalue[i] = p
            log2err[i] = multilevel_error(p, sample_size) if good else np.nan
    below = refine_this & (pvalue < eps)
    pvalue[below] = eps
    log2err[below] = np.nan
    return Refined(pvalue=pvalue, log2err=log2err, refined=refine_this)


def multilevel_error(pvalue: np.ndarray | float, sample_size: int) -> np.ndarray:
    """fgsea's ``multilevelError``: the expected SD of log2 p after the levels p needs."""
    levels = np.floor(-np.log2(pvalue) + 1)
    one_level = polygamma(1, (sample_size + 1) // 2) - polygamma(1, sample_size + 1)
    return np.sqrt(levels * one_level) / math.log(2)


def simple_error(more_extreme: np.ndarray, permutations: int) -> np.ndarray:
    """Half the widest side of the 95% Beta interval of a permutation p, in log2 (fgsea)."""
    with np.errstate(divide="ignore"):
        left = np.log2(beta.ppf(0.025, more_extreme, permutations - more_extreme + 1))
        right = np.log2(beta.ppf(0.975, more_extreme + 1, permutations - more_extreme))
    crude = np.log2((more_extreme + 1) / (permutations + 1))
    return 0.5 * np.fmax(crude - left, right - crude)


def simple_log2err(more_extreme: np.ndarray, permutations: int) -> np.ndarray:
    """fgsea's log2err of a permutation p: SD of log2 of a Beta(nMoreExtreme + 1, ...) p."""
    spread = polygamma(1, more_extreme + 1.0) - polygamma(1, permutations + 1.0)
    return np.sqrt(spread) / math.log(2)


def _max_levels(eps: float) -> int:
    """fgsea stops adding levels once k > -log2(eps / 2); with eps = 0 it never does."""
    if eps <= 0:
        return 1 << 30
    return int(math.floor(-math.log2(0.5 * eps))) + 1


def _ruler_pvalue(
    ruler: np.ndarray, corrector: np.ndarray, es: float, sample_size: int
) -> tuple[float, bool]:
    """fgsea's ``EsRuler::getPvalue`` (sign = false): P(ES ≥ es and the score is positive)."""
    half = (sample_size + 1) // 2
    good = True
    if es >= ruler[-1]:
        index = len(ruler) - 1
        good = not es > ruler[-1] + 1e-10  # beyond the ruler
    else:
        index = int(np.searchsorted(ruler, es, side="left"))
    levels = index // half
    remainder = sample_size - index % half
    level_log = digamma(half) - digamma(sample_size + 1)
    log_p = levels * level_log + digamma(remainder + 1) - digamma(sample_size + 1)
    correction = digamma(corrector[index] + 1) - digamma(remainder + 1)
    good = good and math.exp(correction) >= 0.5
    return max(0.0, min(1.0, math.exp(log_p + correction))), good


@njit(cache=True, nogil=True)
def _positive_es(ranks, positions, k, n, total):  # fgsea calcPositiveES
    q1 = 1.0 / (n - k)
    q2 = 1.0 / total
    current = 0.0
    best = 0.0
    last = -1
    for j in range(k):
        position = positions[j]
        current += q2 * ranks[position] - q1 * (position - last - 1)
        if current > best:
            best = current
        last = position
    return best


@njit(cache=True, nogil=True)
def _signed_es(ranks, positions, k, n):  # fgsea calcES
    total = 0.0
    for j in range(k):
        total += ranks[positions[j]]
    q1 = 1.0 / (n - k)
    q2 = 1.0 / total
    current = 0.0
    best = 0.0
    last = -1
    for j in range(k):
        position = positions[j]
        current -= q1 * (position - last - 1)
        if abs(current) > abs(best):
            best = current
        current += q2 * ranks[position]
        if abs(current) > abs(best):
            best = current
        last = position
    return best


@njit(cache=True, nogil=True)
def _stable_order(values):
    """Indices that sort ``values``, ties by index as fgsea's sort of (score, id) pairs
    (insertion sort: ~100 values; numpy's argsort costs seconds of compilation)."""
    order = np.arange(values.shape[0])
    for i in range(1, values.shape[0]):
        current = order[i]
        j = i
        while j > 0 and values[order[j - 1]] > values[current]:
            order[j] = order[j - 1]
            j -= 1
        order[j] = current
    return order


@njit(cache=True, nogil=True)
def _order_statistic(values, rank):
    """The ``rank``-th smallest of ``values`` (reordered in place): Hoare's selection, linear
    time, where sorting the column of every chunk boundary at every level cost ~0.3 s of a GO
    run. The value is the sorted array's, whatever the order of equal values."""
    low, high = 0, values.shape[0] - 1
    while low < high:
        pivot = values[(low + high) // 2]
        i, j = low, high
        while i <= j:
            while values[i] < pivot:
                i += 1
            while values[j] > pivot:
                j -= 1
            if i <= j:
                values[i], values[j] = values[j], values[i]
                i += 1
                j -= 1
        if rank <= j:
            high = j
        elif rank >= i:
            low = i
        else:
            break
    return values[rank]


@njit(cache=True, nogil=True)
def _uniform_below(rng, n):
    """A uniform integer in [0, n): ``rng.integers`` costs 26 ns in numba, this 3 ns (the
    bias of flooring a 53-bit uniform is below 1e-11 for any gene count)."""
    return min(int(rng.random() * n), n - 1)


@njit(cache=True, nogil=True)
def _random_set(n, k, taken, chosen, rng):
    """k distinct genes of n, uniformly (fgsea's ``combination``: redraw a taken gene), in
    order (read off the taken marks: no sort to compile)."""
    for gene in range(n):
        taken[gene] = False
    for _ in range(k):
        while True:
            gene = _uniform_below(rng, n)
            if not taken[gene]:
                break
        taken[gene] = True
    j = 0
    for gene in range(n):
        if taken[gene]:
            chosen[j] = gene
            j += 1


@njit(cache=True, nogil=True)
def _duplicate(ranks, samples, k, n, ruler, corrector, filled):
    """fgsea ``duplicateSamples``: record the lower half's scores, clone the upper half."""
    size = samples.shape[0]
    scores = np.empty(size)
    positive = np.zeros(size, np.bool_)
    total_positive = 0
    for s in range(size):
        total = 0.0
        for j in range(k):
            total += ranks[samples[s, j]]
        scores[s] = _positive_es(ranks, samples[s], k, n, total)
        if _signed_es(ranks, samples[s], k, n) > 0:
            positive[s] = True
            total_positive += 1
    order = _stable_order(scores)
    s = 0
    while 2 * s < size:
        ruler[filled] = scores[order[s]]
        if positive[order[s]]:
            total_positive -= 1
        corrector[filled] = total_positive
        filled += 1
        s += 1
    # rows to keep: the upper half twice over, and the median once (explicit loops: numpy's
    # fancy row copies cost seconds of compilation and nothing at run time)
    keep = np.empty(size, np.int64)
    row = 0
    s = 0
    while 2 * s < size - 2:
        keep[row] = order[size - 1 - s]
        keep[row + 1] = order[size - 1 - s]
        row += 2
        s += 1
    keep[row] = order[size >> 1]
    fresh = np.empty((size, k), np.int64)
    for r in range(size):
        for j in range(k):
            fresh[r, j] = samples[keep[r], j]
    for r in range(size):
        for j in range(k):
            samples[r, j] = fresh[r, j]
    return filled


@njit(cache=True, nogil=True)
def _perturb(ranks, k, chunk_last, chunk_of, members, counts, sums, bound, rng):
    """fgsea ``perturbate`` on one sample held in value chunks: max(1, k/10) proposals to swap a
    random member for a random gene, each kept only if the set's positive running sum still
    exceeds ``bound``. A proposed gene's chunk is read off ``chunk_of`` (a table per level).
    A chunk whose best case (all its weight added before its misses) stays below ``bound`` is
    skipped whole, and the hit where the last kept set first exceeded it (the candidate) is
    followed through the swaps: while it still exceeds, no scan is needed.
    """
    n = ranks.shape[0]
    n_chunks = chunk_last.shape[0]
    total = 0.0
    for c in range(n_chunks):
        for j in range(counts[c]):
            total += ranks[members[c, j]]
    q1 = 1.0 / (n - k)
    moves = 0
    has_candidate = False
    candidate, candidate_x, candidate_y = -1, 0, 0.0
    for _ in range(max(1, int(k * 0.1))):
        old_slot = _uniform_below(rng, k)
        old_chunk = 0
        while counts[old_chunk] <= old_slot:
            old_slot -= counts[old_chunk]
            old_chunk += 1
        old = members[old_chunk, old_slot]
        new = _uniform_below(rng, n)
        new_chunk = chunk_of[new]  # the first chunk ending above it
        new_slot = 0  # its members below ``new``: a branch-free count over ~√k members
        for j in range(counts[new_chunk]):
            new_slot += members[new_chunk, j] < new
        if new_slot < counts[new_chunk] and members[new_chunk, new_slot] == new:
            if new == old:
                moves += 1
            continue
        # swap: erase ``old``, insert ``new`` in order
        for j in range(old_slot, counts[old_chunk] - 1):
            members[old_chunk, j] = members[old_chunk, j + 1]
        counts[old_chunk] -= 1
        insert_at = new_slot - (1 if old_chunk == new_chunk and old_slot < new_slot else 0)
        for j in range(counts[new_chunk], insert_at, -1):
            members[new_chunk, j] = members[new_chunk, j - 1]
        members[new_chunk, insert_at] = new
        counts[new_chunk] += 1
        total = total - ranks[old] + ranks[new]
        sums[old_chunk] -= ranks[old]
        sums[new_chunk] += ranks[new]
        if has_candidate and old == candidate:
            has_candidate = False
        if has_candidate:
            if old < candidate:
                candidate_x += 1
                candidate_y -= ranks[old]
            if new < candidate:
                candidate_x -= 1
                candidate_y += ranks[new]
        q2 = 1.0 / total
        if has_candidate and -q1 * candidate_x + q2 * candidate_y > bound:
            moves += 1
            continue
        x = 0
        y = 0.0
        last = -1
        ok = False
        for c in range(n_chunks):
            if q2 * (y + sums[c]) - q1 * x < bound:
                y += sums[c]
                x += chunk_last[c] - last - 1 - counts[c]
                last = chunk_last[c] - 1
                continue
            for j in range(counts[c]):
                position = members[c, j]
                y += ranks[position]
                x += position - last - 1
                if q2 * y - q1 * x > bound:
                    ok = True
                    has_candidate = True
                    candidate, candidate_x, candidate_y = position, x, y
                    break
                last = position
            if ok:
                break
            x += chunk_last[c] - 1 - last
            last = chunk_last[c] - 1
        if ok:
            moves += 1
            continue
        # undo the swap
        total = total - ranks[new] + ranks[old]
        sums[old_chunk] += ranks[old]
        sums[new_chunk] -= ranks[new]
        for j in range(insert_at, counts[new_chunk] - 1):
            members[new_chunk, j] = members[new_chunk, j + 1]
        counts[new_chunk] -= 1
        for j in range(counts[old_chunk], old_slot, -1):
            members[old_chunk, j] = members[old_chunk, j - 1]
        members[old_chunk, old_slot] = old
        counts[old_chunk] += 1
        if has_candidate and new == candidate:
            has_candidate = False
        if has_candidate:
            if old < candidate:
                candidate_x -= 1
                candidate_y += ranks[old]
            if new < candidate:
                candidate_x += 1
                candidate_y -= ranks[new]
    return moves


@njit(cache=True, nogil=True)
def _ruler(ranks, k, sample_size, target, rng, max_levels):
    """fgsea ``EsRuler::extend``: levels of positive scores up to ``target``."""
    n = ranks.shape[0]
    samples = np.empty((sample_size, k), np.int64)
    taken = np.zeros(n, np.bool_)
    for s in range(sample_size):
        _random_set(n, k, taken, samples[s], rng)
    half = (sample_size + 1) // 2
    capacity = half * 64
    ruler = np.empty(capacity)
    corrector = np.empty(capacity, np.int64)
    filled = _duplicate(ranks, samples, k, n, ruler, corrector, 0)
    n_chunks = max(1, int(math.sqrt(k)))
    chunk_last = np.empty(n_chunks, np.int64)
    chunk_last[n_chunks - 1] = n
    members = np.empty((sample_size, n_chunks, k), np.int64)
    counts = np.zeros((sample_size, n_chunks), np.int64)
    sums = np.zeros((sample_size, n_chunks))
    chunk_of = np.empty(n, np.int64)
    column = np.empty(sample_size, np.int64)
    while ruler[filled - 1] <= target - 1e-10:
        bound = ruler[filled - 1]
        # chunk boundaries: across samples, the median member at each √k-th slot
        slot = 0
        for c in range(n_chunks - 1):
            slot += (k + c) // n_chunks
            for s in range(sample_size):
                column[s] = samples[s, slot]
            chunk_last[c] = _order_statistic(column, sample_size // 2)
        start = 0  # each gene's chunk, looked up by every proposal of this level
        for c in range(n_chunks):
            end = max(start, chunk_last[c])
            chunk_of[start:end] = c
            start = end
        counts[:] = 0
        sums[:] = 0.0
        for s in range(sample_size):
            c = 0
            for j in range(k):
                position = samples[s, j]
                while chunk_last[c] <= position:
                    c += 1
                members[s, c, counts[s, c]] = position
                counts[s, c] += 1
                sums[s, c] += ranks[position]
        moves = 0
        while moves < sample_size * k:
            for s in range(sample_size):
                moves += _perturb(
                    ranks, k, chunk_last, chunk_of, members[s], counts[s], sums[s], bound, rng
                )
        for s in range(sample_size):
            j = 0
            for c in range(n_chunks):
                for i in range(counts[s, c]):
                    samples[s, j] = members[s, c, i]
                    j += 1
        if filled + half > capacity:  # grow
            capacity *= 2
            grown = np.empty(capacity)
            grown[:filled] = ruler[:filled]
            ruler = grown
            grown_corrector = np.empty(capacity, np.int64)
            grown_corrector[:filled] = corrector[:filled]
            corrector = grown_corrector
        previous = ruler[filled - 1]
        filled = _duplicate(ranks, samples, k, n, ruler, corrector, filled)
        if ruler[filled - 1] <= previous:  # the median could not advance
            break
        if filled // half > max_levels - 1:
            break
    return ruler[:filled], corrector[:filled]
