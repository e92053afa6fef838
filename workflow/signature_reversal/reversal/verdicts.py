"""The verdict rule: turn an estimate, its 95% CI and its p-values into words.

One rule serves the whole signature (effect = slope of T on D, −1 = full reversal) and each
gene set (effect = fraction of the set's disease shift restored, 1 = full reversal):

- **reverses**: the reversal p-value is below alpha *and the whole 95% CI* lies at or beyond the
  full-reversal threshold (slope ≤ −0.5, fraction ≥ 0.5 by default), so a wide interval
  cannot earn the strongest word;
- **partially reverses**: the reversal p-value is below alpha, the CI excludes "no effect" on
  the reversal side, and it does not clear the threshold (the reason says whether the estimate
  itself did);
- **aggravates**: the aggravation p-value is below alpha and the CI lies on the side of moving
  away from control;
- **no evidence** otherwise — including a p-value below alpha whose CI still includes no
  effect (the test and the interval then disagree, and no claim is made).
"""

from __future__ import annotations

import math

from ..settings import VerdictRule
from .estimates import Headline
from .nulls import NullPlan

VERDICTS = ("reverses", "partially reverses", "no evidence", "aggravates")


def effect_threshold(rule: VerdictRule, kind: str) -> float:
    """The full-reversal threshold for a slope or a restored fraction."""
    return rule.full_reversal_slope if kind == "slope" else rule.full_reversal_fraction


def decide(
    figure: Headline,
    p_rev: float,
    p_agg: float,
    rule: VerdictRule,
    kind: str,
    test: str = "p",
) -> tuple[str, str]:
    """The verdict and a one-line reason naming the numbers it rests on.

    ``kind`` is "slope" (−1 = full reversal) or "fraction" (1 = full reversal); ``test`` names
    the p-value in the reason (e.g. "FDR" for gene sets).
    """
    toward = -1.0 if kind == "slope" else 1.0  # sign of a reversal
    label = "slope" if kind == "slope" else "fraction restored"
    threshold = effect_threshold(rule, kind)
    sign = "≤" if kind == "slope" else "≥"
    size = toward * figure.estimate
    # the CI bound nearest to "no reversal"
    weak_end = figure.ci_high if kind == "slope" else figure.ci_low
    ci = f"95% CI {figure.ci_low:.2f} to {figure.ci_high:.2f}"
    strong_end = figure.ci_low if kind == "slope" else figure.ci_high
    clears_zero = math.isfinite(weak_end) and toward * weak_end > 0
    if p_rev < rule.alpha and size > 0 and not clears_zero:
        return "no evidence", (
            f"{test} = {p_rev:.3g} < {rule.alpha} toward reversal, but the {ci} of the {label} "
            "includes no effect"
        )
    if (
        p_agg < rule.alpha
        and size < 0
        and not (math.isfinite(strong_end) and toward * strong_end < 0)
    ):
        return "no evidence", (
            f"{test} = {p_agg:.3g} < {rule.alpha} away from control, but the {ci} of the "
            f"{label} includes no effect"
        )
    if p_rev < rule.alpha and size > 0:
        if math.isfinite(weak_end) and toward * weak_end >= toward * threshold:
            return "reverses", (
                f"{test} = {p_rev:.3g} < {rule.alpha} and the whole {ci} of the {label} "
                f"({figure.estimate:.2f}) is {sign} {threshold}"
            )
        where = (
            "the estimate reaches it but the CI does not"
            if toward * figure.estimate >= toward * threshold
            else "short of it"
        )
        return "partially reverses", (
            f"{test} = {p_rev:.3g} < {rule.alpha}; {label} {figure.estimate:.2f} ({ci}) against "
            f"the full-reversal threshold {sign} {threshold}: {where}"
        )
    if p_agg < rule.alpha and size < 0:
        return "aggravates", (
            f"{test} = {p_agg:.3g} < {rule.alpha} for movement further from control "
            f"({label} {figure.estimate:.2f}, {ci})"
        )
    return "no evidence", (
        f"{test} = {p_rev:.3g} (reversal) and {p_agg:.3g} (aggravation)"
        + (f", neither below {rule.alpha}" if min(p_rev, p_agg) >= rule.alpha else "")
        + (
            f"; the {label} {figure.estimate:.2f} does not point the same way"
            if min(p_rev, p_agg) < rule.alpha
            else ""
        )
    )


def too_few_samples(plan: NullPlan, rule: VerdictRule) -> str:
    """Why no verdict is possible: the null cannot give a p-value below alpha."""
    return (
        f"too few samples: the smallest p-value {plan.describe()} can give is "
        f"{plan.smallest_p:.3g}, not below alpha = {rule.alpha}; add replicates, or use "
        "reversal.null_method: rotation"
    )
