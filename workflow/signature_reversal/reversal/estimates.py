"""Reversal figures that estimate the truth: the slope and the % improvement, corrected.

On the DE estimates, the naive slope of T on D over the disease genes is biased three ways
(SCIENCE: testing is not estimating): T and D share the disease group, so their errors are
negatively correlated; D is measured with error, which flattens the slope; genes were selected
for a large measured D, which is therefore too large. Per gene g:

1. **Decorrelate.** Cov(d, t) follows from the three contrasts' standard errors, because the
   residual contrast is R = D + T: Cov(d, t) = (se_R² − se_D² − se_T²) / 2. With
   κ = Cov(d, t) / Var(d), the error of t − κd is uncorrelated with the error of d.
2. **Shrink D.** m = E[D | d] under an empirical-Bayes prior fitted to all tested genes
   (``shrinkage``), which removes the winner's curse and regression dilution.
3. **Correct T.** T̂ = t − κ(d − m): t minus the part of its error predicted by d's error,
   estimated by d − m. Given d, E[T̂] = E[T | d] whatever selected the gene.

The slope is then Σ m·T̂ / Σ m² over the disease genes (through the origin: full reversal is
T = −D), and the % improvement of disease-up (or -down) genes is −100 × the same over those
genes — a weighted mean of the per-gene improvement −T/D that weights genes by their squared
disease effect (regression calibration; Carroll et al. 2006, ch. 4; Fuller 1987, ch. 1).

Each figure also has its *null expectation*: what the naive figure is expected to be on these
data if the treatment did nothing (E[t | d] = κ(d − m) then), the analogue of a trial's placebo
arm. The CI uses a heteroscedasticity-robust (sandwich) variance across genes, scaled up when
the null draws show more spread than that variance predicts (gene-gene correlation).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from .shrinkage import NormalMixturePrior, fit_prior


@dataclass(frozen=True)
class Headline:
    """One reported figure: the naive value, its no-effect expectation, and the corrected
    estimate with its 95% interval."""

    observed: float
    null_expected: float
    estimate: float
    ci_low: float
    ci_high: float
    note: str | None = None  # why the interval should not be relied on, or None
    se: float = math.nan  # standard error behind the interval (and its p-values)
    df: float = math.inf  # degrees of freedom of the interval's t quantile

    def to_dict(self) -> dict:
        out = {
            k: (None if not math.isfinite(v) else float(v))
            for k, v in asdict(self).items()
            if k != "note"
        }
        out["note"] = self.note
        return out

    @classmethod
    def missing(cls) -> Headline:
        return cls(*(math.nan,) * 5)


@dataclass
class CorrectedEffects:
    """Per gene, on the DE scale: decorrelation factor, shrunken D, corrected T."""

    kappa: np.ndarray  # Cov(d, t) / Var(d)
    shrunk_disease: np.ndarray  # m = E[D | d]
    corrected_treatment: np.ndarray  # T̂ = t − κ(d − m)
    null_treatment_mean: np.ndarray  # E[t | d] if the treatment did nothing: κ(d − m)
    null_treatment_sd: np.ndarray  # sd of t given d if the treatment did nothing
    treatment_se: np.ndarray  # standard error of t
    residual_sd: np.ndarray  # sd of t's error not explained by d's error
    prior: NormalMixturePrior
    disease: np.ndarray  # d
    disease_se: np.ndarray
    disease_posterior_var: np.ndarray | None = None  # Var[D | d]; None: D taken as known

    def subset(self, keep: np.ndarray) -> CorrectedEffects:
        """The same effects for the genes ``keep`` selects (the prior stays as fitted)."""
        return CorrectedEffects(
            **{
                name: value[keep] if isinstance(value, np.ndarray) else value
                for name, value in vars(self).items()
            }
        )


def corrected_effects(
    d: np.ndarray, se_d: np.ndarray, t: np.ndarray, se_t: np.ndarray, se_r: np.ndarray
) -> CorrectedEffects:
    """Steps 1–3 above for every gene (NaN where a standard error is missing)."""
    with np.errstate(invalid="ignore", divide="ignore"):  # a missing or infinite SE: κ = 0
        covariance = (se_r**2 - se_d**2 - se_t**2) / 2
        kappa = np.clip(covariance / se_d**2, -1.0, 0.0)
    kappa = np.where(np.isfinite(kappa), kappa, 0.0)
    prior = fit_prior(d, se_d)
    usable = np.isfinite(d) & np.isfinite(se_d) & (se_d > 0)
    m = np.full_like(d, np.nan)
    posterior_var = np.full_like(d, np.nan)
    m[usable] = prior.posterior_mean(d[usable], se_d[usable])
    posterior_var[usable] = prior.posterior_variance(d[usable], se_d[usable])
    with np.errstate(invalid="ignore"):
        residual_var = np.maximum(se_t**2 - kappa**2 * se_d**2, 0.0)
    return CorrectedEffects(
        kappa=kappa,
        shrunk_disease=m,
        corrected_treatment=t - kappa * (d - m),
        null_treatment_mean=kappa * (d - m),
        null_treatment_sd=np.sqrt(residual_var + kappa**2 * posterior_var),
        treatment_se=se_t,
        residual_sd=np.sqrt(residual_var),
        prior=prior,
        disease=d,
        disease_se=se_d,
        disease_posterior_var=posterior_var,
    )


def through_origin(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of y on x through the origin."""
    denominator = float(x @ x)
    return float(x @ y) / denominator if denominator > 0 else math.nan


@dataclass(frozen=True)
class Correlation:
    """How much gene-gene correlation inflates the noise of a weighted sum of genes, measured
    on the residuals of the linear model: the variance of the weighted residual "pseudo-gene"
    over the sum of the genes' own residual variances (1 = independent genes)."""

    ratio: float
    df: int  # residual degrees of freedom behind the estimate

    @property
    def excess(self) -> float:
        return max(0.0, self.ratio - 1.0) if math.isfinite(self.ratio) else 0.0


def correlation(residuals: np.ndarray, weights: np.ndarray, df: int) -> Correlation:
    """``residuals``: genes × samples of the chosen genes; ``weights``: one per gene."""
    pseudo_gene = weights @ residuals
    own = float(np.sum(weights**2 * (residuals**2).sum(axis=1)))
    ratio = float(pseudo_gene @ pseudo_gene) / own if own > 0 else math.nan
    return Correlation(ratio=ratio, df=df)


def slope_figure(
    d: np.ndarray,
    t: np.ndarray,
    effects: CorrectedEffects,
    genes: np.ndarray,
    scale: float = 1.0,
    correlated: Correlation | None = None,
) -> Headline:
    """A slope-type figure over ``genes`` (mask): −1 = full reversal for the slope itself;
    ``scale`` = −100 turns it into a % improvement.

    Its variance is that of the estimate around the slope *of these genes*: the noise of the
    corrected treatment effects (what d's error does not explain), Σ m²·Var(t | d) / (Σ m²)²,
    widened by gene-gene correlation (``correlated``; estimated with few degrees of freedom,
    so the interval uses a t quantile with Satterthwaite's df), plus what the uncertainty left
    in each shrunken disease effect does to the weights, Σ m²·(β − κ)²·Var(D | d) / (Σ m²)².
    A sandwich variance across genes would also count how differently the genes are reversed
    (some fully, some not), which is not noise for the slope over these genes: it made the
    interval up to three times too wide."""
    genes = genes & np.isfinite(effects.shrunk_disease) & np.isfinite(t)
    if genes.sum() < 2:
        return Headline.missing()
    dg, tg = d[genes], t[genes]
    m, corrected = effects.shrunk_disease[genes], effects.corrected_treatment[genes]
    estimate = through_origin(m, corrected)
    denominator = float(m @ m) ** 2
    noise = float(np.sum(m**2 * effects.residual_sd[genes] ** 2)) / denominator
    posterior = effects.disease_posterior_var
    weights = 0.0
    if posterior is not None:
        spread = np.nan_to_num(posterior[genes]) * (estimate - effects.kappa[genes]) ** 2
        weights = float(np.sum(m**2 * spread)) / denominator
    extra = correlated.excess * noise if correlated is not None else 0.0
    variance = noise + extra + weights
    df = correlated.df * variance**2 / extra**2 if extra > 0 else math.inf
    half = float(stats.t.ppf(0.975, df)) * math.sqrt(variance)
    low, high = sorted((scale * (estimate - half), scale * (estimate + half)))
    return Headline(
        observed=scale * through_origin(dg, tg),
        null_expected=scale * through_origin(dg, effects.null_treatment_mean[genes]),
        estimate=scale * estimate,
        ci_low=low,
        ci_high=high,
        se=abs(scale) * math.sqrt(variance),
        df=df,
    )


def moved_toward_control(
    d: np.ndarray, t: np.ndarray, effects: CorrectedEffects, genes: np.ndarray
) -> tuple[float, float]:
    """% of ``genes`` whose treatment effect opposes the disease effect, observed and expected
    if the treatment did nothing (shared disease samples alone push this above 50%)."""
    genes = genes & np.isfinite(t) & np.isfinite(effects.null_treatment_mean)
    if not genes.any():
        return math.nan, math.nan
    direction = np.sign(d[genes])
    observed = 100 * float(np.mean(np.sign(t[genes]) == -direction))
    # E[t | d] = κ(d − D) under no effect, averaged over each component of D's posterior
    weight, mean_d, var_d = effects.prior.posterior_components(
        effects.disease[genes], effects.disease_se[genes]
    )
    kappa = effects.kappa[genes][:, None]
    mean = kappa * (effects.disease[genes][:, None] - mean_d) * direction[:, None]
    sd = np.sqrt(effects.residual_sd[genes][:, None] ** 2 + kappa**2 * var_d)
    probability = (weight * stats.norm.cdf(-mean / np.maximum(sd, 1e-12))).sum(axis=1)
    expected = 100 * float(np.mean(probability))
    return observed, expected
