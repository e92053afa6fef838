"""Signature level: is the disease signature as a whole moved back toward control?

Headline figures (``estimates``): the slope of T on D over the disease genes and the %
improvement of disease-up and disease-down genes, each as observed, expected if the treatment
did nothing, and corrected with a 95% CI; plus the % of disease genes moved toward control and
the CMap connectivity. The verdict's p-values come from null draws (``nulls``): the corrected
slope is recomputed on every draw — disease-gene selection, shrinkage and correction included —
on the fast linear model, so the p-value is exact whatever bias remains in the estimator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..progress import tracked
from ..settings import VerdictRule
from . import linear_model, nulls
from .connectivity import connectivity
from .estimates import (
    CorrectedEffects,
    Headline,
    correlation,
    moved_toward_control,
    slope_figure,
    through_origin,
)
from .shrinkage import NormalMixturePrior, fit_prior
from .verdicts import decide, too_few_samples

FIGURES = ("slope", "percent_improvement_up", "percent_improvement_down")
ESTIMATOR = (
    "corrected for the disease samples shared by D and T (decorrelation), for measurement error "
    "in D and for selecting genes on D (empirical-Bayes shrinkage of D, as ashr); 95% CI from a "
    "sandwich variance across genes plus the noise that gene-gene correlation adds (measured "
    "on the residuals of the linear model)"
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
    p_reversal: float = math.nan
    p_aggravation: float = math.nan
    correlation_ratio: dict = field(default_factory=dict)
    not_judged: str | None = None  # "too few genes" or "too few samples" when no call is possible

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
            "null": self.null.to_dict(),
            "estimator": ESTIMATOR,
            "correlation_ratio": _plain(self.correlation_ratio),
        }


def _number(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _plain(values: dict) -> dict:
    return {k: _number(v) for k, v in values.items()}


# --- the fast statistics recomputed on every null draw -----------------------------------------

STATISTICS = (
    "slope",
    "percent_improvement_up",
    "percent_improvement_down",
    "naive_slope",
    "connectivity",
)


@dataclass(frozen=True)
class FastStatistic:
    """The corrected signature statistics on the fast linear model, for observed and null data."""

    design: linear_model.Design
    n_top: int
    variance_prior: linear_model.VariancePrior
    disease_prior: NormalMixturePrior
    kappa: float  # Cov(d, t) / Var(d) of the linear model: the same for every gene

    @classmethod
    def on(cls, expression: np.ndarray, design: linear_model.Design, n_top: int) -> FastStatistic:
        """Parameters from statistics that no null draw changes — the fit of the model in
        which disease and treatment are one group — so the observed data and every draw go
        through the same function, and the null distribution is exact."""
        pooled = linear_model.pooled_fit(expression, design)
        kappa = design.variance_factor(design.treatment, design.disease) / design.variance_factor(
            design.disease, design.disease
        )
        return cls(design, n_top, pooled.variance_prior, fit_prior(pooled.d, pooled.se_d), kappa)

    def __call__(self, expression: np.ndarray) -> np.ndarray:
        return self.from_fit(*linear_model.least_squares(expression, self.design))

    def from_fit(self, coefficients: np.ndarray, rss: np.ndarray) -> np.ndarray:
        """The statistics of a least-squares fit (one null draw of ``nulls.fitted_draws``)."""
        fit = linear_model.fit_from(coefficients, rss, self.design, self.variance_prior)
        top = np.argpartition(-np.abs(fit.stat_d), self.n_top - 1)[: self.n_top]
        d, t = fit.d[top], fit.t[top]
        m = self.disease_prior.posterior_mean(d, fit.se_d[top])
        corrected = t - self.kappa * (d - m)
        values = dict.fromkeys(STATISTICS, math.nan)
        for name, genes, scale in (
            ("slope", np.ones(len(top), bool), 1.0),
            ("percent_improvement_up", d > 0, -100.0),
            ("percent_improvement_down", d < 0, -100.0),
        ):
            if genes.sum() >= 2:
                values[name] = scale * through_origin(m[genes], corrected[genes])
        values["naive_slope"] = through_origin(d, t)
        selected = np.zeros(len(fit.d), bool)
        selected[top] = True
        values["connectivity"] = connectivity(
            fit.stat_t, selected & (fit.d > 0), selected & (fit.d < 0)
        )
        return np.array([values[name] for name in STATISTICS])


def signature_verdict(
    genes: pd.DataFrame,
    effects: CorrectedEffects,
    expression: np.ndarray,
    design: linear_model.Design,
    plan: nulls.NullPlan,
    rule: VerdictRule,
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

    # the null: the corrected statistics on every treatment-does-nothing draw
    statistic = FastStatistic.on(expression, design, n_disease)
    observed = statistic(expression)
    null = np.array(
        [
            statistic.from_fit(*draw)
            for draw in tracked(
                nulls.fitted_draws(expression, design, plan, rule.seed),
                plan.draws,
                f"signature null ({plan.method})",
            )
        ]
    )
    column = {name: i for i, name in enumerate(STATISTICS)}
    p_rev, p_agg = nulls.permutation_pvalues(
        observed[column["slope"]], null[:, column["slope"]], plan.exact
    )
    p_connectivity, _ = nulls.permutation_pvalues(
        observed[column["connectivity"]], null[:, column["connectivity"]], plan.exact
    )
    # the headline figures on the DE estimates, their noise widened by gene-gene correlation
    up, down = disease & (d > 0), disease & (d < 0)
    residuals = linear_model.residuals(expression, design)
    for name, mask, scale in (
        ("slope", disease, 1.0),
        ("percent_improvement_up", up, -100.0),
        ("percent_improvement_down", down, -100.0),
    ):
        usable = mask & np.isfinite(effects.shrunk_disease)
        correlated = correlation(
            residuals[usable], effects.shrunk_disease[usable], design.df_residual
        )
        result.correlation_ratio[name] = correlated.ratio
        setattr(result, name, slope_figure(d, t, effects, mask, scale, correlated))
    moved, moved_null = moved_toward_control(d, t, effects, disease)
    result.percent_moved_toward_control = {"observed": moved, "null_expected": moved_null}
    result.connectivity = {
        "observed": float(observed[column["connectivity"]]),
        "null_expected": float(np.nanmean(null[:, column["connectivity"]])),
        "p": float(p_connectivity),
    }
    result.p_reversal, result.p_aggravation = float(p_rev), float(p_agg)
    if no_small_p:
        result.not_judged = "too few samples"
        result.reason = too_few_samples(plan, rule)
        return result
    result.verdict, result.reason = decide(
        result.slope, result.p_reversal, result.p_aggravation, rule, "slope"
    )
    return result
