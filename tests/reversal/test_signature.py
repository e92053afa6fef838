"""Signature-level reversal: calibrated under a null treatment, powerful under planted reversal.

The calibration tests use a fast stand-in for DESeq2 (t-tests on log normalized counts) so
that dozens of seeded datasets run in seconds; the DESeq2 path is covered by the workflow tests.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import LENIENT, NOISY, RULE, fast_analysis, reversal_data
from scipy import stats

from signature_reversal.reversal.signature import ols_slope, signature_verdict
from signature_reversal.settings import VerdictRule


@pytest.fixture(scope="module")
def curated(curated_sets):
    return curated_sets


def test_naive_reversal_is_fooled_by_a_null_treatment(curated):
    """The data used for calibration do show the pitfall: noise alone gives negative slopes."""
    slopes, naive_calls = [], 0
    for seed in range(20):
        genes, _ = fast_analysis(reversal_data(curated, "none", seed, **NOISY), LENIENT)
        disease = genes[genes["disease_gene"]]
        slopes.append(
            ols_slope(disease["disease_log2FC"].to_numpy(), disease["treatment_log2FC"].to_numpy())
        )
        r, p = stats.pearsonr(disease["disease_log2FC"], disease["treatment_log2FC"])
        naive_calls += (r < 0) and (p < 0.05)
    assert np.median(slopes) < -0.15
    assert naive_calls >= 15


def test_null_treatment_is_not_called_reversal(curated):
    verdicts = []
    for seed in range(40):
        genes, groups = fast_analysis(reversal_data(curated, "none", seed, **NOISY), LENIENT)
        verdicts.append(signature_verdict(genes, groups, LENIENT).verdict)
    false_reversal = sum(v in ("reverses", "partially reverses") for v in verdicts)
    assert false_reversal <= 5, verdicts  # 5% of 40 is 2; 6+ has probability < 2%


def test_planted_reversal_and_aggravation_are_found(curated):
    for seed in range(8):
        genes, groups = fast_analysis(reversal_data(curated, "reverse", 100 + seed))
        result = signature_verdict(genes, groups, RULE)
        assert result.verdict == "reverses", result
        assert result.slope_ci_low <= result.slope <= result.slope_ci_high
        assert -1.0 < result.slope < -0.4
        genes, groups = fast_analysis(reversal_data(curated, "aggravate", 200 + seed))
        assert signature_verdict(genes, groups, RULE).verdict == "aggravates"


def test_partial_reversal_is_called_partial(curated):
    data = reversal_data(
        curated, "reverse", 5, n_per_group=5, set_reversal=False, reversal_fraction=0.25
    )
    genes, groups = fast_analysis(data)
    result = signature_verdict(genes, groups, RULE)
    assert result.verdict == "partially reverses", result


def test_too_few_samples_and_too_small_signature_give_no_evidence(curated):
    genes, groups = fast_analysis(reversal_data(curated, "reverse", 1, n_per_group=2))
    result = signature_verdict(genes, groups, RULE)
    assert result.verdict == "no evidence" and "too few samples" in result.reason
    strict = VerdictRule.from_config(disease_min_abs_log2fc=50, bootstrap=50)
    genes, groups = fast_analysis(reversal_data(curated, "reverse", 1), strict)
    result = signature_verdict(genes, groups, strict)
    assert result.verdict == "no evidence" and "disease genes" in result.reason


def test_improvement_and_connectivity_follow_the_plant(curated):
    genes, groups = fast_analysis(
        reversal_data(curated, "reverse", 31, set_reversal=False, reversal_fraction=0.5)
    )
    result = signature_verdict(genes, groups, RULE)
    for direction in ("up", "down"):
        value = getattr(result, f"percent_improvement_{direction}")
        low = getattr(result, f"percent_improvement_{direction}_ci_low")
        high = getattr(result, f"percent_improvement_{direction}_ci_high")
        assert 25 < value < 75 and low <= value <= high  # half of the genes fully restored
    assert result.connectivity < -0.3 and result.p_connectivity < 0.05
    genes, groups = fast_analysis(reversal_data(curated, "none", 32))
    null = signature_verdict(genes, groups, RULE)
    assert abs(null.percent_improvement_up) < 25 and null.p_connectivity > 0.05


def test_too_few_samples_still_reports_the_estimates(curated):
    genes, groups = fast_analysis(reversal_data(curated, "reverse", 4, n_per_group=3))
    result = signature_verdict(genes, groups, RULE)
    assert result.verdict == "no evidence" and "too few samples" in result.reason
    assert result.min_attainable_p == pytest.approx(1 / 20)
    assert -1.0 < result.slope < -0.4  # shown descriptively
