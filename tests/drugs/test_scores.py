"""Connectivity scores equal a direct, line-by-line reading of their definitions: Lamb 2006's
KS statistic and clue.io's weighted connectivity score, on random cases with ties, one-gene
sets and sets of every size."""

from __future__ import annotations

import numpy as np
import pytest

from signature_reversal.drugs import scores


def direct_ks(statistic: np.ndarray, tags: list[int]) -> float:
    """Lamb et al. 2006: a = max j/t − V(j)/n, b = max V(j)/n − (j−1)/t."""
    order = sorted(range(len(statistic)), key=lambda g: (-statistic[g], g))
    n, t = len(statistic), len(tags)
    v = sorted(order.index(g) + 1 for g in tags)
    a = max(j / t - v[j - 1] / n for j in range(1, t + 1))
    b = max(v[j - 1] / n - (j - 1) / t for j in range(1, t + 1))
    return a if a > b else -b


def direct_es(statistic: np.ndarray, tags: list[int]) -> float:
    """GSEA's running sum walked over every gene of the ranking (weights |statistic|)."""
    order = sorted(range(len(statistic)), key=lambda g: (-statistic[g], g))
    members = set(tags)
    total = sum(abs(statistic[g]) for g in tags)
    misses = len(statistic) - len(tags)
    running, top, bottom = 0.0, 0.0, 0.0
    for g in order:
        if g in members:
            running += abs(statistic[g]) / total if total > 0 else 1 / len(tags)
        else:
            running -= 1 / misses
        top, bottom = max(top, running), min(bottom, running)
    return top if top > -bottom else bottom


def direct_connectivity(up: float, down: float, weighted: bool) -> float:
    if np.sign(up) == np.sign(down):
        return 0.0
    return (up - down) / 2 if weighted else up - down


@pytest.mark.parametrize("seed", range(6))
def test_scores_equal_the_definitions_on_random_cases(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 200))
    statistic = rng.normal(size=n)
    if seed % 2:  # ties: few distinct values
        statistic = np.round(statistic, 1)
    sizes = [1, 2, *rng.integers(3, n // 2, size=10)]
    up = [list(rng.choice(n, k, replace=False)) for k in sizes]
    down = [list(rng.choice(n, k, replace=False)) for k in sizes[::-1]]
    library = scores.Library([np.array(t) for t in up], [np.array(t) for t in down], n)
    for kind, direct in ((scores.KS, direct_ks), (scores.WEIGHTED, direct_es)):
        got = scores.tag_scores(statistic, [np.array(t) for t in up], kind)
        assert got == pytest.approx([direct(statistic, t) for t in up], abs=1e-12)
        combined = library.connectivity(statistic, kind)
        expected = [
            direct_connectivity(direct(statistic, u), direct(statistic, d), kind == scores.WEIGHTED)
            for u, d in zip(up, down, strict=True)
        ]
        assert combined == pytest.approx(expected, abs=1e-12)


def test_a_signature_that_mimics_the_ranking_scores_high_and_its_inverse_low():
    statistic = np.linspace(3, -3, 100)
    top, bottom, empty = np.arange(10), np.arange(90, 100), np.array([], dtype=int)
    library = scores.Library([top, bottom, empty], [bottom, top, top], 100)
    same, reverse, one_sided = library.connectivity(statistic)
    assert same > 0.9 and reverse < -0.9 and np.isnan(one_sided)
