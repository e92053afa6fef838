"""Does the treatment move the disease signature back toward control? Numbers and a verdict.

Disease signature D = log2FC(disease vs control), treatment effect T = log2FC(treatment vs
disease). Both contain the disease group's mean with opposite signs, so sampling noise alone
makes D and T negatively correlated and a naive slope or correlation "finds" reversal in noise.
Significance therefore comes from a label-permutation null: when the treatment does nothing,
disease and treatment samples are exchangeable, so their labels are shuffled and every statistic
is recomputed, keeping the shared-sample dependence (see SCIENCE notes in the README).

The point estimates use the DESeq2 log2 fold changes; the permutations and the bootstrap use a
fast moment estimator (differences of mean log2 normalized counts) of the same quantities,
because refitting DESeq2 hundreds of times is too slow.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from .progress import tracked

VERDICTS = ("reverses", "partially reverses", "no evidence", "aggravates")


@dataclass(frozen=True)
class VerdictRule:
    """Thresholds of the verdict; they come from config and are printed in the report."""

    alpha: float = 0.05
    disease_padj: float = 0.05
    disease_min_abs_log2fc: float = 1.0
    min_disease_genes: int = 20
    full_reversal_slope: float = -0.5
    full_reversal_fraction: float = 0.5
    gene_set_disease_fdr: float = 0.05
    permutations: int = 1000
    bootstrap: int = 500
    seed: int = 1


@dataclass(frozen=True)
class Groups:
    """Log2 normalized expression (genes × samples) and the column indices of each role."""

    expression: np.ndarray
    control: np.ndarray
    disease: np.ndarray
    treatment: np.ndarray


def log_normalized(counts: np.ndarray, size_factors: np.ndarray) -> np.ndarray:
    """log2(count / size factor + 1), genes × samples; counts given samples × genes."""
    return np.log2(counts / size_factors[:, None] + 1.0).T


def log_expression(adata, size_factors: np.ndarray) -> np.ndarray:
    """Genes × samples log2 expression for the fast estimator: normalized counts or X as is."""
    if "counts" in adata.layers:
        return log_normalized(np.asarray(adata.layers["counts"], dtype=float), size_factors)
    return np.asarray(adata.X, dtype=float).T


def make_groups(expression: np.ndarray, roles: np.ndarray) -> Groups:
    """Split sample columns by role."""
    return Groups(
        expression=expression,
        control=np.flatnonzero(roles == "control"),
        disease=np.flatnonzero(roles == "disease"),
        treatment=np.flatnonzero(roles == "treatment"),
    )


# --- per gene -------------------------------------------------------------------------------


def gene_table(
    disease: pd.DataFrame, treatment: pd.DataFrame, residual: pd.DataFrame, rule: VerdictRule
) -> pd.DataFrame:
    """Per gene: D, T, R with padj, whether it is a disease gene, improvement −T/D and class."""

    def pick(table: pd.DataFrame, prefix: str) -> pd.DataFrame:
        return table.set_index("gene")[["log2FC", "padj"]].add_prefix(prefix)

    genes = (
        pick(disease, "disease_")
        .join(pick(treatment, "treatment_"))
        .join(pick(residual, "residual_"))
    )
    if "symbol" in disease.columns:
        genes.insert(0, "symbol", disease.set_index("gene")["symbol"].reindex(genes.index))
    genes["disease_gene"] = (genes["disease_padj"] < rule.disease_padj) & (
        genes["disease_log2FC"].abs() >= rule.disease_min_abs_log2fc
    )
    genes["improvement"] = -genes["treatment_log2FC"] / genes["disease_log2FC"]
    genes["treatment_stat"] = treatment.set_index("gene")["stat"].reindex(genes.index)
    genes["reversal_class"] = classify(genes, rule.alpha)
    return genes.reset_index()


def classify(genes: pd.DataFrame, alpha: float) -> pd.Series:
    """reversed / partial / overshoot / unchanged / aggravated for disease genes, '' otherwise."""
    significant = genes["treatment_padj"] < alpha
    opposite = np.sign(genes["treatment_log2FC"]) == -np.sign(genes["disease_log2FC"])
    improvement = genes["improvement"]
    classes = pd.Series("unchanged", index=genes.index)
    classes[significant & ~opposite] = "aggravated"
    classes[significant & opposite & (improvement < 0.5)] = "partial"
    classes[significant & opposite & (improvement >= 0.5) & (improvement <= 1.5)] = "reversed"
    classes[significant & opposite & (improvement > 1.5)] = "overshoot"
    classes[~genes["disease_gene"]] = ""
    return classes


# --- fast statistics under relabelling -------------------------------------------------------


def _slope(d: np.ndarray, t: np.ndarray) -> np.ndarray:
    """OLS slope of t on d along the last axis."""
    dc = d - d.mean(axis=-1, keepdims=True)
    tc = t - t.mean(axis=-1, keepdims=True)
    return (dc * tc).sum(axis=-1) / (dc * dc).sum(axis=-1)


def _fold_changes(
    groups: Groups, disease_cols: np.ndarray, treatment_cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """D, T and a moderated t of D for given disease/treatment column sets (genes along axis 0)."""
    x = groups.expression
    control = x[:, groups.control]
    disease = x[:, disease_cols]
    treatment = x[:, treatment_cols]
    d = disease.mean(axis=1) - control.mean(axis=1)
    t = treatment.mean(axis=1) - disease.mean(axis=1)
    n_c, n_d = control.shape[1], disease.shape[1]
    pooled = (control.var(axis=1, ddof=1) * (n_c - 1) + disease.var(axis=1, ddof=1) * (n_d - 1)) / (
        n_c + n_d - 2
    )
    se = np.sqrt(pooled * (1 / n_c + 1 / n_d))
    fudged = se + np.median(se)  # SAM-style fudge keeps low-variance genes in check
    t_stat = np.divide(d, fudged, out=np.zeros_like(d), where=fudged > 0)
    return d, t, t_stat


def ks_enrichment(positions: np.ndarray, n: int) -> float:
    """Unweighted Kolmogorov–Smirnov enrichment of a query at 1-based ``positions`` in a list of
    ``n`` genes, as in the Connectivity Map (Lamb et al., Science 2006): positive when the query
    sits at the top."""
    t = len(positions)
    if t == 0:
        return math.nan
    v = np.sort(positions).astype(float)
    j = np.arange(1, t + 1)
    a = np.max(j / t - v / n)
    b = np.max(v / n - (j - 1) / t)
    return float(a if a > b else -b)


def connectivity(ranking: np.ndarray, up: np.ndarray, down: np.ndarray) -> float:
    """CMap connectivity of the disease signature in the treatment ranking (genes by decreasing
    treatment effect): (ES_up − ES_down) / 2 when the two have opposite signs, else 0.
    Negative = the treatment pushes disease-up genes down and disease-down genes up."""
    order = np.argsort(-ranking, kind="stable")
    position = np.empty(len(ranking), dtype=int)
    position[order] = np.arange(1, len(ranking) + 1)
    es_up = ks_enrichment(position[up], len(ranking))
    es_down = ks_enrichment(position[down], len(ranking))
    if not (np.isfinite(es_up) and np.isfinite(es_down)) or np.sign(es_up) == np.sign(es_down):
        return 0.0
    return (es_up - es_down) / 2


def _signature_statistics(
    groups: Groups, disease_cols: np.ndarray, treatment_cols: np.ndarray, n_top: int
) -> np.ndarray:
    """Slope of T on D and CMap connectivity, over the ``n_top`` genes most changed by disease
    under this labelling (re-selected for every labelling)."""
    d, t, t_stat = _fold_changes(groups, disease_cols, treatment_cols)
    top = np.zeros(len(d), dtype=bool)
    top[np.argpartition(-np.abs(t_stat), n_top - 1)[:n_top]] = True
    slope = float(_slope(d[top], t[top]))
    return np.array([slope, connectivity(t, top & (d > 0), top & (d < 0))])


def _improvement(d: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Mean per-gene improvement −T/D (in %) over disease-up and over disease-down genes."""
    ratio = -t / d
    up, down = d > 0, d < 0
    return 100 * np.array(
        [ratio[up].mean() if up.any() else np.nan, ratio[down].mean() if down.any() else np.nan]
    )


def _set_statistics(
    groups: Groups, disease_cols: np.ndarray, treatment_cols: np.ndarray, membership: np.ndarray
) -> np.ndarray:
    """Per set: −sign(mean D) · mean T, i.e. how far the set moved back (log2 units)."""
    d, t, _ = _fold_changes(groups, disease_cols, treatment_cols)
    sizes = membership.sum(axis=1)
    mean_d = membership @ d / sizes
    mean_t = membership @ t / sizes
    return -np.sign(mean_d) * mean_t


def relabellings(
    groups: Groups, max_permutations: int, seed: int
) -> tuple[list[tuple[np.ndarray, np.ndarray]], bool]:
    """Splits of the disease+treatment samples into pseudo-disease/pseudo-treatment groups.

    All distinct splits when there are at most ``max_permutations`` (exact test; the first one is
    the observed labelling), else a seeded random sample. Returns the splits and whether exact.
    """
    pool = np.concatenate([groups.disease, groups.treatment])
    n_d = len(groups.disease)
    total = math.comb(len(pool), n_d)
    if total <= max_permutations:
        splits = []
        for chosen in itertools.combinations(range(len(pool)), n_d):
            mask = np.zeros(len(pool), dtype=bool)
            mask[list(chosen)] = True
            splits.append((pool[mask], pool[~mask]))
        return splits, True
    rng = np.random.default_rng(seed)
    splits = []
    for _ in range(max_permutations):
        order = rng.permutation(len(pool))
        splits.append((pool[np.sort(order[:n_d])], pool[np.sort(order[n_d:])]))
    return splits, False


def permutation_pvalues(observed: float | np.ndarray, null: np.ndarray, exact: bool):
    """One-sided p-values (lower, upper) of ``observed`` against a null along axis 0.

    Exact enumeration includes the observed labelling; random sampling adds it (+1 rule), so a
    p-value is never 0.
    """
    observed = np.asarray(observed)
    lower = (null <= observed + 1e-12).sum(axis=0)
    upper = (null >= observed - 1e-12).sum(axis=0)
    n = null.shape[0]
    if exact:
        return lower / n, upper / n
    return (lower + 1) / (n + 1), (upper + 1) / (n + 1)


# --- signature level ---------------------------------------------------------------------------


@dataclass
class SignatureResult:
    """Signature-level numbers behind the overall verdict."""

    verdict: str
    reason: str
    n_disease_genes: int
    n_disease_up: int
    n_disease_down: int
    slope: float
    slope_ci_low: float
    slope_ci_high: float
    null_slope_median: float
    p_reversal: float
    p_aggravation: float
    percent_moved_toward_control: float
    median_improvement: float
    percent_improvement_up: float
    percent_improvement_up_ci_low: float
    percent_improvement_up_ci_high: float
    percent_improvement_down: float
    percent_improvement_down_ci_low: float
    percent_improvement_down_ci_high: float
    connectivity: float
    p_connectivity: float
    n_permutations: int
    exact_permutation: bool
    min_attainable_p: float

    def to_dict(self) -> dict:
        return {k: _plain(v) for k, v in asdict(self).items()}


def _plain(value):
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _bootstrap_columns(groups: Groups, rng: np.random.Generator) -> Groups:
    """Resample replicates with replacement within each group."""
    return Groups(
        expression=groups.expression,
        control=rng.choice(groups.control, len(groups.control)),
        disease=rng.choice(groups.disease, len(groups.disease)),
        treatment=rng.choice(groups.treatment, len(groups.treatment)),
    )


def signature_verdict(genes: pd.DataFrame, groups: Groups, rule: VerdictRule) -> SignatureResult:
    """Slope of T on D over disease genes, its bootstrap CI, permutation p-values and verdict.

    ``groups.expression`` rows must follow ``genes`` rows (the DE-tested genes, same order).
    """
    disease_mask = genes["disease_gene"].to_numpy()
    n_disease = int(disease_mask.sum())
    d = genes["disease_log2FC"].to_numpy()[disease_mask]
    t = genes["treatment_log2FC"].to_numpy()[disease_mask]
    splits, exact = relabellings(groups, rule.permutations, rule.seed)
    min_p = 1 / len(splits) if exact else 1 / (len(splits) + 1)
    base = dict(
        n_disease_genes=n_disease,
        n_disease_up=int((d > 0).sum()),
        n_disease_down=int((d < 0).sum()),
        n_permutations=len(splits),
        exact_permutation=exact,
        min_attainable_p=min_p,
    )
    if n_disease < max(rule.min_disease_genes, 3):
        reason = (
            f"only {n_disease} disease genes (padj < {rule.disease_padj}, |log2FC| ≥ "
            f"{rule.disease_min_abs_log2fc}); at least {rule.min_disease_genes} are needed to "
            "judge reversal of a signature"
        )
        if min_p >= rule.alpha:  # say both when both apply
            reason += "; also " + _decide(math.nan, math.nan, math.nan, min_p, rule, "slope")[1]
        return _without_estimate("no evidence", reason, base)
    slope = float(_slope(d, t))
    moved_back = float(np.mean(np.sign(t) == -np.sign(d)) * 100)
    median_improvement = float(np.median(-t / d))
    improvement = _improvement(d, t)
    ranking = genes["treatment_stat"].fillna(0).to_numpy()
    observed_connectivity = connectivity(
        ranking,
        disease_mask & (genes["disease_log2FC"] > 0).to_numpy(),
        disease_mask & (genes["disease_log2FC"] < 0).to_numpy(),
    )

    observed = _signature_statistics(groups, groups.disease, groups.treatment, n_disease)
    null = np.array(
        [
            _signature_statistics(groups, a, b, n_disease)
            for a, b in tracked(splits, len(splits), "signature permutation null")
        ]
    )
    p_rev, p_agg = permutation_pvalues(observed[0], null[:, 0], exact)
    p_connectivity, _ = permutation_pvalues(observed[1], null[:, 1], exact)

    # CIs: percentiles of a within-group bootstrap of the fast estimator over the same disease
    # genes, shifted onto the DESeq2 estimates
    rng = np.random.default_rng(rule.seed + 1)
    boot_groups = Groups(
        groups.expression[disease_mask], groups.control, groups.disease, groups.treatment
    )

    def estimates(g: Groups) -> np.ndarray:
        bd, bt, _ = _fold_changes(g, g.disease, g.treatment)
        return np.concatenate([[_slope(bd, bt)], _improvement(bd, bt)])

    boot = np.array(
        [
            estimates(_bootstrap_columns(boot_groups, rng))
            for _ in tracked(range(rule.bootstrap), rule.bootstrap, "signature bootstrap")
        ]
    )
    shift = np.concatenate([[slope], improvement]) - estimates(boot_groups)
    with np.errstate(invalid="ignore"):
        low = np.nanquantile(boot, 0.025, axis=0) + shift
        high = np.nanquantile(boot, 0.975, axis=0) + shift

    verdict, reason = _decide(slope, p_rev, p_agg, min_p, rule, "slope")
    return SignatureResult(
        verdict=verdict,
        reason=reason,
        slope=slope,
        slope_ci_low=float(low[0]),
        slope_ci_high=float(high[0]),
        null_slope_median=float(np.median(null[:, 0])),
        p_reversal=float(p_rev),
        p_aggravation=float(p_agg),
        percent_moved_toward_control=moved_back,
        median_improvement=median_improvement,
        percent_improvement_up=float(improvement[0]),
        percent_improvement_up_ci_low=float(low[1]),
        percent_improvement_up_ci_high=float(high[1]),
        percent_improvement_down=float(improvement[1]),
        percent_improvement_down_ci_low=float(low[2]),
        percent_improvement_down_ci_high=float(high[2]),
        connectivity=observed_connectivity,
        p_connectivity=float(p_connectivity),
        **base,
    )


def _without_estimate(verdict: str, reason: str, base: dict) -> SignatureResult:
    """A result whose numbers cannot be estimated; the reason says why."""
    estimated = [
        f.name for f in fields(SignatureResult) if f.name not in {*base, "verdict", "reason"}
    ]
    missing = dict.fromkeys(estimated, math.nan)
    return SignatureResult(verdict=verdict, reason=reason, **missing, **base)


def _decide(
    effect: float, p_rev: float, p_agg: float, min_p: float, rule: VerdictRule, kind: str
) -> tuple[str, str]:
    """Apply the verdict rule to a slope (−1 = full reversal) or a restored fraction (1 = full)."""
    if min_p >= rule.alpha:
        return "no evidence", (
            f"too few samples: the smallest attainable permutation p-value is {min_p:.3g}, not "
            f"below alpha = {rule.alpha}; add replicates to disease or treatment groups"
        )
    reversal_size = -effect if kind == "slope" else effect
    full = -rule.full_reversal_slope if kind == "slope" else rule.full_reversal_fraction
    label = "slope" if kind == "slope" else "fraction restored"
    if p_rev < rule.alpha and reversal_size >= full:
        return "reverses", (
            f"permutation p = {p_rev:.3g} < {rule.alpha} and {label} {effect:.2f} reaches the "
            f"full-reversal threshold ({'≤' if kind == 'slope' else '≥'} "
            f"{effect_threshold(rule, kind)})"
        )
    if p_rev < rule.alpha and reversal_size > 0:
        return "partially reverses", (
            f"permutation p = {p_rev:.3g} < {rule.alpha} but {label} {effect:.2f} is short of "
            f"{effect_threshold(rule, kind)}"
        )
    if p_agg < rule.alpha and reversal_size < 0:
        return "aggravates", (
            f"permutation p = {p_agg:.3g} < {rule.alpha} for movement further from control "
            f"({label} {effect:.2f})"
        )
    return "no evidence", (
        f"permutation p = {p_rev:.3g} (reversal) and {p_agg:.3g} (aggravation), neither below "
        f"{rule.alpha}"
    )


def effect_threshold(rule: VerdictRule, kind: str) -> float:
    return rule.full_reversal_slope if kind == "slope" else rule.full_reversal_fraction


# --- gene-set level ---------------------------------------------------------------------------


def gene_set_verdicts(
    genes: pd.DataFrame,
    groups: Groups,
    gene_sets: Mapping[str, list[str]],
    gsea_disease: pd.DataFrame,
    gsea_treatment: pd.DataFrame,
    rule: VerdictRule,
) -> pd.DataFrame:
    """Per set: NES pair, fraction restored (−mean T / mean D) with CI and permutation p, verdict.

    A set not changed by disease (GSEA FDR ≥ ``gene_set_disease_fdr``) gets no reversal verdict.
    """
    index = {g: i for i, g in enumerate(genes["gene"])}
    names = [n for n in gene_sets if any(g in index for g in gene_sets[n])]
    if not names:
        return pd.DataFrame()
    membership = np.zeros((len(names), len(genes)))
    for row, name in enumerate(names):
        membership[row, [index[g] for g in gene_sets[name] if g in index]] = 1.0
    sizes = membership.sum(axis=1)
    d = genes["disease_log2FC"].to_numpy()
    t = genes["treatment_log2FC"].to_numpy()
    finite = np.isfinite(d) & np.isfinite(t)
    member_finite = membership * finite
    mean_d = (member_finite @ np.nan_to_num(d)) / member_finite.sum(axis=1)
    mean_t = (member_finite @ np.nan_to_num(t)) / member_finite.sum(axis=1)
    restored = -mean_t / mean_d

    splits, exact = relabellings(groups, rule.permutations, rule.seed)
    min_p = 1 / len(splits) if exact else 1 / (len(splits) + 1)
    observed = _set_statistics(groups, groups.disease, groups.treatment, membership)
    null = np.array(
        [
            _set_statistics(groups, a, b, membership)
            for a, b in tracked(splits, len(splits), "gene-set permutation null")
        ]
    )
    # the set statistic grows with reversal, so reversal is the upper tail here
    p_agg, p_rev = permutation_pvalues(observed, null, exact)

    rng = np.random.default_rng(rule.seed + 2)
    boot = []
    for _ in tracked(range(rule.bootstrap), rule.bootstrap, "gene-set bootstrap"):
        g = _bootstrap_columns(groups, rng)
        bd, bt, _ = _fold_changes(g, g.disease, g.treatment)
        boot.append(-(membership @ bt) / (membership @ bd))
    boot = np.asarray(boot)
    fast_d, fast_t, _ = _fold_changes(groups, groups.disease, groups.treatment)
    shift = restored - (-(membership @ fast_t) / (membership @ fast_d))
    with np.errstate(invalid="ignore"):
        low = np.nanquantile(boot, 0.025, axis=0) + shift
        high = np.nanquantile(boot, 0.975, axis=0) + shift

    nes_d = gsea_disease.set_index("gene_set")
    nes_t = gsea_treatment.set_index("gene_set")
    rows = []
    for i, name in enumerate(names):
        fdr_d = float(nes_d["fdr"].get(name, np.nan))
        if not fdr_d < rule.gene_set_disease_fdr:
            verdict = "not changed by disease"
            reason = (
                f"disease GSEA FDR {fdr_d:.3g} ≥ {rule.gene_set_disease_fdr}"
                if math.isfinite(fdr_d)
                else "not tested by GSEA (size outside min/max)"
            )
        else:
            verdict, reason = _decide(restored[i], p_rev[i], p_agg[i], min_p, rule, "fraction")
        rows.append(
            {
                "gene_set": name,
                "genes_in_data": int(sizes[i]),
                "disease_NES": float(nes_d["NES"].get(name, np.nan)),
                "disease_fdr": fdr_d,
                "treatment_NES": float(nes_t["NES"].get(name, np.nan)),
                "treatment_fdr": float(nes_t["fdr"].get(name, np.nan)),
                "mean_disease_log2FC": mean_d[i],
                "mean_treatment_log2FC": mean_t[i],
                "fraction_restored": restored[i],
                "fraction_restored_ci_low": low[i],
                "fraction_restored_ci_high": high[i],
                "p_reversal": p_rev[i],
                "p_aggravation": p_agg[i],
                "verdict": verdict,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows)
