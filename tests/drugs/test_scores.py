"""Connectivity scores equal a direct, line-by-line reading of their definitions: Lamb 2006's
KS statistic and clue.io's weighted connectivity score, on random cases with ties, one-gene
sets and sets of every size."""

from __future__ import annotations

import numpy as np
import pytest
from connectivity_definitions import direct_connectivity, direct_es, direct_ks

from signature_reversal.drugs import scores


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
