"""The signature figures on the fast linear model: one statistic for the null draws, the
estimate and its parametric bootstrap.

On log2 normalized counts with the DE design (``linear_model``), the disease genes are the
``n_top`` genes with the largest moderated disease statistic (``n_top``: how many the DE step
selected), their disease effects are shrunk by empirical Bayes (``shrinkage``) and the
treatment effects decorrelated from the shared disease group (``estimates``). The same
function gives the observed value, every null draw (with its parameters fixed from the pooled
model, so the null is exact) and every bootstrap world (with its parameters refitted, as on
the data).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import linear_model
from .connectivity import connectivity
from .estimates import through_origin
from .shrinkage import NormalMixturePrior, fit_prior

FIGURES = ("slope", "percent_improvement_up", "percent_improvement_down")
STATISTICS = (
    *FIGURES,
    "naive_slope",
    "naive_percent_improvement_up",
    "naive_percent_improvement_down",
    "connectivity",
)
WORLD_PRIOR_GENES = 4000  # genes a bootstrap world refits its disease-effect prior on
SCALES = {"slope": 1.0, "percent_improvement_up": -100.0, "percent_improvement_down": -100.0}


@dataclass(frozen=True)
class Selection:
    """The genes a figure was computed over: their rows, and the sign of their disease effect."""

    rows: np.ndarray
    up: np.ndarray  # bool per selected row
    weights: np.ndarray  # the shrunken disease effect of each selected row

    def mask(self, figure: str) -> np.ndarray:
        """Which selected rows enter ``figure`` (all, the up or the down genes)."""
        if figure == "percent_improvement_up":
            return self.up
        if figure == "percent_improvement_down":
            return ~self.up
        return np.ones(len(self.rows), bool)


@dataclass(frozen=True)
class FastStatistic:
    """The corrected and naive signature figures on the fast linear model."""

    design: linear_model.Design
    n_top: int
    variance_prior: linear_model.VariancePrior
    disease_prior: NormalMixturePrior
    kappa: float  # Cov(d, t) / Var(d) of the linear model: the same for every gene
    se_d_scale: float = 1.0  # se of d relative to the equal-variance model's

    @classmethod
    def on(
        cls,
        expression: np.ndarray,
        design: linear_model.Design,
        n_top: int,
        prior_start: NormalMixturePrior | None = None,
    ) -> FastStatistic:
        """Parameters from statistics that no null draw changes — the fit of the model in
        which disease and treatment are one group — so the observed data and every draw go
        through the same function, and the null distribution is exact. ``prior_start``: a
        prior fitted to similar data (bootstrap worlds) to start the EM from."""
        pooled = linear_model.pooled_fit(expression, design)
        kappa = design.variance_factor(design.treatment, design.disease) / design.variance_factor(
            design.disease, design.disease
        )
        if prior_start is None:
            prior = fit_prior(pooled.d, pooled.se_d)
        else:  # a world: a few EM steps from the data's prior, on an even subset of genes
            step = max(1, len(pooled.d) // WORLD_PRIOR_GENES)
            prior = fit_prior(pooled.d[::step], pooled.se_d[::step], 8, start=prior_start)
        return cls(design, n_top, pooled.variance_prior, prior, kappa)

    @classmethod
    def estimator(
        cls,
        expression: np.ndarray,
        design: linear_model.Design,
        n_top: int,
        prior_start: NormalMixturePrior | None = None,
    ) -> FastStatistic:
        """The statistic as an estimator: the same, but aware that the groups may vary
        unequally. A group more variable than the others (a disease group twice as variable)
        makes Cov(d, t) / Var(d) differ from the equal-variance value (−1/2 for equal groups)
        and mis-sizes se(d); each group's variance factor (its median within-group variance,
        relative to the mean over samples) enters both through the OLS sandwich. The null's
        statistic (``on``) keeps the pooled model's parameters, which no draw changes."""
        base = cls.on(expression, design, n_top, prior_start)
        factors = relative_factors(
            linear_model.mean_squares_by_role(expression, design), design.roles
        )
        unscaled = design.unscaled
        sandwich = unscaled @ design.matrix.T @ (factors[:, None] * design.matrix) @ unscaled
        v_dd = float(design.disease @ sandwich @ design.disease)
        v_td = float(design.treatment @ sandwich @ design.disease)
        equal = design.variance_factor(design.disease, design.disease)
        return cls(
            design,
            n_top,
            base.variance_prior,
            base.disease_prior,
            v_td / v_dd,
            float(np.sqrt(v_dd / equal)),
        )

    def __call__(self, expression: np.ndarray) -> np.ndarray:
        return self.from_fit(*linear_model.least_squares(expression, self.design))

    def from_fit(self, coefficients: np.ndarray, rss: np.ndarray) -> np.ndarray:
        """The statistics of a least-squares fit (one null draw of ``nulls.fitted_draws``), in
        the order of ``STATISTICS``."""
        values, _ = self.evaluate(coefficients, rss)
        return np.array([values[name] for name in STATISTICS])

    def evaluate(
        self,
        coefficients: np.ndarray,
        rss: np.ndarray,
        rows: np.ndarray | None = None,
        up: np.ndarray | None = None,
    ) -> tuple[dict, Selection]:
        """Every statistic by name, and the genes they were computed over: the ``n_top`` genes
        with the largest disease statistic, or the given ``rows`` (the DE step's disease genes
        on the data itself) with their direction ``up``."""
        fit = linear_model.fit_from(coefficients, rss, self.design, self.variance_prior)
        if rows is None:
            top = np.argpartition(-np.abs(fit.stat_d), self.n_top - 1)[: self.n_top]
        else:
            top = np.asarray(rows)
        d, t = fit.d[top], fit.t[top]
        m = self.disease_prior.posterior_mean(d, fit.se_d[top] * self.se_d_scale)
        corrected = t - self.kappa * (d - m)
        selection = Selection(rows=top, up=d > 0 if up is None else np.asarray(up), weights=m)
        values = dict.fromkeys(STATISTICS, math.nan)
        for name in FIGURES:
            genes = selection.mask(name)
            if genes.sum() >= 2:
                values[name] = SCALES[name] * through_origin(m[genes], corrected[genes])
                values[f"naive_{name}"] = SCALES[name] * through_origin(d[genes], t[genes])
        selected = np.zeros(len(fit.d), bool)
        selected[top] = True
        values["connectivity"] = connectivity(
            fit.stat_t, selected & (fit.d > 0), selected & (fit.d < 0)
        )
        return values, selection


def group_variance_factors(residuals: np.ndarray, roles: np.ndarray) -> np.ndarray:
    """Per sample: its group's median within-group variance across genes, relative to the
    mean over samples (1 everywhere when the groups vary alike)."""
    mean_squares = {
        role: (residuals[:, roles == role] ** 2).mean(axis=1) for role in np.unique(roles)
    }
    return relative_factors(mean_squares, roles)


def relative_factors(mean_squares: dict[str, np.ndarray], roles: np.ndarray) -> np.ndarray:
    """Per sample: the median over genes of its role's mean squared residual, relative to the
    mean over samples."""
    variance = {role: float(np.median(values)) for role, values in mean_squares.items()}
    factors = np.array([variance[role] for role in roles])
    mean = float(factors.mean())
    return factors / mean if mean > 0 else np.ones(len(roles))
