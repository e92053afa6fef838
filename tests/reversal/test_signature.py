"""Signature-level reversal on simulated data with a known answer, through pydeseq2: the naive
figure is fooled by a null treatment and says so through its null expectation; the corrected
estimate and its CI find the planted truth; 3-replicate designs get a verdict."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import LENIENT, NOISY, RULE, analysed, reversal_data, slope_truth

from signature_reversal.settings import VerdictRule

CALLS = ("reverses", "partially reverses")


@pytest.fixture(scope="module")
def curated(curated_sets):
    return curated_sets


def test_naive_slope_is_fooled_by_a_null_treatment_and_the_correction_is_not(curated):
    observed, expected, corrected = [], [], []
    for seed in range(6):
        analysis = analysed(reversal_data(curated, "none", seed, n_per_group=3, **NOISY), LENIENT)
        slope = analysis.signature(LENIENT).slope
        observed.append(slope.observed)
        expected.append(slope.null_expected)
        corrected.append(slope.estimate)
    assert np.mean(observed) < -0.15  # pure noise "reverses" the naive slope …
    assert np.mean(observed) == pytest.approx(np.mean(expected), abs=0.06)  # … and we say so
    assert abs(np.mean(corrected)) < abs(np.mean(observed)) / 3


def test_null_treatment_is_not_called_reversal_at_3_replicates(curated):
    verdicts = [
        analysed(reversal_data(curated, "none", 100 + seed, n_per_group=3)).signature(RULE).verdict
        for seed in range(30)
    ]
    false_calls = sum(v in CALLS for v in verdicts)
    assert false_calls <= 4, verdicts  # 5% of 30 is 1.5; 5+ has probability < 2%


def test_three_replicates_get_a_verdict_and_the_ci_covers_the_truth(curated):
    for seed in range(4):
        data = reversal_data(
            curated, "reverse", 200 + seed, n_per_group=3, set_reversal=False, reversal_fraction=0.7
        )
        analysis = analysed(data)
        result = analysis.signature(RULE)
        assert result.null.method == "rotation" and result.p_reversal < 0.01
        assert result.verdict in CALLS, result.reason
        truth = slope_truth(analysis)
        assert result.slope.ci_low <= truth <= result.slope.ci_high, (truth, result.slope)


def test_planted_reversal_and_aggravation_are_found(curated):
    for seed in range(3):
        result = analysed(reversal_data(curated, "reverse", 300 + seed)).signature(RULE)
        assert result.verdict == "reverses", result.reason
        assert -1.0 < result.slope.estimate < -0.5
        analysis = analysed(reversal_data(curated, "aggravate", 400 + seed))
        result = analysis.signature(RULE)
        assert result.verdict == "aggravates", result.reason
        assert result.slope.ci_low <= slope_truth(analysis) <= result.slope.ci_high


def test_partial_reversal_is_called_partial(curated):
    data = reversal_data(
        curated, "reverse", 5, n_per_group=5, set_reversal=False, reversal_fraction=0.3
    )
    result = analysed(data).signature(RULE)
    assert result.verdict == "partially reverses", result.reason
    assert result.slope.ci_high > RULE.full_reversal_slope


def test_improvement_and_connectivity_follow_the_plant(curated):
    data = reversal_data(curated, "reverse", 31, set_reversal=False, reversal_fraction=0.5)
    result = analysed(data).signature(RULE)
    for figure in (result.percent_improvement_up, result.percent_improvement_down):
        assert 35 < figure.estimate < 65 and figure.ci_low < 50 < figure.ci_high
        assert figure.null_expected < 15
    assert result.connectivity["observed"] < -0.3 and result.connectivity["p"] < 0.05
    null = analysed(reversal_data(curated, "none", 32)).signature(RULE)
    assert abs(null.percent_improvement_up.estimate) < 10 and null.connectivity["p"] > 0.05


def test_too_few_disease_genes_or_relabellings_give_no_evidence(curated):
    strict = VerdictRule.from_config(disease_min_abs_log2fc=50, permutations=50)
    result = analysed(reversal_data(curated, "reverse", 1), strict).signature(strict)
    assert result.verdict == "no evidence" and "disease genes" in result.reason
    relabel = VerdictRule.from_config(null_method="relabelling", min_disease_genes=10)
    analysis = analysed(reversal_data(curated, "reverse", 4, n_per_group=3), relabel)
    result = analysis.signature(relabel)
    assert result.verdict == "no evidence" and "too few samples" in result.reason
    assert result.null.exact and result.null.smallest_p == pytest.approx(1 / 20)
    assert -1.0 < result.slope.estimate < -0.4  # still estimated, shown descriptively


def test_the_null_stops_early_only_when_every_p_value_is_clearly_large(curated):
    """Besag & Clifford: a do-nothing treatment needs a few dozen draws; a planted reversal
    still gets every draw and the smallest p the null can give."""
    rule = VerdictRule.from_config(
        permutations=200, min_disease_genes=10, calibration_worlds=10, sequential_exceedances=20
    )
    nothing = analysed(reversal_data(curated, "none", 402, n_per_group=4)).signature(rule)
    assert nothing.null_draws_used < nothing.null.draws and nothing.rotation_p_reversal > 0.1
    assert nothing.to_dict()["null"]["draws_used"] == nothing.null_draws_used
    strong = analysed(reversal_data(curated, "reverse", 300)).signature(rule)
    assert strong.null_draws_used == strong.null.draws
    assert strong.rotation_p_reversal == pytest.approx(1 / (strong.null.draws + 1))
    assert strong.to_dict()["null"]["p_reversal"] == strong.rotation_p_reversal
    everything = analysed(reversal_data(curated, "none", 402, n_per_group=4)).signature(
        VerdictRule.from_config(
            permutations=200, min_disease_genes=10, calibration_worlds=10, sequential_exceedances=0
        )
    )
    assert everything.null_draws_used == everything.null.draws
    assert everything.verdict == nothing.verdict
