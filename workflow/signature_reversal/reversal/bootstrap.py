"""Figures that hold on data nobody designed: the fast estimator calibrated by a parametric
bootstrap of the data's own fitted model.

The corrected figures (``fast_figures``) remove the shared-sample bias, the winner's curse and
the dilution *under a Gaussian error model with known standard errors*. Real counts break it
where it matters: dispersions scatter around their trend (so the standard errors of the genes
selected for a large effect are too small), low and overdispersed counts give skewed log-scale
errors, one group can be more variable than the others. On such data the corrected slope of a
treatment that does nothing read −0.08 to −0.11 and the % improvement of disease-down genes
+14 to +18 points (validation/robustness.py). Each of these is a property of the data that the
data's fitted model reproduces, so instead of patching each assumption the estimator is
calibrated on worlds drawn from that model, with the whole procedure rerun on each — the
parametric bootstrap bias correction of Efron & Tibshirani (An Introduction to the Bootstrap,
1993, ch. 10) in the form of indirect inference (Gouriéroux, Monfort & Renault, J Appl Econom
1993): the estimator's value is regressed on the truth across worlds and inverted.

A world (``World.from_data``): negative-binomial counts with the data's size factors; per gene
the control mean, the covariates' fitted shifts, and a dispersion drawn around DESeq2's MAP
estimate so that the spread around the trend is the one DESeq2 estimated (its prior variance);
each group's dispersion scaled by how variable that group is; disease effects drawn from their
empirical-Bayes posterior (so the world's effects are spread through the selection threshold
as the data's are); treatment effects T = β·D. Normalized (log-scale) data get Gaussian worlds
with limma's variance prior instead.

For each figure, values across worlds at β = 0 and β = the estimator's own value give the line
value ≈ a + c·truth (truth: the world's figure over the genes the estimator selected in it);
the calibrated estimate is (observed − a)/c, its standard error the scatter around the line
divided by |c|, widened for gene-gene correlation (world genes are independent) and for the
Monte Carlo error of the line. A figure whose line is flat (c small: the disease effects are
too close to the noise) or that rests on few genes is marked as not to be trusted.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import polygamma

from . import linear_model
from .fast_figures import FIGURES, SCALES, FastStatistic, Selection, group_variance_factors
from .shrinkage import NormalMixturePrior, fit_prior

DEFAULT_WORLDS = 40  # worlds per β; two values of β
MIN_SLOPE_RESPONSE = 0.3  # below this c the figure barely follows the truth
MIN_FIGURE_GENES = 10
HIGH_COUNT = 100.0  # genes whose variance is mostly overdispersion, for the group factors


@dataclass(frozen=True)
class World:
    """The data's fitted model, to draw bootstrap datasets from."""

    kind: str  # counts | normalized
    design: linear_model.Design
    base: np.ndarray  # per gene: control mean (normalized count, or log expression)
    shift: np.ndarray  # genes × samples: log2 (or log-scale) shift of the covariates
    size_factors: np.ndarray
    spread: np.ndarray  # per gene: dispersion (counts) or residual variance (normalized)
    spread_log_sd: float  # SD of the gene-wise spread around its trend not in ``spread``
    group_factor: np.ndarray  # per sample: its group's relative variability
    posterior: tuple[np.ndarray, np.ndarray, np.ndarray]  # disease-effect posterior components
    has_posterior: np.ndarray  # genes whose disease effect has a posterior
    caveat: str | None = None  # a property of the data the calibration is known to miss

    @classmethod
    def from_data(
        cls,
        expression: np.ndarray,
        counts: np.ndarray | None,
        size_factors: np.ndarray,
        design: linear_model.Design,
        dispersions: pd.DataFrame | None,
        disease: np.ndarray,
        disease_se: np.ndarray,
        prior: NormalMixturePrior,
    ) -> World:
        """The world of one dataset: ``expression`` (genes × samples, log2 normalized counts or
        log expression), ``counts`` (genes × samples; None for normalized data), the DE step's
        ``dispersions`` (rows in gene order), the DE disease effects and their prior."""
        roles = design.roles
        control = roles == "control"
        coefficients, _ = linear_model.least_squares(expression, design)
        shift = coefficients[:, design.n_roles :] @ design.covariates.T
        residuals = linear_model.residuals(expression, design)
        # the DE step's standard errors assume equally variable groups: rescale them by how
        # variable the disease and control groups are, and draw effects from that posterior
        factors = group_variance_factors(residuals, roles)
        scale = _disease_se_scale(design, factors)
        has = np.isfinite(disease) & np.isfinite(disease_se) & (disease_se > 0)
        if abs(scale - 1) > 1e-3:
            prior = fit_prior(disease[has], disease_se[has] * scale)
        posterior = prior.posterior_components(
            np.where(has, disease, 0.0), np.where(has, disease_se * scale, 1.0)
        )
        if counts is not None and dispersions is not None:
            normalized = counts / size_factors[None, :]
            base = np.maximum(normalized[:, control].mean(axis=1), 0.5 / size_factors.mean())
            mean = dispersions["base_mean"].to_numpy(float)
            map_ = dispersions["map"].to_numpy(float)
            trend = dispersions["fitted"].to_numpy(float)
            spread_log_sd = _missing_scatter(
                dispersions["genewise"].to_numpy(float), map_, trend, design.df_residual
            )
            high = mean >= HIGH_COUNT
            group_factor = group_variance_factors(
                residuals[high] if high.sum() > 50 else residuals, roles
            )
            asymptote = float(np.median(trend[mean >= np.quantile(mean, 0.9)]))
            return cls(
                kind="counts",
                design=design,
                base=base,
                shift=shift,
                size_factors=size_factors,
                spread=map_,
                spread_log_sd=spread_log_sd,
                group_factor=group_factor,
                posterior=posterior,
                has_posterior=has,
                caveat=_caveat(group_factor, roles, asymptote),
            )
        fit = linear_model.fit(expression, design)
        prior_df = fit.df - design.df_residual
        return cls(
            kind="normalized",
            design=design,
            base=coefficients[:, design.present.index("control")],
            shift=shift,
            size_factors=size_factors,
            spread=fit.sigma2,
            spread_log_sd=float(np.sqrt(2 / prior_df)) if np.isfinite(prior_df) else 0.0,
            group_factor=group_variance_factors(residuals, roles),
            posterior=posterior,
            has_posterior=has,
            caveat=_caveat(group_variance_factors(residuals, roles), roles, 0.0),
        )

    def draw_effects(self, rng: np.random.Generator) -> np.ndarray:
        """Disease effects drawn from their posterior (0 where none)."""
        weight, mean, variance = self.posterior
        cumulative = np.cumsum(weight, axis=1)
        u = rng.random(len(weight)) * cumulative[:, -1]
        component = np.minimum((cumulative < u[:, None]).sum(axis=1), weight.shape[1] - 1)
        rows = np.arange(len(weight))
        effects = mean[rows, component] + np.sqrt(variance[rows, component]) * rng.standard_normal(
            len(weight)
        )
        return np.where(self.has_posterior, effects, 0.0)

    def draw_spread(self, rng: np.random.Generator) -> np.ndarray:
        """Each gene's dispersion (or variance) with the scatter around the trend restored."""
        return self.spread * np.exp(rng.normal(0.0, self.spread_log_sd, len(self.spread)))

    def expression(
        self,
        disease: np.ndarray,
        treatment: np.ndarray,
        spread: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """One dataset (genes × samples) on the analysis scale, with these true effects.

        Built in blocks of genes: each block's means and draws stay in cache, and the only
        genes × samples array is the result (a world at 20,000 genes × 1,000 samples took
        2.7-4.0 s and ~1 GB as whole arrays, 1.4 s and ~340 MB in blocks). Every variate is
        drawn in the same order as from whole arrays (all gamma variates, then all Poisson),
        so a world is the same bit for bit however it is blocked."""
        genes, samples = len(disease), len(self.design.roles)
        out = np.empty((genes, samples))
        blocks = linear_model.gene_blocks(genes, samples)
        if self.kind == "normalized":
            for rows in blocks:
                effect = self._effect(disease[rows], treatment[rows])
                sd = np.sqrt(spread[rows, None] * self.group_factor[None, :])
                noise = sd * rng.standard_normal(effect.shape)
                out[rows] = self.base[rows, None] + effect + self.shift[rows] + noise
            return out
        for rows in blocks:  # gamma variates (negative_binomial's first draw), in place
            effect = self._effect(disease[rows], treatment[rows]) + self.shift[rows]
            mean = self.base[rows, None] * 2.0**effect * self.size_factors[None, :]
            dispersion = spread[rows, None] * self.group_factor[None, :]
            out[rows] = rng.gamma(1 / dispersion, dispersion * mean)
        for rows in blocks:  # then the Poisson counts, logged in place
            counts = rng.poisson(out[rows])
            out[rows] = np.log2(counts / self.size_factors[None, :] + 1.0)
        return out

    def _effect(self, disease: np.ndarray, treatment: np.ndarray) -> np.ndarray:
        """Genes × samples true log effects of one block of genes."""
        roles = self.design.roles
        effect = np.zeros((len(disease), len(roles)))
        effect[:, roles != "control"] += disease[:, None]
        effect[:, roles == "treatment"] += treatment[:, None]
        return effect


def negative_binomial(mean: np.ndarray, dispersion: np.ndarray, rng: np.random.Generator):
    """Negative-binomial counts (variance mean + dispersion·mean²) drawn as the gamma–Poisson
    mixture they are: numpy's ``negative_binomial`` draws the same two variates per count but
    takes 2–2.5× as long on large arrays (3.4 s against 1.6 s for 20,000 × 1,000), which made
    the bootstrap worlds most of a 1,000-sample run. ``World.expression`` draws the same
    variates block by block."""
    return rng.poisson(rng.gamma(1 / dispersion, dispersion * mean))


UNEQUAL_GROUPS = 2.0  # a group this many times as variable as another
STRONG_OVERDISPERSION = 0.2  # dispersion of highly expressed genes (CV of 45% and more)


def _caveat(factors: np.ndarray, roles: np.ndarray, asymptote: float) -> str | None:
    """Data like these left the calibrated figures biased or their intervals short in the
    robustness study (docs/validation.md): say so beside the figures."""
    by_group = {role: float(factors[roles == role][0]) for role in np.unique(roles)}
    ratio = max(by_group.values()) / min(by_group.values())
    if ratio >= UNEQUAL_GROUPS:
        loudest = max(by_group, key=by_group.get)
        return (
            f"the {loudest} group varies {ratio:.1f}× as much as the least variable one; on data "
            "like these the calibrated figures were off by up to 10 points (% improvement) in "
            "the robustness study"
        )
    if asymptote >= STRONG_OVERDISPERSION:
        return (
            f"the counts are strongly overdispersed (dispersion {asymptote:.2f} at high "
            "expression); on data like these the calibrated figures kept part of their bias "
            "(up to 7 points of % improvement) in the robustness study"
        )
    return None


def _disease_se_scale(design: linear_model.Design, factors: np.ndarray) -> float:
    """se(d) with these per-sample variance factors, relative to equal variances."""
    unscaled = design.unscaled
    sandwich = unscaled @ design.matrix.T @ (factors[:, None] * design.matrix) @ unscaled
    equal = design.variance_factor(design.disease, design.disease)
    return float(np.sqrt(design.disease @ sandwich @ design.disease / equal))


def _missing_scatter(
    genewise: np.ndarray, map_: np.ndarray, trend: np.ndarray, df_residual: int
) -> float:
    """The SD of log dispersions around the trend that MAP estimates have lost to shrinkage.

    DESeq2 (``estimateDispersionsPriorVar``) estimates the true scatter of log dispersions
    around the trend as the squared MAD of the gene-wise log residuals minus their sampling
    variance, trigamma(df / 2) (here without its 0.25 floor); the MAP estimates keep part of
    it, and a draw around them adds the rest."""
    ok = (genewise > 1e-6) & np.isfinite(map_) & (map_ > 0) & np.isfinite(trend) & (trend > 0)
    if ok.sum() < 10 or df_residual < 1:
        return 0.0
    residual = np.log(genewise[ok]) - np.log(trend[ok])
    mad = 1.4826 * np.median(np.abs(residual - np.median(residual)))
    true_scatter = mad**2 - float(polygamma(1, df_residual / 2))
    kept = float(np.var(np.log(map_[ok] / trend[ok])))
    return float(np.sqrt(max(true_scatter - kept, 0.0)))


@dataclass(frozen=True)
class Calibrated:
    """One figure after calibration: the estimate, its standard error, the line behind it."""

    estimate: float
    se: float
    df: float  # degrees of freedom of the interval (t quantile)
    intercept: float  # a: the estimator's value in a world where the truth is 0
    response: float  # c: how much the estimator moves per unit of truth
    worlds: int
    trust: str | None = None  # why the interval should not be relied on, or None
    se_worlds: float = math.nan  # the worlds' own scatter at the estimate, before correlation

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        half = float(stats.t.ppf(0.5 + level / 2, self.df)) * self.se
        return self.estimate - half, self.estimate + half


@dataclass
class Calibration:
    """Every figure's calibration, what the naive figure is on data like these when the treatment
    does nothing, and the worlds' raw values (estimator, truth) per figure."""

    figures: dict[str, Calibrated]
    null_naive: dict[str, float]  # the naive figure's mean in the worlds where T = 0
    values: dict[str, np.ndarray] = field(default_factory=dict)


def world_truth(
    disease: np.ndarray, treatment: np.ndarray, selection: Selection, figure: str
) -> float:
    """A figure's truth in a world: over the genes the estimator selected there."""
    genes = selection.rows[selection.mask(figure)]
    d, t = disease[genes], treatment[genes]
    denominator = float(d @ d)
    return SCALES[figure] * float(d @ t) / denominator if denominator > 0 else math.nan


def calibrate(
    world: World,
    statistic: FastStatistic,
    observed: dict[str, float],
    counts_in: dict[str, int],
    correlation_ratio: dict[str, float],
    worlds: int = DEFAULT_WORLDS,
    seed: int = 1,
    threads: int = 1,
) -> Calibration:
    """Calibrate each figure of ``observed`` (the estimator on the data) on ``worlds`` draws at
    β = 0 and at β = the observed slope (−0.5 when that is near 0). ``counts_in``: genes each
    figure rests on; ``correlation_ratio``: variance inflation by gene-gene correlation.
    ``threads``: worlds drawn and fitted side by side (the figures do not change)."""
    beta_world = observed["slope"] if abs(observed["slope"]) >= 0.2 else -0.5
    beta_world = float(np.clip(beta_world, -1.5, 1.5))

    def one_draw(draw: int) -> list[tuple[float, dict, dict]]:
        # common random numbers: both worlds of a draw share their effects and dispersions
        draw_rng = np.random.default_rng([seed, draw])
        disease = world.draw_effects(draw_rng)
        spread = world.draw_spread(draw_rng)
        noise_seed = int(draw_rng.integers(2**31))
        done = []
        for beta in (0.0, beta_world):
            expression = world.expression(
                disease, beta * disease, spread, np.random.default_rng(noise_seed)
            )
            fitted = FastStatistic.estimator(
                expression, world.design, statistic.n_top, prior_start=statistic.disease_prior
            )
            result, selection = fitted.evaluate(
                *linear_model.least_squares(expression, world.design)
            )
            del expression  # a world at 1,000 samples is 160 MB
            truths = {
                name: world_truth(disease, beta * disease, selection, name) for name in FIGURES
            }
            done.append((beta, result, truths))
        return done

    if threads > 1:  # numpy's draws and BLAS release the GIL; each draw has its own seed
        with ThreadPoolExecutor(threads) as pool:
            draws = list(pool.map(one_draw, range(worlds)))
    else:
        draws = [one_draw(draw) for draw in range(worlds)]
    values = {name: [] for name in FIGURES}
    naive = {name: [] for name in FIGURES}
    for done in draws:  # in draw order: the same figures for any number of threads
        for beta, result, truths in done:
            for name in FIGURES:
                values[name].append((result[name], truths[name], beta != 0.0))
                if beta == 0.0:
                    naive[name].append(result[f"naive_{name}"])
    figures = {}
    for name in FIGURES:
        pairs = np.array(values[name], dtype=float)
        figures[name] = _invert(
            pairs,
            observed[name],
            counts_in.get(name, 0),
            correlation_ratio.get(name, 1.0),
            world.design.df_residual,
        )
        if figures[name].trust is None and world.caveat:
            figures[name] = replace(figures[name], trust=world.caveat)
    null_naive = {name: float(np.nanmean(naive[name])) for name in FIGURES}
    return Calibration(figures, null_naive, {k: np.array(v) for k, v in values.items()})


def _invert(
    pairs: np.ndarray, observed: float, n_genes: int, ratio: float, df_residual: int
) -> Calibrated:
    """Fit value = a + c·truth across worlds and invert it at the observed value. ``pairs``:
    (value, truth, 1 for a world with the treatment effect) per world.

    The worlds' scatter around the line is not the same with and without a treatment effect
    (the estimator scatters more around 0 than around a 70% reversal in the robustness study:
    pooled, the interval was ~20% too narrow for a null treatment and ~40% too wide for a
    strong one), so it is taken at the estimate: interpolated between the two sets of worlds
    by where the estimate lies between their mean truths (the nearer set's beyond them)."""
    ok = np.isfinite(pairs).all(axis=1)
    value, truth = pairs[ok, 0], pairs[ok, 1]
    treated = pairs[ok, 2] > 0 if pairs.shape[1] > 2 else np.zeros(len(value), bool)
    if len(value) < 6 or not math.isfinite(observed) or np.ptp(truth) < 1e-9:
        return Calibrated(
            math.nan, math.nan, math.inf, math.nan, math.nan, len(value), _few(n_genes)
        )
    slope, intercept = np.polyfit(truth, value, 1)
    residual = value - (intercept + slope * truth)
    estimate = (observed - intercept) / slope
    sigma2 = _local_scatter(residual, truth, treated, estimate)
    # Monte Carlo error of the line at the estimate (OLS prediction variance)
    centred = truth - truth.mean()
    mc = sigma2 * (1 / len(value) + (estimate - truth.mean()) ** 2 / float(centred @ centred))
    excess = max(ratio - 1.0, 0.0) if math.isfinite(ratio) else 0.0
    variance = (sigma2 * (1 + excess) + mc) / slope**2
    correlated = sigma2 * excess / slope**2
    df = df_residual * variance**2 / correlated**2 if correlated > 0 else math.inf
    trust = None
    if n_genes < MIN_FIGURE_GENES:
        trust = _few(n_genes)
    elif slope < MIN_SLOPE_RESPONSE:
        trust = (
            f"the estimator follows the truth only {slope:.2f}× in data like these (the disease "
            "effects are too close to the noise): the interval is not to be relied on"
        )
    return Calibrated(
        float(estimate),
        float(math.sqrt(variance)),
        float(df),
        float(intercept),
        float(slope),
        len(value),
        trust,
        float(math.sqrt(sigma2 + mc) / abs(slope)),
    )


def _local_scatter(
    residual: np.ndarray, truth: np.ndarray, treated: np.ndarray, at: float
) -> float:
    """Residual variance of the calibration line at truth ``at``: each set of worlds' own
    variance, linearly interpolated between their mean truths (pooled when a set is too small
    or the two sets' truths coincide)."""
    pooled = float(residual @ residual) / (len(residual) - 2)
    sets = [~treated, treated]
    if min(int(s.sum()) for s in sets) < 5:
        return pooled
    # mean squares around the line itself (a set's own mean offset is part of its error)
    variances = [float(residual[s] @ residual[s]) / (int(s.sum()) - 1) for s in sets]
    centres = [float(truth[s].mean()) for s in sets]
    if abs(centres[1] - centres[0]) < 1e-9 or not math.isfinite(at):
        return pooled
    share = float(np.clip((at - centres[0]) / (centres[1] - centres[0]), 0.0, 1.0))
    return variances[0] + share * (variances[1] - variances[0])


def _few(n_genes: int) -> str:
    return (
        f"only {n_genes} disease genes in this direction: too few for the figure to be pinned down"
    )
