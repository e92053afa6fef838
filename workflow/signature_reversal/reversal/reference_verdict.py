"""Reversal of a reference disease signature: does the treatment move a published (e.g. human)
disease signature back?

The reference shares no samples with the treatment contrast, so T needs no decorrelation
(κ = 0); the reference's own effects are still noisy and were selected on their size, so they
are shrunk by empirical Bayes (from the reference's standard errors) before the slope of T on
them is fitted, exactly as for the dataset's own signature. The null is the same
treatment-does-nothing null (rotations or relabellings of the disease and treatment samples);
with the reference fixed, the statistic only needs T recomputed on each draw.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import anndata as ad
import numpy as np
import pandas as pd
from scipy import stats

from ..inputs.gene_sets import restrict_to_genes
from ..inputs.gmt import GeneSet
from ..inputs.reference_signatures import NO_STANDARD_ERROR, MappedReference
from ..settings import ReferenceSpec, VerdictRule
from . import linear_model, nulls
from .connectivity import connectivity
from .estimates import (
    CorrectedEffects,
    Headline,
    corrected_effects,
    correlation,
    moved_toward_control,
    slope_figure,
    through_origin,
)
from .set_verdicts import (
    NOT_CHANGED,
    SetScores,
    fieller,
    judged_fdr,
    membership_matrix,
    set_verdict,
)
from .shrinkage import NormalMixturePrior
from .verdicts import decide, interval_pvalues, too_few_samples

log = logging.getLogger("signature_reversal")

MIN_SET_GENES = 5  # reference genes a set needs before its reference shift is judged


@dataclass
class ReferenceResult:
    """Everything the comparison with one reference signature found."""

    spec: ReferenceSpec
    verdict: str
    reason: str
    genes: pd.DataFrame  # per mapped reference gene: reference D, dataset T, corrected figures
    sets: pd.DataFrame  # per curated set: reference shift, treatment shift, fraction restored
    mapping: pd.DataFrame  # per reference gene: what happened to it
    counts: dict
    null: nulls.NullPlan
    notes: list[str] = field(default_factory=list)  # what reading the reference did to rows
    figures: dict[str, Headline] = field(default_factory=dict)
    moved: dict = field(default_factory=dict)
    connectivity: dict = field(default_factory=dict)
    p_reversal: float = math.nan  # from the slope's interval model (gene lists: the null draws)
    p_aggravation: float = math.nan
    rotation_p_reversal: float = math.nan  # the null draws' check of "no effect"
    rotation_p_aggravation: float = math.nan
    correlation_ratio: dict = field(default_factory=dict)
    not_judged: str | None = None  # "too few genes" or "too few samples" when no call is possible
    null_draws_used: int | None = None  # fewer than planned when every p-value was clearly large

    def summary(self, treatment: str) -> dict:
        def number(value):
            return float(value) if value is not None and math.isfinite(value) else None

        return {
            "reference": self.spec.name,
            "description": self.spec.description,
            "kind": self.spec.kind,
            "species": self.spec.species,
            "treatment": treatment,
            "verdict": self.verdict,
            "reason": self.reason,
            "not_judged": self.not_judged,
            **{name: figure.to_dict() for name, figure in self.figures.items()},
            "percent_moved_toward_control": {k: number(v) for k, v in self.moved.items()},
            "connectivity": {k: number(v) for k, v in self.connectivity.items()},
            "p_reversal": number(self.p_reversal),
            "p_aggravation": number(self.p_aggravation),
            "null": {
                **self.null.to_dict(),
                "draws_used": self.null_draws_used,
                "p_reversal": number(self.rotation_p_reversal),
                "p_aggravation": number(self.rotation_p_aggravation),
            },
            "mapping": self.counts,
            "notes": self.notes,
            "n_reference_genes": int(self.genes["reference_selected"].sum()),
            "n_reference_up": int(
                (self.genes["reference_selected"] & (self.genes["reference_log2FC"] > 0)).sum()
            ),
            "n_reference_down": int(
                (self.genes["reference_selected"] & (self.genes["reference_log2FC"] < 0)).sum()
            ),
            "correlation_ratio": {k: number(v) for k, v in self.correlation_ratio.items()},
            "gene_sets": {r["gene_set"]: r["verdict"] for _, r in self.sets.iterrows()},
        }


def reference_gene_table(
    signature: pd.DataFrame, treatment: pd.DataFrame
) -> tuple[pd.DataFrame, CorrectedEffects]:
    """Per mapped reference gene tested in the dataset: the reference effect D, the dataset's
    treatment effect T, −T/D, the shrunken reference effect and the corrected improvement."""
    t = treatment.set_index("gene")
    genes = signature.set_index("data_gene").join(
        t[["symbol", "log2FC", "lfcSE", "padj", "stat"]].add_prefix("treatment_"), how="inner"
    )
    genes = genes.rename(
        columns={
            "log2FC": "reference_log2FC",
            "se": "reference_se",
            "padj": "reference_padj",
            "selected": "reference_selected",
            "treatment_symbol": "symbol",
        }
    )
    genes.index.name = "gene"
    genes = genes.dropna(subset=["treatment_log2FC"]).reset_index()
    d = genes["reference_log2FC"].to_numpy(float)
    se_d = genes["reference_se"].to_numpy(float)
    t_values = genes["treatment_log2FC"].to_numpy(float)
    se_t = genes["treatment_lfcSE"].to_numpy(float)
    if np.isfinite(se_d).sum() >= 50:
        # independent samples: the residual-contrast trick gives Cov(d, t) = 0, so κ = 0
        effects = corrected_effects(d, se_d, t_values, se_t, np.sqrt(se_d**2 + se_t**2))
    else:  # a gene list or a table without standard errors: nothing to shrink
        effects = _unshrunk(d, t_values, se_t)
    genes["improvement"] = -t_values / d
    genes["reference_log2FC_shrunk"] = effects.shrunk_disease
    with np.errstate(divide="ignore", invalid="ignore"):
        genes["improvement_corrected"] = -t_values / effects.shrunk_disease
    return genes, effects


def _unshrunk(d: np.ndarray, t: np.ndarray, se_t: np.ndarray) -> CorrectedEffects:
    zeros = np.zeros_like(d)
    prior = NormalMixturePrior(sd=np.array([1.0]), weight=np.array([1.0]))
    return CorrectedEffects(
        kappa=zeros,
        shrunk_disease=d.copy(),
        corrected_treatment=t.copy(),
        null_treatment_mean=zeros,
        null_treatment_sd=se_t,
        treatment_se=se_t,
        residual_sd=se_t,
        prior=prior,
        disease=d,
        disease_se=zeros,  # effects taken as given: no error to shrink, none to average over
    )


def _fast_statistics(
    coefficients: np.ndarray,
    rss: np.ndarray,
    design: linear_model.Design,
    weights: np.ndarray,
    up: np.ndarray,
    down: np.ndarray,
    variance_prior: linear_model.VariancePrior,
) -> np.ndarray:
    """Slope, % improvement up and down, connectivity: the reference (selection and weights)
    fixed, T from the linear model."""
    fit = linear_model.fit_from(coefficients, rss, design, variance_prior)
    values = [
        scale * through_origin(weights[genes], fit.t[genes]) if genes.sum() >= 2 else math.nan
        for genes, scale in ((up | down, 1.0), (up, -100.0), (down, -100.0))
    ]
    return np.array([*values, connectivity(fit.stat_t, up, down)])


def run_reference(
    spec: ReferenceSpec,
    mapped: MappedReference,
    treatment: pd.DataFrame,
    adata: ad.AnnData,
    size_factors: pd.Series,
    curated: Sequence[GeneSet],
    rule: VerdictRule,
    design_formula: str = "~condition",
) -> ReferenceResult:
    """Judge whether the treatment reverses a reference disease signature.

    Parameters
    ----------
    spec, mapped
        The reference and its genes on the dataset's genes (``references.map_to_data``).
    treatment
        The dataset's treatment-vs-disease DE table.
    adata, size_factors, design_formula
        The dataset, its size factors and design, for the null draws and the set scores.
    curated
        Curated gene sets in the data's gene IDs (per-pathway answers).
    """
    # per gene: reference D (shrunk), dataset T
    genes, effects = reference_gene_table(mapped.signature, treatment)
    genes, effects, mapped = _drop_unweighted(genes, effects, mapped, spec)
    selected = genes["reference_selected"].to_numpy(bool)
    d = genes["reference_log2FC"].to_numpy(float)
    t = genes["treatment_log2FC"].to_numpy(float)
    up, down = selected & (d > 0), selected & (d < 0)
    # the dataset's log2 expression of these genes, and its linear model
    tested = adata[:, genes["gene"].astype(str).to_numpy()]
    expression = linear_model.log_expression(tested, size_factors.loc[tested.obs_names].to_numpy())
    design = linear_model.Design.from_formula(tested.obs, design_formula)
    plan = nulls.plan(design, rule.null_method, rule.permutations)
    result = ReferenceResult(
        spec=spec,
        verdict="no evidence",
        reason="",
        genes=genes,
        sets=pd.DataFrame(),
        mapping=mapped.mapping,
        counts=mapped.counts(),
        null=plan,
        notes=mapped.notes,
    )
    if selected.sum() < max(rule.min_disease_genes, 3):
        result.not_judged = "too few genes"
        result.reason = (
            f"only {int(selected.sum())} selected reference genes are tested in the data; at "
            f"least {rule.min_disease_genes} are needed"
        )
        return result
    weights = effects.shrunk_disease
    sigma2 = linear_model.fit(expression, design).sigma2
    variance_prior = linear_model.VariancePrior.fit(sigma2, design.df_residual)

    def statistics(coefficients: np.ndarray, rss: np.ndarray) -> np.ndarray:
        return _fast_statistics(coefficients, rss, design, weights, up, down, variance_prior)

    observed = statistics(*linear_model.least_squares(expression, design))
    null = nulls.signature_null(
        statistics,
        expression,
        design,
        plan,
        rule.seed,
        rule.sequential_exceedances,
        observed,
        slope=0,
        connectivity=3,
        label=f"{spec.name}: null ({plan.method})",
    )
    result.null_draws_used = len(null.draws)
    residuals = linear_model.residuals(expression, design)
    for name, mask, scale in (
        ("slope", selected, 1.0),
        ("percent_improvement_up", up, -100.0),
        ("percent_improvement_down", down, -100.0),
    ):
        correlated = correlation(residuals[mask], weights[mask], design.df_residual)
        result.correlation_ratio[name] = correlated.ratio
        result.figures[name] = slope_figure(d, t, effects, mask, scale, correlated)
    moved, moved_null = moved_toward_control(d, t, effects, selected)
    result.moved = {"observed": moved, "null_expected": moved_null}
    result.connectivity = {
        "observed": float(observed[3]),
        "null_expected": null.connectivity_expected,
        "p": null.p_connectivity,
    }
    result.rotation_p_reversal = null.p_reversal
    result.rotation_p_aggravation = null.p_aggravation
    if spec.kind == "gene_list":  # no effect sizes: the null draws decide the direction
        result.p_reversal, result.p_aggravation = null.p_reversal, null.p_aggravation
    else:
        result.p_reversal, result.p_aggravation = interval_pvalues(result.figures["slope"], "slope")
    if plan.smallest_p >= rule.alpha:
        result.not_judged = "too few samples"
        result.reason = too_few_samples(plan, rule)
    elif spec.kind == "gene_list":
        result.verdict, result.reason = _direction_only(result, rule)
    else:
        result.verdict, result.reason = decide(result.figures["slope"], rule, "slope")
    usable, _ = restrict_to_genes(curated, genes["gene"], MIN_SET_GENES, 10**9)
    result.sets = _set_verdicts(genes, expression, design, usable, rule)
    log.info("%s: %s (%s)", spec.name, result.verdict, result.reason)
    return result


def _drop_unweighted(
    genes: pd.DataFrame, effects: CorrectedEffects, mapped: MappedReference, spec: ReferenceSpec
) -> tuple[pd.DataFrame, CorrectedEffects, MappedReference]:
    """Selected reference genes whose shrunken effect is not finite (a blank, zero or infinite
    standard error in a table that has them) cannot weigh in the slope: they are left out,
    logged, and counted as such in ``mapping.tsv``."""
    unusable = genes["reference_selected"].to_numpy(bool) & ~np.isfinite(effects.shrunk_disease)
    if not unusable.any():
        return genes, effects, mapped
    names = genes.loc[unusable, "reference_gene"]
    log.warning(
        "%s: %d selected reference genes have no usable standard error (blank, 0 or infinite) "
        "and are left out of the figures: %s",
        spec.name,
        len(names),
        ", ".join(names.astype(str).head(10)),
    )
    mapping = mapped.mapping.copy()
    mapping.loc[mapping["reference_gene"].isin(names), "status"] = NO_STANDARD_ERROR
    keep = ~unusable
    signature = mapped.signature[~mapped.signature["reference_gene"].isin(names)]
    mapped = MappedReference(signature, mapping, mapped.notes)
    return genes[keep].reset_index(drop=True), effects.subset(keep), mapped


def _direction_only(result: ReferenceResult, rule: VerdictRule) -> tuple[str, str]:
    """A gene list has no effect sizes: the verdict says which way, not how far."""
    slope = result.figures["slope"].estimate
    if result.p_reversal < rule.alpha and slope < 0:
        return "reverses", (
            f"p = {result.p_reversal:.3g} < {rule.alpha}: the treatment moves the list's up "
            "genes down and its down genes up (a gene list has no effect sizes, so full and "
            "partial reversal cannot be told apart)"
        )
    if result.p_aggravation < rule.alpha and slope > 0:
        return "aggravates", f"p = {result.p_aggravation:.3g} < {rule.alpha} away from control"
    return "no evidence", (
        f"p = {result.p_reversal:.3g} (reversal) and {result.p_aggravation:.3g} (aggravation)"
    )


def _set_verdicts(
    genes: pd.DataFrame,
    expression: np.ndarray,
    design: linear_model.Design,
    gene_sets: Mapping[str, list[str]],
    rule: VerdictRule,
) -> pd.DataFrame:
    """Per curated set: the reference's mean shift over the set's genes (judged when it differs
    from 0 at the FDR of ``gene_set_disease_fdr``), the dataset's treatment shift (t-test of the
    set score), the fraction of the reference shift restored with Fieller's interval, FDR and
    verdict."""
    names, membership = membership_matrix(genes["gene"], gene_sets)
    if not names:
        return pd.DataFrame()
    d = genes["reference_log2FC"].to_numpy(float)
    se = genes["reference_se"].to_numpy(float)
    sizes = membership.sum(axis=1)
    mean_d = membership @ d / sizes
    has_se = np.isfinite(se)
    var_mean_d = (membership * has_se) @ np.where(has_se, se**2, 0) / sizes**2
    with np.errstate(divide="ignore", invalid="ignore"):
        z = mean_d / np.sqrt(var_mean_d)
    p_reference = np.where(np.isfinite(z), 2 * stats.norm.sf(np.abs(z)), np.nan)
    fdr_reference = np.full(len(names), np.nan)
    finite = np.isfinite(p_reference)
    if finite.any():
        fdr_reference[finite] = stats.false_discovery_control(p_reference[finite])
    # gene lists (no standard errors): judged when the set leans clearly one way
    judged = np.where(finite, fdr_reference < rule.gene_set_disease_fdr, np.abs(mean_d) >= 0.5)
    scores = SetScores(expression, membership, design)
    p_rev, p_agg = scores.pvalues_against(np.sign(mean_d))
    fdr = judged_fdr(p_rev, p_agg, judged)
    rows = []
    for i, name in enumerate(names):
        quantile = float(stats.t.ppf(0.975, scores.df[i]))
        low, high = fieller(-scores.t[i], mean_d[i], scores.var_t[i], var_mean_d[i], 0.0, quantile)
        figure = Headline(
            observed=-scores.t[i] / mean_d[i],
            null_expected=0.0,
            estimate=-scores.t[i] / mean_d[i],
            ci_low=low,
            ci_high=high,
        )
        if judged[i]:
            verdict, reason = set_verdict(figure, fdr[i], rule)
        else:
            verdict = NOT_CHANGED
            reason = (
                f"the reference's mean shift over the set has FDR {fdr_reference[i]:.3g}"
                if math.isfinite(fdr_reference[i])
                else "the gene list does not lean one way in this set"
            )
        rows.append(
            {
                "gene_set": name,
                "genes_in_reference": int(sizes[i]),
                "reference_mean_log2FC": mean_d[i],
                "reference_fdr": fdr_reference[i],
                "treatment_shift": scores.t[i],
                "fraction_restored": figure.estimate,
                "fraction_restored_ci_low": low,
                "fraction_restored_ci_high": high,
                "p_reversal": p_rev[i],
                "p_aggravation": p_agg[i],
                "fdr": fdr[i],
                "verdict": verdict,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows)
