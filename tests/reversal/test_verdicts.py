"""The verdict rule in words: each word is where the printed 95% CI lies against two bands."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from signature_reversal.reversal.estimates import Headline
from signature_reversal.reversal.verdicts import decide, interval_pvalues
from signature_reversal.settings import VerdictRule

RULE = VerdictRule.from_config({})


def slope(estimate, low, high, se=math.nan, df=math.inf):
    return Headline(estimate, 0.0, estimate, low, high, se=se, df=df)


def test_reverses_needs_the_whole_interval_beyond_the_threshold():
    verdict, reason = decide(slope(-0.7, -0.8, -0.6), RULE, "slope")
    assert verdict == "reverses" and "-0.5" in reason
    verdict, reason = decide(slope(-0.7, -0.9, -0.45), RULE, "slope")
    assert verdict == "partially reverses"
    assert "the estimate reaches full reversal but the CI does not" in reason
    verdict, reason = decide(slope(-0.3, -0.4, -0.2), RULE, "slope")
    assert verdict == "partially reverses" and "short of full reversal" in reason


def test_a_negligible_effect_reads_no_meaningful_reversal_even_when_it_excludes_zero():
    # the example's MADAD comparison: 4% of the way back is not what 60% is called
    verdict, reason = decide(slope(-0.04, -0.06, -0.01), RULE, "slope")
    assert verdict == "no meaningful reversal" and "too small to matter" in reason
    assert "between -0.1 and 0.1" in reason
    # an interval that reaches from negligible to meaningful makes no claim either way
    verdict, reason = decide(slope(-0.12, -0.2, -0.05), RULE, "slope")
    assert verdict == "no evidence" and "negligible" in reason
    # the band is the user's: at 0.005 the same interval is a partial reversal
    narrow = VerdictRule.from_config({"negligible_slope": 0.005})
    assert decide(slope(-0.04, -0.06, -0.01), narrow, "slope")[0] == "partially reverses"


def test_both_tails_are_judged_alike():
    assert decide(slope(0.6, 0.5, 0.7), RULE, "slope")[0] == "aggravates"
    assert decide(slope(0.3, 0.2, 0.4), RULE, "slope")[0] == "aggravates"
    # mirror images get mirror verdicts
    assert decide(slope(0.12, 0.05, 0.2), RULE, "slope")[0] == "no evidence"
    assert decide(slope(0.04, 0.01, 0.06), RULE, "slope")[0] == "no meaningful reversal"


def test_fractions_point_the_other_way_and_unbounded_intervals_never_reverse():
    fraction = Headline(0.9, 0.0, 0.9, 0.6, 1.2)
    assert decide(fraction, RULE, "fraction", fdr=0.01)[0] == "reverses"
    assert decide(Headline(0.3, 0.0, 0.3, 0.15, 0.5), RULE, "fraction")[0] == ("partially reverses")
    assert decide(Headline(-0.4, 0.0, -0.4, -0.6, -0.2), RULE, "fraction")[0] == "aggravates"
    unbounded = Headline(0.9, 0.0, 0.9, -math.inf, math.inf)
    assert decide(unbounded, RULE, "fraction", fdr=0.01)[0] == "no evidence"


def test_a_gene_set_claim_needs_its_fdr_too():
    fraction = Headline(0.9, 0.0, 0.9, 0.6, 1.2)
    verdict, reason = decide(fraction, RULE, "fraction", fdr=0.2)
    assert verdict == "no evidence" and "FDR = 0.2" in reason
    # an equivalence statement is not a discovery: it needs no FDR
    assert decide(Headline(0.0, 0.0, 0.0, -0.05, 0.05), RULE, "fraction", fdr=0.9)[0] == (
        "no meaningful reversal"
    )


@pytest.mark.parametrize("df", [3.0, 40.0, math.inf])
def test_p_values_come_from_the_interval_s_model(df):
    """p toward reversal below 0.05 exactly when the 95% CI excludes 0 on that side."""
    se = 0.1
    half = float(stats.t.ppf(0.975, df)) * se
    for estimate in (-half - 1e-6, -half + 1e-6, half - 1e-6, half + 1e-6):
        figure = slope(estimate, estimate - half, estimate + half, se=se, df=df)
        p_rev, p_agg = interval_pvalues(figure, "slope")
        assert (p_rev < 0.05) == (figure.ci_high < 0)
        assert (p_agg < 0.05) == (figure.ci_low > 0)
    assert math.isnan(interval_pvalues(slope(-0.5, -0.6, -0.4), "slope")[0])
