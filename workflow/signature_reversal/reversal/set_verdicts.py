"""Gene-set level: is each pathway that disease changed moved back toward control?

Per set, every sample gets a score: the mean log2 expression of the set's genes. The set's
disease shift D̄ and treatment shift T̄ are contrasts of that score in the linear model, so the
test of T̄ = 0 is a t-test — fine-grained at any replicate count and aware of the correlation
between the set's genes (a self-contained test of the set score, as in roast/fry's "mean" set
statistic; Wu et al. 2010) — with each role group's own residual variance (Welch's test when
there are no covariates; ``linear_model.group_variances``).
The set is not selected on the data's D, so there is no winner's curse; the fraction of the
disease shift restored, −T̄/D̄, gets Fieller's interval for a ratio of two correlated normal
estimates (Fieller, J R Stat Soc B 1954), which is unbounded when D̄ itself is uncertain.

Judged sets (changed by disease) are called at a false-discovery rate (Benjamini–Hochberg across
the judged sets), and a set whose call rests on genes it shares with a set called more strongly
says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from ..settings import VerdictRule
from . import linear_model
from .estimates import CorrectedEffects, Headline
from .verdicts import CALLS, decide

NOT_CHANGED = "not changed by disease"
MIN_UNIQUE_GENES = 3


def fieller(
    a: float, b: float, var_a: float, var_b: float, cov_ab: float, quantile: float
) -> tuple[float, float]:
    """Confidence interval for a/b from normal estimates a, b (Fieller's theorem); (−inf, inf)
    when b is not distinguishable from 0 at this level."""
    qq = quantile**2
    leading = b**2 - qq * var_b
    if leading <= 0:
        return -math.inf, math.inf
    middle = a * b - qq * cov_ab
    constant = a**2 - qq * var_a
    root = math.sqrt(max(middle**2 - leading * constant, 0.0))
    return (middle - root) / leading, (middle + root) / leading


def set_scores(expression: np.ndarray, membership: np.ndarray) -> np.ndarray:
    """Per set and sample (sets × samples): the mean log2 expression of the set's genes."""
    return membership @ expression / membership.sum(axis=1, keepdims=True)


MIN_SETS_FOR_PRIOR = 8  # sets a family needs before their variances are moderated together


class SetScores:
    """Per-sample scores of a family of gene sets, their contrasts in the linear model, and
    the contrasts' variances with each role group's own residual variance
    (``linear_model.group_variances``: a disease group noisier than the control group would
    otherwise make the set tests too liberal at few replicates).

    At 3 replicates a group's variance of one set score has 2 degrees of freedom, and the set's
    t-test almost no power. The variances are moderated across the family's sets as limma
    moderates genes' (Smyth 2004, empirical Bayes with an F prior: ``VariancePrior``), on the
    scale where sets are alike: each set's variance over the variance its score would have if
    its genes were independent (Σ of the genes' own group variances / k², CAMERA's variance
    inflation factor; Wu & Smyth 2012), so that small and large, loose and co-regulated sets
    share one prior. Where the ratios vary more than sampling explains, d0 is small and little
    is borrowed. ``priors`` (per group, by its first sample): a family's priors, for a subset
    of its genes tested alone."""

    def __init__(
        self,
        expression: np.ndarray,
        membership: np.ndarray,
        design: linear_model.Design,
        priors: dict[int, linear_model.VariancePrior] | None = None,
    ):
        self.scores = set_scores(expression, membership)
        self.d, self.t = linear_model.contrasts_of(self.scores, design)
        disease = design.disease if design.has_control else np.zeros_like(design.treatment)
        self.priors: dict[int, linear_model.VariancePrior] = dict(priors or {})
        fit = priors is None and len(membership) >= MIN_SETS_FOR_PRIOR
        moderate = None
        if fit or self.priors:
            # the genes' own group variances, for the genes the family's sets hold
            used = membership.any(axis=0)
            gene_variance, _, _ = linear_model.group_residual_variances(expression[used], design)
            members_of_sets = membership[:, used]
            sizes = membership.sum(axis=1)

            def moderate(samples, variances, df):
                independent = members_of_sets @ gene_variance[:, samples[0]] / sizes**2
                with np.errstate(divide="ignore", invalid="ignore"):
                    ratio = variances / independent
                key = int(samples[0])
                if fit:
                    self.priors[key] = linear_model.VariancePrior.fit(ratio, df)
                prior = self.priors.get(key)
                if prior is None or not np.all(np.isfinite(ratio)):
                    return variances, df
                moderated, total = prior.moderate(ratio, df)
                return independent * moderated, total

        spread = linear_model.group_variances(
            self.scores, design, design.treatment, disease, moderate=moderate
        )
        self.var_t, self.df = spread.var_a, spread.df_a
        if design.has_control:
            self.var_d, self.cov_td = spread.var_b, spread.cov_ab
        else:
            self.var_d = self.cov_td = np.full(len(self.t), np.nan)

    def pvalues(self) -> tuple[np.ndarray, np.ndarray]:
        """One-sided p of T̄ against D̄'s direction (reversal) and along it (aggravation)."""
        return self.pvalues_against(np.sign(self.d))

    def pvalues_against(self, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One-sided p of T̄ against ``direction`` (reversal) and along it (aggravation)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = self.t / np.sqrt(self.var_t) * direction
        stat = np.nan_to_num(stat, nan=0.0)
        return stats.t.cdf(stat, self.df), stats.t.sf(stat, self.df)

    def fraction(self, i: int) -> tuple[float, float, float]:
        """−T̄/D̄ of set ``i`` with its 95% Fieller interval."""
        quantile = float(stats.t.ppf(0.975, self.df[i]))
        low, high = fieller(
            -self.t[i], self.d[i], self.var_t[i], self.var_d[i], -self.cov_td[i], quantile
        )
        estimate = -self.t[i] / self.d[i] if self.d[i] != 0 else math.nan
        return estimate, low, high


def judged_fdr(p_rev: np.ndarray, p_agg: np.ndarray, judged: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg FDR of the two-sided set p-values, across the judged sets only
    (NaN for the others)."""
    two_sided = np.minimum(1.0, 2 * np.minimum(p_rev, p_agg))
    fdr = np.full(len(two_sided), np.nan)
    if judged.any():
        fdr[judged] = stats.false_discovery_control(two_sided[judged])
    return fdr


def set_verdict(figure: Headline, fdr: float, rule: VerdictRule) -> tuple[str, str]:
    """A judged set's verdict: its interval, and its FDR across the sets judged for a claim
    (the set's t-test and Fieller's interval share one variance model)."""
    return decide(figure, rule, "fraction", fdr=fdr)


def membership_matrix(genes: pd.Series, gene_sets: Mapping[str, list[str]]):
    """Names of the sets with at least one tested gene, and their sets × genes 0/1 matrix."""
    index = {g: i for i, g in enumerate(genes)}
    names = [n for n in gene_sets if any(g in index for g in gene_sets[n])]
    membership = np.zeros((len(names), len(genes)))
    for row, name in enumerate(names):
        membership[row, [index[g] for g in gene_sets[name] if g in index]] = 1.0
    return names, membership


def gene_set_verdicts(
    genes: pd.DataFrame,
    effects: CorrectedEffects,
    expression: np.ndarray,
    design: linear_model.Design,
    gene_sets: Mapping[str, list[str]],
    gsea_disease: pd.DataFrame,
    gsea_treatment: pd.DataFrame,
    rule: VerdictRule,
) -> pd.DataFrame:
    """Per set: NES pair, fraction restored (observed, null-expected, estimate with CI), p-values,
    FDR across judged sets, verdict, and the stronger sets its call shares genes with.

    A set not changed by disease (GSEA FDR ≥ ``gene_set_disease_fdr``) gets no reversal verdict.
    ``expression`` rows follow ``genes`` rows.
    """
    names, membership = membership_matrix(genes["gene"], gene_sets)
    if not names:
        return pd.DataFrame()
    scores = SetScores(expression, membership, design)
    p_rev, p_agg = scores.pvalues()
    d = genes["disease_log2FC"].to_numpy()
    t = genes["treatment_log2FC"].to_numpy()
    usable = np.isfinite(d) & np.isfinite(t) & np.isfinite(effects.null_treatment_mean)
    weights = membership * usable
    counts = np.maximum(weights.sum(axis=1), 1)
    mean_d = weights @ np.where(usable, d, 0) / counts
    mean_t = weights @ np.where(usable, t, 0) / counts
    mean_null_t = weights @ np.where(usable, effects.null_treatment_mean, 0) / counts

    nes_d = gsea_disease.set_index("gene_set")
    nes_t = gsea_treatment.set_index("gene_set")
    disease_fdr = np.array([float(nes_d["fdr"].get(n, np.nan)) for n in names])
    judged = disease_fdr < rule.gene_set_disease_fdr
    fdr = judged_fdr(p_rev, p_agg, judged)

    rows = []
    for i, name in enumerate(names):
        estimate, low, high = scores.fraction(i)
        with np.errstate(divide="ignore", invalid="ignore"):
            figure = Headline(
                observed=float(-mean_t[i] / mean_d[i]),
                null_expected=float(-mean_null_t[i] / mean_d[i]),
                estimate=estimate,
                ci_low=low,
                ci_high=high,
            )
        if judged[i]:
            verdict, reason = set_verdict(figure, fdr[i], rule)
        else:
            verdict = NOT_CHANGED
            reason = (
                f"disease GSEA FDR {disease_fdr[i]:.3g} ≥ {rule.gene_set_disease_fdr}"
                if math.isfinite(disease_fdr[i])
                else "not tested by GSEA (size outside min/max)"
            )
        rows.append(
            {
                "gene_set": name,
                "genes_in_data": int(membership[i].sum()),
                "disease_NES": float(nes_d["NES"].get(name, np.nan)),
                "disease_fdr": disease_fdr[i],
                "treatment_NES": float(nes_t["NES"].get(name, np.nan)),
                "treatment_fdr": float(nes_t["fdr"].get(name, np.nan)),
                "mean_disease_log2FC": mean_d[i],
                "mean_treatment_log2FC": mean_t[i],
                "fraction_restored_observed": figure.observed,
                "fraction_restored_null_expected": figure.null_expected,
                "fraction_restored": figure.estimate,
                "fraction_restored_ci_low": figure.ci_low,
                "fraction_restored_ci_high": figure.ci_high,
                "p_reversal": p_rev[i],
                "p_aggravation": p_agg[i],
                "fdr": fdr[i],
                "verdict": verdict,
                "reason": reason,
                "shared_with": "",
            }
        )
    table = pd.DataFrame(rows)
    _note_shared_calls(table, membership, expression, design, rule, scores)
    return table


def _note_shared_calls(
    table: pd.DataFrame,
    membership: np.ndarray,
    expression: np.ndarray,
    design: linear_model.Design,
    rule: VerdictRule,
    family: SetScores,
) -> None:
    """For each called set, check that its call survives without the genes it shares with sets
    called more strongly (its other genes tested with the family's variance prior); if not,
    say so in ``shared_with`` and the reason."""
    called = table.index[table["verdict"].isin(CALLS)]
    order = sorted(
        called, key=lambda i: min(table.at[i, "p_reversal"], table.at[i, "p_aggravation"])
    )
    for position, i in enumerate(order):
        stronger = [j for j in order[:position] if (membership[i] * membership[j]).any()]
        if not stronger:
            continue
        shared = membership[stronger].max(axis=0) > 0
        unique = (membership[i] > 0) & ~shared
        names = ", ".join(table.loc[stronger, "gene_set"])
        reversal_side = table.at[i, "verdict"] != "aggravates"
        if unique.sum() < MIN_UNIQUE_GENES:
            note = f"all but {int(unique.sum())} of its genes are in sets called more strongly"
        else:
            alone = SetScores(expression, unique[None, :].astype(float), design, family.priors)
            p_rev, p_agg = alone.pvalues()
            p_alone = float((p_rev if reversal_side else p_agg)[0])
            if p_alone < rule.alpha:
                continue
            note = f"its {int(unique.sum())} other genes alone give p = {p_alone:.3g}"
        table.at[i, "shared_with"] = names
        table.at[i, "reason"] += f"; driven by genes shared with {names} ({note})"
