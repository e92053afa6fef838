"""The verdict rule: turn an estimate and its 95% CI into words.

One rule serves the whole signature and each reference (effect = slope of T on D, −1 = full
reversal) and each gene set (effect = fraction of the set's disease shift restored, 1 = full
reversal). The verdict rests on the printed interval alone, so the words never contradict the
numbers beside them (a rotation p-value of "no effect" next to a calibrated bootstrap interval
were two models of one uncertainty, and disagreed on 24% of real-count datasets with a 70%
reversal planted). Two bands on the reversal scale give the words their sizes:

- **reverses**: the whole 95% CI at or beyond the full-reversal threshold (slope ≤ −0.5,
  fraction ≥ 0.5 by default);
- **partially reverses**: the whole CI beyond the smallest effect worth a word (slope < −0.1,
  fraction > 0.1), not all of it beyond full reversal;
- **aggravates**: the whole CI beyond that smallest effect on the other side (slope > 0.1);
- **no meaningful reversal**: the whole CI inside the negligible band — an equivalence
  statement (two one-sided tests at 2.5% each, Schuirmann 1987), not an absence of evidence;
- **no evidence** otherwise: the interval reaches from a negligible effect to a meaningful one.

A family of gene sets adds a multiplicity gate: a set's claim (reverses, partially, aggravates)
also needs its FDR below alpha. The p-values printed with a figure come from the same model as
its interval (``interval_pvalues``): below alpha exactly when the interval excludes "no effect"
on that side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from ..settings import VerdictRule
from .estimates import Headline
from .nulls import NullPlan

VERDICTS = (
    "reverses",
    "partially reverses",
    "no meaningful reversal",
    "no evidence",
    "aggravates",
)
CALLS = ("reverses", "partially reverses", "aggravates")  # verdicts that claim an effect


@dataclass(frozen=True)
class Bands:
    """The verdict's landmarks on the reversal scale (positive = toward control)."""

    negligible: float  # an effect smaller than this is not worth a word
    full: float  # an effect at least this is called "reverses"
    label: str  # "slope" or "fraction restored"
    toward: float  # sign of a reversal on the figure's own scale

    def on_figure(self, value: float) -> float:
        """A landmark on the reversal scale, on the figure's own scale."""
        return self.toward * value


def bands(rule: VerdictRule, kind: str) -> Bands:
    """The landmarks of a slope (−1 = full reversal) or a restored fraction (1 = full)."""
    if kind == "slope":
        return Bands(rule.negligible_slope, -rule.full_reversal_slope, "slope", -1.0)
    return Bands(rule.negligible_fraction, rule.full_reversal_fraction, "fraction restored", 1.0)


def interval_pvalues(figure: Headline, kind: str) -> tuple[float, float]:
    """Directional p-values of "no effect" from the interval's own model (estimate, se, t df):
    twice the one-sided p toward reversal and toward aggravation, each below 0.05 exactly when
    the 95% CI excludes 0 on that side (NaN when the figure has no standard error)."""
    if not (math.isfinite(figure.se) and figure.se > 0 and math.isfinite(figure.estimate)):
        return math.nan, math.nan
    toward = -1.0 if kind == "slope" else 1.0
    z = toward * figure.estimate / figure.se
    df = figure.df if figure.df > 0 else math.inf
    return min(1.0, 2 * float(stats.t.sf(z, df))), min(1.0, 2 * float(stats.t.cdf(z, df)))


def _number(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else ("∞" if value > 0 else "−∞")


def decide(
    figure: Headline,
    rule: VerdictRule,
    kind: str,
    fdr: float | None = None,
) -> tuple[str, str]:
    """The verdict and a one-line reason naming the numbers it rests on.

    ``kind`` is "slope" or "fraction"; ``fdr`` (gene sets) gates the claims of a family of
    tests: a set whose FDR is not below alpha makes none.
    """
    band = bands(rule, kind)
    ends = sorted((band.toward * figure.ci_low, band.toward * figure.ci_high))
    low, high = ends  # the interval on the reversal scale
    ci = f"95% CI {_number(figure.ci_low)} to {_number(figure.ci_high)}"
    said = f"{band.label} {figure.estimate:.2f} ({ci})"
    negligible = f"{band.on_figure(band.negligible):g}"
    if not (math.isfinite(low) and math.isfinite(high)):
        return "no evidence", f"{said}: the interval is unbounded (the disease shift is unclear)"
    inside = -band.negligible < low and high < band.negligible
    low_band, high_band = sorted(
        (band.on_figure(-band.negligible), band.on_figure(band.negligible))
    )
    between = f"between {low_band:g} and {high_band:g}"
    if inside:
        return "no meaningful reversal", (
            f"{said} lies wholly {between}: any effect is too small to matter"
        )
    claim = None
    if low >= band.full:
        claim = "reverses", f"the whole {ci} is at or beyond {band.on_figure(band.full):g}"
    elif low > band.negligible:
        claim = (
            "partially reverses",
            (
                f"the whole {ci} is beyond {negligible}, "
                + (
                    "the estimate reaches full reversal but the CI does not"
                    if band.toward * figure.estimate >= band.full
                    else f"short of full reversal ({band.on_figure(band.full):g})"
                )
            ),
        )
    elif high < -band.negligible:
        claim = (
            "aggravates",
            (f"the whole {ci} is beyond {-band.toward * band.negligible:g}: further from control"),
        )
    if claim is None:
        return "no evidence", (
            f"{said} reaches from a negligible effect ({between}) to a meaningful one"
        )
    if fdr is not None and not fdr < rule.alpha:
        return "no evidence", (f"{said}, but FDR = {fdr:.3g} ≥ {rule.alpha} across the sets judged")
    gate = f"FDR = {fdr:.3g} < {rule.alpha}; " if fdr is not None else ""
    return claim[0], f"{gate}{band.label} {figure.estimate:.2f}: {claim[1]}"


def too_few_samples(plan: NullPlan, rule: VerdictRule) -> str:
    """Why no verdict is possible: the null cannot give a p-value below alpha."""
    return (
        f"too few samples: the smallest p-value {plan.describe()} can give is "
        f"{plan.smallest_p:.3g}, not below alpha = {rule.alpha}; add replicates, or use "
        "reversal.null_method: rotation"
    )
