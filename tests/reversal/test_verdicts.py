"""The verdict rule in words: 'reverses' only when the whole CI clears the threshold."""

from __future__ import annotations

from signature_reversal.reversal.estimates import Headline
from signature_reversal.reversal.verdicts import decide
from signature_reversal.settings import VerdictRule

RULE = VerdictRule.from_config({})


def slope(estimate, low, high):
    return Headline(estimate, 0.0, estimate, low, high)


def test_reverses_needs_the_whole_interval_beyond_the_threshold():
    verdict, reason = decide(slope(-0.7, -0.8, -0.6), 0.001, 0.999, RULE, "slope")
    assert verdict == "reverses" and "≤ -0.5" in reason
    verdict, reason = decide(slope(-0.7, -0.9, -0.45), 0.001, 0.999, RULE, "slope")
    assert verdict == "partially reverses"
    assert "the estimate reaches it but the CI does not" in reason
    verdict, reason = decide(slope(-0.3, -0.4, -0.2), 0.001, 0.999, RULE, "slope")
    assert verdict == "partially reverses" and "short of it" in reason


def test_fractions_point_the_other_way_and_unbounded_intervals_never_reverse():
    fraction = Headline(0.9, 0.0, 0.9, 0.6, 1.2)
    assert decide(fraction, 0.01, 0.99, RULE, "fraction", test="FDR")[0] == "reverses"
    assert decide(Headline(0.3, 0.0, 0.3, 0.1, 0.5), 0.01, 0.99, RULE, "fraction")[0] == (
        "partially reverses"
    )
    unbounded = Headline(0.9, 0.0, 0.9, float("-inf"), float("inf"))
    assert decide(unbounded, 0.01, 0.99, RULE, "fraction")[0] == "no evidence"


def test_aggravation_and_no_evidence():
    assert decide(slope(0.6, 0.5, 0.7), 0.999, 0.001, RULE, "slope")[0] == "aggravates"
    verdict, reason = decide(slope(-0.05, -0.1, 0.0), 0.3, 0.7, RULE, "slope")
    assert verdict == "no evidence" and "neither below 0.05" in reason
    # a p-value and an estimate pointing different ways give no verdict
    assert decide(slope(0.05, -0.1, 0.2), 0.01, 0.99, RULE, "slope")[0] == "no evidence"


def test_a_p_value_whose_interval_includes_no_effect_makes_no_claim():
    verdict, reason = decide(slope(-0.05, -0.12, 0.02), 0.01, 0.99, RULE, "slope")
    assert verdict == "no evidence" and "includes no effect" in reason
    verdict, reason = decide(slope(0.05, -0.02, 0.12), 0.99, 0.01, RULE, "slope")
    assert verdict == "no evidence" and "away from control" in reason
