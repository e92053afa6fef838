"""The verdict rule: turn an effect size and its permutation p-values into words.

One rule serves the whole signature (effect = slope of T on D, −1 = full reversal) and each
gene set (effect = fraction of the set's disease shift restored, 1 = full reversal).
"""

from __future__ import annotations

from ..settings import VerdictRule

VERDICTS = ("reverses", "partially reverses", "no evidence", "aggravates")


def decide(
    effect: float, p_rev: float, p_agg: float, min_p: float, rule: VerdictRule, kind: str
) -> tuple[str, str]:
    """Apply the verdict rule to a slope (−1 = full reversal) or a restored fraction (1 = full).

    Returns the verdict and a one-line reason that names the numbers it rests on.
    """
    if min_p >= rule.alpha:
        return "no evidence", (
            f"too few samples: the smallest attainable permutation p-value is {min_p:.3g}, not "
            f"below alpha = {rule.alpha}; add replicates to disease or treatment groups"
        )
    reversal_size = -effect if kind == "slope" else effect
    full = -rule.full_reversal_slope if kind == "slope" else rule.full_reversal_fraction
    label = "slope" if kind == "slope" else "fraction restored"
    if p_rev < rule.alpha and reversal_size >= full:
        return "reverses", (
            f"permutation p = {p_rev:.3g} < {rule.alpha} and {label} {effect:.2f} reaches the "
            f"full-reversal threshold ({'≤' if kind == 'slope' else '≥'} "
            f"{effect_threshold(rule, kind)})"
        )
    if p_rev < rule.alpha and reversal_size > 0:
        return "partially reverses", (
            f"permutation p = {p_rev:.3g} < {rule.alpha} but {label} {effect:.2f} is short of "
            f"{effect_threshold(rule, kind)}"
        )
    if p_agg < rule.alpha and reversal_size < 0:
        return "aggravates", (
            f"permutation p = {p_agg:.3g} < {rule.alpha} for movement further from control "
            f"({label} {effect:.2f})"
        )
    return "no evidence", (
        f"permutation p = {p_rev:.3g} (reversal) and {p_agg:.3g} (aggravation), neither below "
        f"{rule.alpha}"
    )


def effect_threshold(rule: VerdictRule, kind: str) -> float:
    """The full-reversal threshold for a slope or a restored fraction."""
    return rule.full_reversal_slope if kind == "slope" else rule.full_reversal_fraction
