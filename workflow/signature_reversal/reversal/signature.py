"""Signature level: is the disease signature as a whole moved back toward control?

Headline figures: the slope of T on D over the disease genes and the % improvement of
disease-up and disease-down genes, each as observed (naive), expected if the treatment did
nothing (the naive figure's mean on worlds drawn from the fitted model with no treatment
effect: the placebo arm's analogue), and the
estimate with its 95% CI — the fast estimator (``fast_figures``) calibrated on worlds drawn from
the data's fitted model (``bootstrap``). Also the % of disease genes moved toward control and
the CMap connectivity. The verdict rests on the calibrated slope's interval, and its p-values
come from the same model (``verdicts``); null draws (``nulls``) recompute the fast statistic on
every treatment-does-nothing draw — disease-gene selection, shrinkage and correction included —
and give the connectivity's p-value and a distribution-free check of the slope's
(``null.p_reversal`` in the summary).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..progress import stage
from ..settings import VerdictRule
from . import bootstrap, linear_model, nulls
from .estimates import CorrectedEffects, Headline, correlation, moved_toward_control
from .fast_figures import FIGURES, STATISTICS, FastStatistic
from .verdicts import decide, interval_pvalues, too_few_samples

log = logging.getLogger(__name__)

ESTIMATOR = (
    "on the linear model of log2 normalized counts: disease genes shrunk by empirical Bayes "
    "(ashr's prior) and treatment effects decorrelated from the shared disease samples; then "
    "calibrated by a parametric bootstrap of the fitted model (negative-binomial counts with "
    "the data's means, dispersions scattered as DESeq2 estimated, each group's variability, "
    "disease effects drawn from their posterior), the whole procedure rerun on every world; "
    "95% CI from the worlds' scatter, widened by the gene-gene correlation seen in the "
    "residuals"
)


@dataclass
class SignatureResult:
    """Signature-level numbers behind the overall verdict."""

    verdict: str
    reason: str
    n_disease_genes: int
    n_disease_up: int
    n_disease_down: int
    null: nulls.NullPlan
    slope: Headline = field(default_factory=Headline.missing)
    percent_improvement_up: Headline = field(default_factory=Headline.missing)
    percent_improvement_down: Headline = field(default_factory=Headline.missing)
    percent_moved_toward_control: dict = field(default_factory=dict)
    connectivity: dict = field(default_factory=dict)
    p_reversal: float = math.nan  # from the slope's interval model (see verdicts)
    p_aggravation: float = math.nan
    rotation_p_reversal: float = math.nan  # the null draws' check of "no effect"
    rotation_p_aggravation: float = math.nan
    correlation_ratio: dict = field(default_factory=dict)
    calibration: dict = field(default_factory=dict)  # per figure: the line it was inverted on
    not_judged: str | None = None  # "too few genes" or "too few samples" when no call is possible
    null_draws_used: int | None = None  # fewer than planned when every p-value was clearly large

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "not_judged": self.not_judged,
            "n_disease_genes": self.n_disease_genes,
            "n_disease_up": self.n_disease_up,
            "n_disease_down": self.n_disease_down,
            **{name: getattr(self, name).to_dict() for name in FIGURES},
            "percent_moved_toward_control": _plain(self.percent_moved_toward_control),
            "connectivity": _plain(self.connectivity),
            "p_reversal": _number(self.p_reversal),
            "p_aggravation": _number(self.p_aggravation),
            "null": {
                **self.null.to_dict(),
                "draws_used": self.null_draws_used,
                "p_reversal": _number(self.rotation_p_reversal),
                "p_aggravation": _number(self.rotation_p_aggravation),
            },
            "estimator": ESTIMATOR,
            "correlation_ratio": _plain(self.correlation_ratio),
            "calibration": {k: _plain(v) for k, v in self.calibration.items()},
        }


def _number(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _plain(values: dict) -> dict:
    return {k: _number(v) for k, v in values.items()}


def signature_verdict(
    genes: pd.DataFrame,
    effects: CorrectedEffects,
    expression: np.ndarray,
    design: linear_model.Design,
    plan: nulls.NullPlan,
    rule: VerdictRule,
    world: bootstrap.World,
    threads: int = 1,
) -> SignatureResult:
    """Headline figures, null-draw p-values and the overall verdict.

    ``genes`` is the per-gene table (``genes.gene_table``), ``effects`` its corrected effects,
    ``expression`` the genes' log2 expression in the same row order.
    """
    disease = genes["disease_gene"].to_numpy()
    d = genes["disease_log2FC"].to_numpy()
    t = genes["treatment_log2FC"].to_numpy()
    n_disease = int(disease.sum())
    result = SignatureResult(
        verdict="no evidence",
        reason="",
        n_disease_genes=n_disease,
        n_disease_up=int((disease & (d > 0)).sum()),
        n_disease_down=int((disease & (d < 0)).sum()),
        null=plan,
    )
    too_few_genes = n_disease < max(rule.min_disease_genes, 3)
    no_small_p = plan.smallest_p >= rule.alpha
    if too_few_genes:
        result.not_judged = "too few genes"
        result.reason = (
            f"only {n_disease} disease genes (padj < {rule.disease_padj}, |log2FC| ≥ "
            f"{rule.disease_min_abs_log2fc}); at least {rule.min_disease_genes} are needed to "
            "judge reversal of a signature"
        )
        if no_small_p:
            result.reason += "; also " + too_few_samples(plan, rule)
        return result

    # the fast statistic on the data and on every treatment-does-nothing draw (p-values), and
    # as an estimator (aware of unequal group variances) for the figures
    statistic = FastStatistic.on(expression, design, n_disease)
    fitted = linear_model.least_squares(expression, design)
    observed = statistic.from_fit(*fitted)
    # the estimator selects its genes as every bootstrap world does: the n most significant of
    # the fast model (n = the DE step's disease genes). Evaluated on the DE step's own list it
    # would be selected by another statistic than in the worlds, which then overstate its
    # winner's curse (+0.02 on the slope of a null treatment in the robustness study)
    estimator = FastStatistic.estimator(expression, design, n_disease)
    values, selection = estimator.evaluate(*fitted)
    column = {name: i for i, name in enumerate(STATISTICS)}
    null = nulls.signature_null(
        statistic.from_fit,
        expression,
        design,
        plan,
        rule.seed,
        rule.sequential_exceedances,
        observed,
        slope=column["slope"],
        connectivity=column["connectivity"],
        label=f"signature null ({plan.method})",
    )
    result.null_draws_used = len(null.draws)
    # the headline figures: the estimator calibrated on worlds drawn from the fitted model,
    # its noise widened by the gene-gene correlation seen in the data's residuals
    residuals = linear_model.residuals(expression, design)
    counts_in = {}
    for name in FIGURES:
        rows = selection.rows[selection.mask(name)]
        counts_in[name] = len(rows)
        weights = selection.weights[selection.mask(name)]
        result.correlation_ratio[name] = correlation(
            residuals[rows], weights, design.df_residual
        ).ratio
    with stage(f"calibration on {2 * rule.calibration_worlds} bootstrap worlds"):
        calibration = bootstrap.calibrate(
            world,
            estimator,
            values,
            counts_in,
            result.correlation_ratio,
            rule.calibration_worlds,
            rule.seed,
            threads,
        )
    for name in FIGURES:
        calibrated = calibration.figures[name]
        low, high = calibrated.interval()
        setattr(
            result,
            name,
            Headline(
                observed=values[f"naive_{name}"],
                null_expected=calibration.null_naive[name],
                estimate=calibrated.estimate,
                ci_low=low,
                ci_high=high,
                note=calibrated.trust,
                se=calibrated.se,
                df=calibrated.df,
            ),
        )
        result.calibration[name] = {
            "intercept": calibrated.intercept,
            "response": calibrated.response,
            "worlds": calibrated.worlds,
            "se_worlds": calibrated.se_worlds,
        }
    moved, moved_null = moved_toward_control(d, t, effects, disease)
    result.percent_moved_toward_control = {"observed": moved, "null_expected": moved_null}
    result.connectivity = {
        "observed": float(observed[column["connectivity"]]),
        "null_expected": null.connectivity_expected,
        "p": null.p_connectivity,
    }
    result.rotation_p_reversal = null.p_reversal
    result.rotation_p_aggravation = null.p_aggravation
    result.p_reversal, result.p_aggravation = interval_pvalues(result.slope, "slope")
    if no_small_p:
        result.not_judged = "too few samples"
        result.reason = too_few_samples(plan, rule)
        return result
    result.verdict, result.reason = decide(result.slope, rule, "slope")
    return result
