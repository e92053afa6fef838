"""The CMap connectivity score at its extremes."""

from __future__ import annotations

import numpy as np
import pytest

from signature_reversal.reversal.connectivity import connectivity, ks_enrichment


def test_ks_enrichment_and_connectivity_extremes():
    assert ks_enrichment(np.array([1, 2, 3]), 100) == pytest.approx(0.97)
    assert ks_enrichment(np.array([98, 99, 100]), 100) == pytest.approx(-0.98)
    ranking = np.arange(100, 0, -1.0)  # gene i has the i-th largest treatment effect
    up, down = np.zeros(100, bool), np.zeros(100, bool)
    up[-5:], down[:5] = True, True  # disease-up genes pushed to the bottom: reversal
    assert connectivity(ranking, up, down) == pytest.approx((-0.96 - 0.95) / 2)
    assert connectivity(ranking, down, up) == pytest.approx((0.95 + 0.96) / 2)
    assert connectivity(ranking, up, up) == 0.0


def test_positions_are_the_stable_ranks_with_and_without_ties():
    """Positions by binary search equal those of a stable sort of the whole ranking."""
    from signature_reversal.reversal.connectivity import _positions

    rng = np.random.default_rng(3)
    for ranking in (rng.normal(size=500), np.round(rng.normal(size=500), 1)):
        genes = rng.random(500) < 0.1
        order = np.argsort(-ranking, kind="stable")
        position = np.empty(500, dtype=int)
        position[order] = np.arange(1, 501)
        np.testing.assert_array_equal(_positions(ranking, genes), position[genes])
