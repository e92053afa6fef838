"""Relabellings: every split enumerated when few, sampled when many; p-values never 0."""

from __future__ import annotations

import math

import numpy as np
import pytest

from signature_reversal.reversal.relabelling import make_groups, permutation_pvalues, relabellings
from signature_reversal.roles import ROLES


def test_relabellings_enumerate_all_splits_with_observed_first():
    groups = make_groups(np.zeros((3, 12)), np.repeat(ROLES, 4))
    splits, exact = relabellings(groups, 1000, seed=0)
    assert exact and len(splits) == math.comb(8, 4)
    np.testing.assert_array_equal(splits[0][0], groups.disease)
    assert len({tuple(a) for a, _ in splits}) == len(splits)
    sampled, exact = relabellings(groups, 50, seed=0)
    assert not exact and len(sampled) == 50


def test_permutation_pvalues():
    null = np.array([0.0, 1.0, 2.0, 3.0])
    assert permutation_pvalues(0.0, null, exact=True) == (0.25, 1.0)
    lower, upper = permutation_pvalues(3.5, null, exact=False)
    assert lower == 1.0 and upper == pytest.approx(1 / 5)
