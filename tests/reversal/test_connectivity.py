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
