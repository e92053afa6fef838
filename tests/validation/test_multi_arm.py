"""A fast subset of the multi-arm validation (benchmarks/multi_arm_study.py): simulated studies
with two treated arms through DE and the reversal statistics, each arm judged and the two
compared; the planted difference must come out, and equal arms must not differ."""

from __future__ import annotations

import pytest
from helpers import RULE

from signature_reversal.validation import multi_arm


@pytest.fixture(scope="module")
def strong_vs_none():
    return multi_arm.evaluate_study("gamma effects", "0.7/0", 3, 11, RULE, n_genes=2500)


def test_each_arm_gets_its_own_verdict(strong_vs_none):
    arms = {r["arm"]: r for r in strong_vs_none if r["kind"] == "arm"}
    assert arms["nmn"]["verdict"] == "reverses"
    assert arms["drug_b"]["verdict"] == "no meaningful reversal"  # CI within ±0.1
    assert arms["nmn"]["slope_covered"] and arms["drug_b"]["slope_covered"]


def test_the_planted_difference_is_found_and_covered(strong_vs_none):
    difference = next(r for r in strong_vs_none if r["kind"] == "difference")
    for name in ("slope", "percent_improvement_up", "percent_improvement_down"):
        assert difference[f"{name}_covered"], (name, difference)
        assert difference[f"{name}_p"] < 0.01
    assert difference["slope_truth"] < -0.6  # 70% reversal vs none


def test_equal_arms_paired_with_strong_patient_effects():
    rows = multi_arm.evaluate_study("gamma effects", "0.7/0.7", 3, 12, RULE, 2500, paired=True)
    difference = next(r for r in rows if r["kind"] == "difference")
    assert abs(difference["slope_truth"]) < 1e-9
    assert difference["slope_covered"] and difference["slope_p"] > 0.05
    assert all(r["verdict"] == "reverses" for r in rows if r["kind"] == "arm")
