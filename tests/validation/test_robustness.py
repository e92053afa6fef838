"""The robustness study's fast subset: a treatment that does nothing, in three families the
estimator was not tuned on (effects spread through the selection threshold, heavy-tailed
effects, real counts by plasmode), at 3 replicates. The headline figures must be centred on 0
and their intervals must cover it; the full study is ``benchmarks/robustness_study.py``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signature_reversal.settings import VerdictRule
from signature_reversal.validation import robustness

RULE = VerdictRule.from_config(permutations=50, calibration_worlds=15)
FAMILIES = ("gamma effects", "heavy-tailed effects", "plasmode GSE248978")


@pytest.fixture(scope="module")
def null_rows() -> pd.DataFrame:
    rows = [
        robustness.evaluate(family, "no effect", 3, 500 + seed, RULE, n_genes=2500)
        for family in FAMILIES
        for seed in range(4)
    ]
    return pd.DataFrame(rows)


def test_no_effect_reads_zero_across_families(null_rows):
    # the uncalibrated estimator read −0.05 (slope) and +9 points (% improvement of
    # disease-down genes) on such data; 12 datasets pin a mean to about ±0.01 and ±1.5 points
    assert abs(null_rows["slope_estimate"].mean()) < 0.025, null_rows["slope_estimate"]
    for figure in ("percent_improvement_up", "percent_improvement_down"):
        assert abs(null_rows[f"{figure}_estimate"].mean()) < 4.0, null_rows[f"{figure}_estimate"]


def test_no_effect_intervals_cover_zero_and_no_reversal_is_claimed(null_rows):
    for figure in ("slope", "percent_improvement_up", "percent_improvement_down"):
        covered = null_rows[f"{figure}_covered"].astype(float)
        assert covered.sum() >= 9, (figure, covered.tolist())  # 95% coverage: ≥ 9 of 12
    assert null_rows["verdict"].isin(robustness.CALLS).sum() <= 1, null_rows["verdict"].tolist()
    # not wider than needed: the implied standard error is within 2× the estimates' spread
    spread = null_rows["slope_estimate"].std(ddof=1)
    half = ((null_rows["slope_ci_high"] - null_rows["slope_ci_low"]) / 2 / 1.96).median()
    assert 0.5 < half / spread < 2.0, (half, spread)
    assert np.isfinite(null_rows["slope_estimate"]).all()


def _planted_rows(covered: list[bool], verdicts: list[str], treatment: str) -> pd.DataFrame:
    rows = []
    for seed, (hit, verdict) in enumerate(zip(covered, verdicts, strict=True)):
        row = {"family": "f", "treatment": treatment, "n_per_group": 3, "seed": seed}
        row["verdict"] = verdict
        for figure in ("slope", "percent_improvement_up", "percent_improvement_down"):
            row |= {
                f"{figure}_truth": 0.0,
                f"{figure}_estimate": 0.05 if figure == "slope" else 0.0,
                f"{figure}_ci_low": -1.0,
                f"{figure}_ci_high": 1.0,
                f"{figure}_covered": hit,
                f"{figure}_note": "",
            }
        rows.append(row)
    return pd.DataFrame(rows)


def test_targets_report_what_was_planted():
    # 43 of 50 covered (86%), 5 false calls in 50 (10%), a null slope bias of +0.05
    rows = _planted_rows(
        [True] * 43 + [False] * 7, ["partially reverses"] * 5 + ["no evidence"] * 45, "no effect"
    )
    targets = robustness.check_targets(rows).set_index("target")
    low = "every row of ≥ 50 datasets × figure: coverage ≥ 90%"
    high = "every row of ≥ 50 datasets × figure: coverage ≤ 99% (no wider than needed)"
    assert not targets.loc[low, "met"] and "86%" in targets.loc[low, "result"]
    assert targets.loc[high, "met"]
    assert not targets.loc["slope, pooled: CI coverage in 90–99%", "met"]
    assert not targets.loc["no effect: mean slope within ±0.01", "met"]
    assert targets.loc["no effect: mean percent_improvement_up within ±1", "met"]
    false_calls = targets.loc["false reversal calls ≤ 1% pooled, ≤ 5% in every row (no effect)"]
    assert not false_calls["met"] and "10.0% (5/50" in false_calls["result"]
    everywhere = robustness.check_targets(
        _planted_rows([True] * 50, ["no evidence"] * 50, "no effect")
    )
    assert not everywhere.set_index("target").loc[high, "met"]
    # rows of 10 datasets are not judged cell by cell
    few = robustness.check_targets(_planted_rows([True] * 10, ["no evidence"] * 10, "no effect"))
    assert high not in set(few["target"])
