"""Head to head: does treatment A reverse the disease more than treatment B, and does the
reversal grow along a dose or time order?

Every arm's figure is a weighted mean over the same disease genes of its treatment effect,
Σ w·T̂ / Σ w² (``fast_figures``; for a reference signature w is the shrunken reference
effect). Two arms that share the disease group share its samples, so their figures are
correlated: the disease group's noise, and everything about the disease genes' selection and
shrinkage, is common to both. In their difference it cancels: Σ w·(T̂_A − T̂_B) / Σ w² is the
A-vs-B contrast of one per-sample score, the pseudo-gene Σ w·y / Σ w² of the log2
expression y of the figure's genes. That score keeps every gene-gene correlation (it is the
weighted sum itself), and its contrast is tested with each group's own residual variance
(HC2 within groups, Satterthwaite degrees of freedom: ``linear_model.group_variances``, the
same machinery as the gene-set tests) — a two-sample Welch test of the pseudo-gene when there
are no covariates, a paired one when patients are a covariate of the design.

The reported difference is that of the two arms' calibrated figures, as printed beside each
arm; the score's standard error is put on the calibrated scale by the arms' mean calibration
response (``bootstrap``: how much the estimator moves per unit of truth). A dose or time trend
is the same with centred ranks as contrast weights: the change of the figure per step.
Gene sets: the difference in the fraction of the set's disease shift restored, −(T̄_A − T̄_B)/D̄,
with Fieller's interval, its p-value from the t-test of T̄_A − T̄_B.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from . import linear_model
from .fast_figures import FIGURES, SCALES
from .set_verdicts import fieller, set_scores

FIGURE_LABELS = {
    "slope": "slope",
    "percent_improvement_up": "% improvement (disease-up genes)",
    "percent_improvement_down": "% improvement (disease-down genes)",
}
OWN = "own signature"
METHOD = (
    "difference of the two arms' printed figures; its standard error from the A-vs-B "
    "contrast of the pseudo-gene Σ w·y / Σ w² (the figure's genes, weighted as in the "
    "figure) with each group's own residual variance and Satterthwaite degrees of freedom "
    "(the shared disease group cancels; gene-gene correlation is kept), on the calibrated "
    "scale by the arms' mean calibration response; two-sided t-test"
)


@dataclass(frozen=True)
class ArmFigures:
    """One arm's reported figures on one signature (own or a reference): what it printed, and
    the genes and weights its figures rest on."""

    arm: str  # the arm's name
    effect: Mapping[str, float]  # the arm's treatment effect as group weights by role
    estimates: Mapping[str, float]  # figure → the calibrated (or corrected) estimate
    response: Mapping[str, float]  # figure → calibration response c (1 when not calibrated)
    rows: np.ndarray  # the figure's genes (rows of the study expression)
    weights: np.ndarray  # their weights (shrunken disease or reference effects)
    up: np.ndarray  # bool per row: a disease-up gene


@dataclass(frozen=True)
class Comparison:
    """One head-to-head (or trend) figure with its interval, p-value and sentence."""

    signature: str
    figure: str
    first: str
    second: str  # the other arm, or "trend" for a dose/time trend
    estimate: float
    ci_low: float
    ci_high: float
    se: float
    df: float
    p: float
    genes: int
    sentence: str

    def to_dict(self) -> dict:
        return {k: _plain(v) for k, v in asdict(self).items()}


def _plain(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def own_figures(
    arm: str,
    effect: Mapping[str, float],
    signature: Mapping,
    genes: pd.DataFrame,
    row_of: Mapping[str, int],
) -> ArmFigures:
    """An arm's own-signature figures: its summary's ``signature`` entry, and its gene table's
    disease genes with their shrunken disease effects as weights (rows: ``row_of`` gene)."""
    calibration = signature.get("calibration") or {}
    response = {n: _number((calibration.get(n) or {}).get("response"), 1.0) for n in FIGURES}
    return _arm_figures(arm, effect, signature, response, genes, row_of, "disease")


def reference_figures(
    arm: str,
    effect: Mapping[str, float],
    summary: Mapping,
    genes: pd.DataFrame,
    row_of: Mapping[str, int],
) -> ArmFigures:
    """An arm's figures on a reference signature: its summary, and the selected reference
    genes with their shrunken reference effects as weights (not calibrated: response 1)."""
    response = dict.fromkeys(FIGURES, 1.0)
    return _arm_figures(arm, effect, summary, response, genes, row_of, "reference")


def _arm_figures(
    arm: str,
    effect: Mapping[str, float],
    summary: Mapping,
    response: Mapping[str, float],
    genes: pd.DataFrame,
    row_of: Mapping[str, int],
    prefix: str,
) -> ArmFigures:
    """The figures' genes of a gene table (``disease_gene`` or ``reference_selected`` rows
    with a finite ``<prefix>_log2FC_shrunk`` weight, tested in the study) and the estimates."""
    selected = "disease_gene" if prefix == "disease" else "reference_selected"
    chosen = genes[genes[selected].astype(bool)]
    chosen = chosen[np.isfinite(chosen[f"{prefix}_log2FC_shrunk"].to_numpy(float))]
    chosen = chosen[chosen["gene"].astype(str).isin(row_of)]
    return ArmFigures(
        arm=arm,
        effect=dict(effect),
        estimates={n: _number((summary.get(n) or {}).get("estimate")) for n in FIGURES},
        response=dict(response),
        rows=np.array([row_of[g] for g in chosen["gene"].astype(str)], dtype=int),
        weights=chosen[f"{prefix}_log2FC_shrunk"].to_numpy(float),
        up=chosen[f"{prefix}_log2FC"].to_numpy(float) > 0,
    )


def _number(value, default: float = math.nan) -> float:
    return float(value) if value is not None else default


def score_contrast(
    expression: np.ndarray,
    design: linear_model.Design,
    rows: np.ndarray,
    weights: np.ndarray,
    contrast: np.ndarray,
) -> tuple[float, float, float]:
    """The pseudo-gene Σ w·y / Σ w² of ``rows`` and its ``contrast``: value, variance (each
    group its own residual variance) and Satterthwaite degrees of freedom."""
    weights = np.asarray(weights, float)
    score = (weights @ expression[rows]) / float(weights @ weights)
    value = float(score @ design.matrix @ design.unscaled @ contrast)
    spread = linear_model.group_variances(score[None, :], design, contrast, contrast)
    return value, float(spread.var_a[0]), float(spread.df_a[0])


def arm_contrast(
    design: linear_model.Design, effects: Sequence[Mapping[str, float]], weights: Sequence[float]
) -> np.ndarray:
    """Σ weight × the arm's effect, as a contrast of the design's group means (an arm's effect
    is {its treated role: 1, its disease role: −1}; a shared disease group cancels)."""
    vector = np.zeros(design.matrix.shape[1])
    for effect, weight in zip(effects, weights, strict=True):
        for role, sign in effect.items():
            vector[design.present.index(role)] += weight * sign
    return vector


def pair(
    expression: np.ndarray,
    design: linear_model.Design,
    first: ArmFigures,
    second: ArmFigures,
    signature: str,
    labels: Mapping[str, str],
    level: float = 0.95,
) -> list[Comparison]:
    """``first`` minus ``second`` on every figure of one signature."""
    contrast = arm_contrast(design, [first.effect, second.effect], [1.0, -1.0])
    rows = []
    for name in FIGURES:
        mask = _mask(first, name)
        estimate = first.estimates.get(name, math.nan) - second.estimates.get(name, math.nan)
        response = np.nanmean([first.response.get(name, 1.0), second.response.get(name, 1.0)])
        rows.append(
            _figure_comparison(
                expression, design, first, mask, contrast, estimate, response, name,
                signature, first.arm, second.arm, labels, level,
            )
        )  # fmt: skip
    return rows


def trend(
    expression: np.ndarray,
    design: linear_model.Design,
    arms: Sequence[ArmFigures],
    signature: str,
    factor: str,
    labels: Mapping[str, str],
    level: float = 0.95,
) -> list[Comparison]:
    """The change of each figure per step along ``arms`` (listed in dose or time order): a
    linear trend contrast with centred ranks, scaled to one step."""
    ranks = np.arange(len(arms), dtype=float)
    centred = ranks - ranks.mean()
    steps = centred / float(centred @ centred)  # least-squares slope per step
    contrast = arm_contrast(design, [arm.effect for arm in arms], steps)
    rows = []
    for name in FIGURES:
        mask = _mask(arms[0], name)
        values = np.array([arm.estimates.get(name, math.nan) for arm in arms])
        estimate = float(steps @ values)
        response = float(np.nanmean([arm.response.get(name, 1.0) for arm in arms]))
        rows.append(
            _figure_comparison(
                expression, design, arms[0], mask, contrast, estimate, response, name,
                signature, f"per step of {factor} ({' → '.join(a.arm for a in arms)})",
                "trend", labels, level,
            )
        )  # fmt: skip
    return rows


def _mask(arm: ArmFigures, figure: str) -> np.ndarray:
    if figure == "percent_improvement_up":
        return arm.up
    if figure == "percent_improvement_down":
        return ~arm.up
    return np.ones(len(arm.rows), bool)


def _figure_comparison(
    expression: np.ndarray,
    design: linear_model.Design,
    arm: ArmFigures,
    mask: np.ndarray,
    contrast: np.ndarray,
    estimate: float,
    response: float,
    figure: str,
    signature: str,
    first: str,
    second: str,
    labels: Mapping[str, str],
    level: float,
) -> Comparison:
    genes = int(mask.sum())
    if genes < 2 or not math.isfinite(estimate):
        return Comparison(
            signature, figure, first, second, math.nan, math.nan, math.nan, math.nan,
            math.nan, math.nan, genes, f"{FIGURE_LABELS[figure]}: not computed (too few genes)",
        )  # fmt: skip
    _, variance, df = score_contrast(
        expression, design, arm.rows[mask], arm.weights[mask], contrast
    )
    if not math.isfinite(response) or response <= 0:
        response = 1.0
    se = abs(SCALES[figure]) * math.sqrt(max(variance, 0.0)) / response
    quantile = float(stats.t.ppf(0.5 + level / 2, df)) if df > 0 else math.inf
    low, high = estimate - quantile * se, estimate + quantile * se
    p = float(2 * stats.t.sf(abs(estimate) / se, df)) if se > 0 and df > 0 else math.nan
    return Comparison(
        signature, figure, first, second, float(estimate), float(low), float(high), float(se),
        float(df), p, genes, sentence(figure, first, second, estimate, low, high, p, signature,
                                       labels),
    )  # fmt: skip


def sentence(
    figure: str,
    first: str,
    second: str,
    estimate: float,
    low: float,
    high: float,
    p: float,
    signature: str,
    labels: Mapping[str, str],
    alpha: float = 0.05,
) -> str:
    """The plain answer: "nmn restores 21 points less of the eczema signature than dex
    (95% CI 8 to 34; p = 0.003)", or no evidence of a difference with the signed figure."""
    what = labels.get(signature, f"{signature} signature")
    # points of the signature restored: −slope × 100, or the % improvement itself
    points = -100 * estimate if figure == "slope" else estimate
    ends = sorted((-100 * low, -100 * high) if figure == "slope" else (low, high))
    part = {
        "slope": what,
        "percent_improvement_up": f"{what}'s disease-up genes",
        "percent_improvement_down": f"{what}'s disease-down genes",
    }[figure]
    trend = second == "trend"
    if p < alpha:
        direction = "more" if points > 0 else "less"
        # the interval of the size of the difference, in the direction the sentence states
        size = sorted(abs(e) for e in ends) if ends[0] * ends[1] > 0 else ends
        numbers = f"(95% CI {_points(size[0])} to {_points(size[1])}; p = {p:.2g})"
        subject = f"each {first.removeprefix('per ')}" if trend else first
        than = "" if trend else f" than {second}"
        return (
            f"{subject} restores {_points(abs(points))} points {direction} of the {part}{than} "
            f"{numbers}"
        )
    numbers = (
        f"{_points(points, signed=True)} points, 95% CI {_points(ends[0])} to "
        f"{_points(ends[1])}; p = {p:.2g}"
    )
    if trend:
        along = first.removeprefix("per step of ")
        per_step = numbers.replace(",", " per step,", 1)
        return f"no evidence of a trend along {along} on the {part} ({per_step})"
    return (
        f"no evidence of a difference between {first} and {second} on the {part} "
        f"({first} − {second}: {numbers})"
    )


def _points(value: float, signed: bool = False) -> str:
    """Points with one decimal below 10, whole above (and a sign when asked)."""
    text = f"{abs(value):.1f}" if abs(value) < 9.95 else f"{abs(value):.0f}"
    sign = "−" if value < 0 and text.strip("0.") else ("+" if signed and value > 0 else "")
    return sign + text


def set_pair(
    expression: np.ndarray,
    design: linear_model.Design,
    membership: np.ndarray,
    set_names: Sequence[str],
    first: str,
    second: str,
    first_effect: Mapping[str, float],
    second_effect: Mapping[str, float],
    level: float = 0.95,
) -> pd.DataFrame:
    """Per curated set: the difference in the fraction of its disease shift restored,
    −(T̄_A − T̄_B)/D̄ (×100 points), Fieller's interval and the t-test of T̄_A − T̄_B."""
    scores = set_scores(expression, membership)
    difference = arm_contrast(design, [first_effect, second_effect], [1.0, -1.0])
    spread = linear_model.group_variances(scores, design, difference, design.disease)
    coefficients = scores @ design.matrix @ design.unscaled
    a = -(coefficients @ difference)  # restored by A beyond B
    d = coefficients @ design.disease
    rows = []
    for i, name in enumerate(set_names):
        df = float(spread.df_a[i])
        quantile = float(stats.t.ppf(0.5 + level / 2, df))
        low, high = fieller(
            a[i], d[i], spread.var_a[i], spread.var_b[i], -spread.cov_ab[i], quantile
        )
        se = math.sqrt(spread.var_a[i])
        p = float(2 * stats.t.sf(abs(a[i]) / se, df)) if se > 0 else math.nan
        rows.append(
            {
                "gene_set": name,
                "first": first,
                "second": second,
                "difference_restored": 100 * a[i] / d[i] if d[i] != 0 else math.nan,
                "ci_low": 100 * low,
                "ci_high": 100 * high,
                "p": p,
                "df": df,
            }
        )
    return pd.DataFrame(rows)
