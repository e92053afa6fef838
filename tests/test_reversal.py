"""Reversal statistics: calibrated under a null treatment, powerful under planted reversal.

The calibration tests use a fast stand-in for DESeq2 (t-tests on log normalized counts) so
that dozens of seeded datasets run in seconds; the DESeq2 path is covered by the workflow test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import MOUSE_CURATED
from scipy import stats

from signature_reversal import reversal, simulate, validation
from signature_reversal.genesets import read_gmt
from signature_reversal.roles import ROLES

RULE = reversal.VerdictRule(permutations=1000, bootstrap=50, min_disease_genes=10)
# Noisy data and a lenient disease-gene rule: many selected genes carry mostly noise, which is
# where the shared-disease-group pitfall bites hardest.
NOISY = dict(
    lfc_min=0.4, lfc_extra_mean=0.4, dispersion_asymptote=0.1, background_disease_fraction=0.1
)
LENIENT = reversal.VerdictRule(
    disease_padj=0.5, disease_min_abs_log2fc=0.5, bootstrap=50, min_disease_genes=10
)


def fast_analysis(data, rule=RULE):
    return validation.fast_analysis(data, rule)


def _data(curated, treatment, seed, n_per_group=4, set_reversal=True, **extra):
    # set_reversal=False: every disease gene reverts with SimulationSpec.reversal_fraction
    planted = validation.planted_sets(curated, None if set_reversal else {})
    named = [g for s in planted.values() for g in s.genes]
    spec = simulate.SimulationSpec(n_per_group=n_per_group, seed=seed, treatment=treatment, **extra)
    return simulate.simulate(simulate.gene_universe(1200, named), planted, spec)


@pytest.fixture(scope="module")
def curated():
    return {s.name: s.genes for s in read_gmt(MOUSE_CURATED)}


def test_relabellings_enumerate_all_splits_with_observed_first():
    groups = reversal.make_groups(np.zeros((3, 12)), np.repeat(ROLES, 4))
    splits, exact = reversal.relabellings(groups, 1000, seed=0)
    assert exact and len(splits) == math.comb(8, 4)
    np.testing.assert_array_equal(splits[0][0], groups.disease)
    assert len({tuple(a) for a, _ in splits}) == len(splits)
    sampled, exact = reversal.relabellings(groups, 50, seed=0)
    assert not exact and len(sampled) == 50


def test_permutation_pvalues():
    null = np.array([0.0, 1.0, 2.0, 3.0])
    assert reversal.permutation_pvalues(0.0, null, exact=True) == (0.25, 1.0)
    lower, upper = reversal.permutation_pvalues(3.5, null, exact=False)
    assert lower == 1.0 and upper == pytest.approx(1 / 5)


def test_classify_disease_genes():
    genes = pd.DataFrame(
        {
            "disease_log2FC": [2, 2, 2, 2, 2, 2],
            "treatment_log2FC": [-2, -0.5, -4, 1, -2, -2],
            "treatment_padj": [0.01, 0.01, 0.01, 0.01, 0.5, 0.01],
            "disease_gene": [True, True, True, True, True, False],
        }
    )
    genes["improvement"] = -genes["treatment_log2FC"] / genes["disease_log2FC"]
    assert reversal.classify(genes, 0.05).tolist() == [
        "reversed",
        "partial",
        "overshoot",
        "aggravated",
        "unchanged",
        "",
    ]


def test_naive_reversal_is_fooled_by_a_null_treatment(curated):
    """The data used for calibration do show the pitfall: noise alone gives negative slopes."""
    slopes, naive_calls = [], 0
    for seed in range(20):
        genes, _ = fast_analysis(_data(curated, "none", seed, **NOISY), LENIENT)
        disease = genes[genes["disease_gene"]]
        slopes.append(
            reversal._slope(
                disease["disease_log2FC"].to_numpy(), disease["treatment_log2FC"].to_numpy()
            )
        )
        r, p = stats.pearsonr(disease["disease_log2FC"], disease["treatment_log2FC"])
        naive_calls += (r < 0) and (p < 0.05)
    assert np.median(slopes) < -0.15
    assert naive_calls >= 15


def test_null_treatment_is_not_called_reversal(curated):
    verdicts = []
    for seed in range(40):
        genes, groups = fast_analysis(_data(curated, "none", seed, **NOISY), LENIENT)
        verdicts.append(reversal.signature_verdict(genes, groups, LENIENT).verdict)
    false_reversal = sum(v in ("reverses", "partially reverses") for v in verdicts)
    assert false_reversal <= 5, verdicts  # 5% of 40 is 2; 6+ has probability < 2%


def test_planted_reversal_and_aggravation_are_found(curated):
    for seed in range(8):
        genes, groups = fast_analysis(_data(curated, "reverse", 100 + seed))
        result = reversal.signature_verdict(genes, groups, RULE)
        assert result.verdict == "reverses", result
        assert result.slope_ci_low <= result.slope <= result.slope_ci_high
        assert -1.0 < result.slope < -0.4
        genes, groups = fast_analysis(_data(curated, "aggravate", 200 + seed))
        assert reversal.signature_verdict(genes, groups, RULE).verdict == "aggravates"


def test_partial_reversal_is_called_partial(curated):
    data = _data(curated, "reverse", 5, n_per_group=5, set_reversal=False, reversal_fraction=0.25)
    genes, groups = fast_analysis(data)
    result = reversal.signature_verdict(genes, groups, RULE)
    assert result.verdict == "partially reverses", result


def test_too_few_samples_and_too_small_signature_give_no_evidence(curated):
    genes, groups = fast_analysis(_data(curated, "reverse", 1, n_per_group=2))
    result = reversal.signature_verdict(genes, groups, RULE)
    assert result.verdict == "no evidence" and "too few samples" in result.reason
    strict = reversal.VerdictRule(disease_min_abs_log2fc=50, bootstrap=50)
    genes, groups = fast_analysis(_data(curated, "reverse", 1), strict)
    result = reversal.signature_verdict(genes, groups, strict)
    assert result.verdict == "no evidence" and "disease genes" in result.reason


def _all_changed(sets):
    return pd.DataFrame({"gene_set": list(sets), "NES": 1.0, "fdr": 0.0})


def test_gene_set_verdicts_follow_the_plant(curated):
    data = _data(curated, "reverse", 9, n_per_group=5)
    genes, groups = fast_analysis(data)
    planted = simulate.skin_planted_sets(curated)
    sets = {name: list(s.genes) for name, s in planted.items()}
    table = reversal.gene_set_verdicts(
        genes, groups, sets, _all_changed(sets), _all_changed(sets), RULE
    ).set_index("gene_set")
    assert table.loc["SKIN_JAK_STAT_AD_SIGNALING", "verdict"] == "reverses"
    assert table.loc["SKIN_JAK_STAT_AD_SIGNALING", "fraction_restored"] > 0.5
    row = table.loc["SKIN_BARRIER_CORNIFIED_ENVELOPE"]
    assert (
        row["fraction_restored_ci_low"]
        <= row["fraction_restored"]
        <= row["fraction_restored_ci_high"]
    )


def test_gene_set_verdicts_are_calibrated_under_null(curated):
    planted = simulate.skin_planted_sets(curated)
    sets = {name: list(s.genes) for name, s in planted.items()}
    calls = total = 0
    for seed in range(30):
        genes, groups = fast_analysis(_data(curated, "none", 300 + seed, **NOISY), LENIENT)
        table = reversal.gene_set_verdicts(
            genes, groups, sets, _all_changed(sets), _all_changed(sets), LENIENT
        )
        calls += table["verdict"].isin(["reverses", "partially reverses"]).sum()
        total += len(table)
    assert calls / total <= 0.08, (calls, total)


def test_gene_set_not_changed_by_disease_is_not_judged(curated):
    genes, groups = fast_analysis(_data(curated, "reverse", 2))
    sets = {"SKIN_JAK_STAT_AD_SIGNALING": list(curated["SKIN_JAK_STAT_AD_SIGNALING"])}
    gsea = pd.DataFrame({"gene_set": list(sets), "NES": 0.3, "fdr": 0.6})
    table = reversal.gene_set_verdicts(genes, groups, sets, gsea, gsea, RULE)
    assert table["verdict"].tolist() == ["not changed by disease"]


def test_ks_enrichment_and_connectivity_extremes():
    assert reversal.ks_enrichment(np.array([1, 2, 3]), 100) == pytest.approx(0.97)
    assert reversal.ks_enrichment(np.array([98, 99, 100]), 100) == pytest.approx(-0.98)
    ranking = np.arange(100, 0, -1.0)  # gene i has the i-th largest treatment effect
    up, down = np.zeros(100, bool), np.zeros(100, bool)
    up[-5:], down[:5] = True, True  # disease-up genes pushed to the bottom: reversal
    assert reversal.connectivity(ranking, up, down) == pytest.approx((-0.96 - 0.95) / 2)
    assert reversal.connectivity(ranking, down, up) == pytest.approx((0.95 + 0.96) / 2)
    assert reversal.connectivity(ranking, up, up) == 0.0


def test_improvement_and_connectivity_follow_the_plant(curated):
    genes, groups = fast_analysis(
        _data(curated, "reverse", 31, set_reversal=False, reversal_fraction=0.5)
    )
    result = reversal.signature_verdict(genes, groups, RULE)
    for direction in ("up", "down"):
        value = getattr(result, f"percent_improvement_{direction}")
        low = getattr(result, f"percent_improvement_{direction}_ci_low")
        high = getattr(result, f"percent_improvement_{direction}_ci_high")
        assert 25 < value < 75 and low <= value <= high  # half of the genes fully restored
    assert result.connectivity < -0.3 and result.p_connectivity < 0.05
    genes, groups = fast_analysis(_data(curated, "none", 32))
    null = reversal.signature_verdict(genes, groups, RULE)
    assert abs(null.percent_improvement_up) < 25 and null.p_connectivity > 0.05


def test_too_few_samples_still_reports_the_estimates(curated):
    genes, groups = fast_analysis(_data(curated, "reverse", 4, n_per_group=3))
    result = reversal.signature_verdict(genes, groups, RULE)
    assert result.verdict == "no evidence" and "too few samples" in result.reason
    assert result.min_attainable_p == pytest.approx(1 / 20)
    assert -1.0 < result.slope < -0.4  # shown descriptively
