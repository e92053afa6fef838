"""The two Connectivity Map queries on the study's own data, with nulls from the data.

1. **disease** — which library signatures reverse the disease signature: the disease-vs-control
   ranking against every signature; negative scores are reversers.
2. **treatment** — what the treatment acts like: the treatment-vs-disease ranking against every
   signature; positive scores are look-alikes.
3. **placement** — where the treatment stands among known drugs: its own top and bottom genes
   (as many as a library signature has; its effects decorrelated from the disease samples both
   contrasts share) scored in the disease ranking like any library signature, and ranked among
   them.

Rankings are moderated t statistics of the contrast on log2 normalized counts (limma's
variance prior, fitted once on the data). The question is competitive — is this signature more
connected to the ranking than signatures of its size at random? — so the null scores the whole
library in the ranking with its genes permuted (CMap's, clue.io's and GSEA-prerank's null). A
self-contained null (rotating the samples, as the reversal verdicts do) asks whether the
treatment changes the signature's genes at all, and on the example called 530 of 6,100
signatures: every signature that touches a changed gene. Scores are clue.io's WTCS
normalised within cell line (NCS: divided by the mean of the same-signed null scores of that
cell line's signatures; Subramanian et al., Cell 2017). A signature's p-value: against the null
scores of every signature of its size (``size_groups``); Benjamini–Hochberg across the
library. A compound is called by its
most significant signature (``compound_table``); mechanisms of action are tested as sets of
signatures: their mean NCS on the data against the same mean on every draw (standardised by its
null SD, then pooled the same way).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..progress import stage
from ..reversal import linear_model
from ..reversal.estimates import corrected_effects
from . import scores
from .library import PreparedLibrary

# the disease query rotates control and disease: the design with its roles renamed so that the
# null machinery's "disease" and "treatment" are the study's control and disease
DISEASE_QUERY_ROLES = {"control": "disease", "disease": "treatment", "treatment": "control"}


@dataclass(frozen=True)
class DrugSettings:
    """Config ``drug_connectivity``."""

    draws: int = 200
    seed: int = 1
    fdr: float = 0.05
    top: int = 15


@dataclass
class QueryResult:
    """One query's scores per signature, compound and mechanism."""

    name: str
    signatures: pd.DataFrame
    compounds: pd.DataFrame
    mechanisms: pd.DataFrame
    null_positive: dict[str, float] = field(default_factory=dict)  # per cell line
    null_negative: dict[str, float] = field(default_factory=dict)


def moderated_statistic(
    design: linear_model.Design, prior: linear_model.VariancePrior, contrast: np.ndarray
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A contrast's moderated t from a fit's coefficients and residual sums of squares."""
    scale = math.sqrt(design.variance_factor(contrast, contrast))

    def statistic(coefficients: np.ndarray, rss: np.ndarray) -> np.ndarray:
        sigma2, _ = prior.moderate(rss / design.df_residual, design.df_residual)
        return coefficients @ contrast / (np.sqrt(sigma2) * scale)

    return statistic


def query_design(obs: pd.DataFrame, formula: str, query: str) -> linear_model.Design:
    """The design whose treatment contrast is the query's (disease: disease − control)."""
    if query == "disease":
        obs = obs.assign(role=obs["role"].astype(str).map(lambda r: DISEASE_QUERY_ROLES.get(r, r)))
    return linear_model.Design.from_formula(obs, formula)


def ranking_statistics(
    expression: np.ndarray, design: linear_model.Design
) -> tuple[Callable, tuple[np.ndarray, np.ndarray], linear_model.VariancePrior]:
    """The treatment contrast's moderated t as a function of a fit, the data's own fit, and
    the variance prior (fitted once, on the data)."""
    fit = linear_model.least_squares(expression, design)
    prior = linear_model.VariancePrior.fit(fit[1] / design.df_residual, design.df_residual)
    return moderated_statistic(design, prior, design.treatment), fit, prior


def query_ranking(expression: np.ndarray, design: linear_model.Design) -> np.ndarray:
    """The query's ranking: its contrast's moderated t on the data."""
    statistic, fit, _ = ranking_statistics(expression, design)
    return statistic(*fit)


def residual_directions(expression: np.ndarray, design: linear_model.Design) -> np.ndarray:
    """Each gene's residuals from the query's model, scaled to unit length (genes × samples):
    what the genes do within groups, where their co-regulation shows and no effect does."""
    coefficients, _ = linear_model.least_squares(expression, design)
    residuals = expression - coefficients @ design.matrix.T
    norms = np.linalg.norm(residuals, axis=1, keepdims=True)
    return np.divide(residuals, norms, out=np.zeros_like(residuals), where=norms > 0)


def variance_inflation(
    expression: np.ndarray, design: linear_model.Design, library: PreparedLibrary
) -> np.ndarray:
    """Per signature: how much more its genes' summed statistic varies than if they were
    independent (at least 1): ‖Σ up zᵢ − Σ down zᵢ‖² / m over the unit residual vectors zᵢ
    (``residual_directions``) of its m genes (CAMERA's 1 + (m − 1)ρ̄, Wu & Smyth, NAR 2012,
    with the signature's own signed correlations).

    Gene permutation treats a signature's genes as independent: data with no link to the
    library but co-regulated modules that signatures share (30 signatures' genes moving
    together from sample to sample) gave a call in 50 of 50 datasets; deflated by this, in 18
    of 50, while planted compounds stayed first in 50 of 50 (``benchmarks/drug_queries.py
    planted --modules``). With few samples the estimate is noisy (χ²_df / df for independent
    genes), which is what keeps it from doing more: an upper bound where the genes co-vary
    did no better (18 of 50) and a bound alone worse (29 of 50)."""
    estimate = np.ones(len(library.up))
    if design.df_residual < 1:
        return estimate
    directions = residual_directions(expression, design)
    for i, (up, down) in enumerate(zip(library.up, library.down, strict=True)):
        m = len(up) + len(down)
        if m > 1:
            summed = directions[up].sum(axis=0) - directions[down].sum(axis=0)
            estimate[i] = float(summed @ summed) / m
    return np.maximum(estimate, 1.0)


def run_query(
    name: str,
    expression: np.ndarray,
    design: linear_model.Design,
    library: PreparedLibrary,
    settings: DrugSettings,
) -> tuple[QueryResult, np.ndarray]:
    """The query's ranking of the data and every signature scored in it (``score_ranking``),
    each signature's p deflated by its genes' co-regulation in the data."""
    ranking = query_ranking(expression, design)
    inflation = variance_inflation(expression, design, library)
    return score_ranking(name, ranking, library, settings, inflation), ranking


def score_ranking(
    name: str,
    ranking: np.ndarray,
    library: PreparedLibrary,
    settings: DrugSettings,
    inflation: np.ndarray | None = None,
) -> QueryResult:
    """Every signature scored in one ranking of the library's genes (the data's statistic, or
    a published signature's), with its gene-permutation null, p-values and FDR; ``inflation``
    (``variance_inflation``, data with samples only) deflates each signature's standardised
    score before its p is read from the null."""
    tags = scores.Library(library.up, library.down, len(ranking))
    observed = tags.connectivity(ranking)
    with stage(f"{name} query: {len(observed):,} signatures, {settings.draws} random draws"):
        null = tags.connectivity_in(permuted(ranking, settings))
    sizes = tuple(np.array([len(s) for s in side]) for side in (library.up, library.down))
    return summarise(
        name,
        observed,
        null,
        library.annotation,
        sizes,
        settings,
        inflation=inflation,
        ks=tags.connectivity(ranking, scores.KS),
    )


def permuted(ranking: np.ndarray, settings: DrugSettings) -> np.ndarray:
    """The null's rankings (draws × genes): the ranking's genes permuted, draw after draw
    from the seed (the same draws for every query of one ranking)."""
    rng = np.random.default_rng(settings.seed)
    return np.array([ranking[rng.permutation(len(ranking))] for _ in range(settings.draws)])


def scaled_ks(raw: np.ndarray) -> np.ndarray:
    """Lamb 2006's connectivity, scaled by the library's largest positive and negative."""
    top, bottom = np.nanmax(np.append(raw, 0)), np.nanmin(np.append(raw, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(raw > 0, raw / top, np.where(raw < 0, -raw / bottom, 0.0))


def summarise(
    name: str,
    observed: np.ndarray,
    null: np.ndarray,
    annotation: pd.DataFrame,
    sizes: tuple[np.ndarray, np.ndarray],
    settings: DrugSettings,
    null_groups: np.ndarray | None = None,
    inflation: np.ndarray | None = None,
    ks: np.ndarray | None = None,
) -> QueryResult:
    """NCS, p and FDR per signature; compounds and mechanisms as sets of signatures.

    ``sizes``: each signature's up and down tag counts. ``null_groups``: signatures that
    share one null (default: same sizes, ``size_groups``). ``inflation``: each signature's
    variance inflation (≥ 1); its standardised score is divided by its square root before it
    is compared with the null. ``ks``: each signature's raw Lamb 2006 score, shown scaled
    (``scaled_ks``) beside the WTCS."""
    annotation = annotation.reset_index(drop=True)
    cell = annotation["cell_line"].replace("", "all").to_numpy()
    ncs, null_ncs, positive, negative = normalised_by_group(observed, null, cell)
    groups = size_groups(*sizes) if null_groups is None else null_groups
    scaled, scaled_null, _, _ = normalised_by_group(observed, null, groups)
    if inflation is not None:
        scaled = scaled / np.sqrt(inflation)
    p = pooled_pvalues(scaled, scaled_null.ravel())
    table = annotation.assign(
        up_genes=sizes[0],
        down_genes=sizes[1],
        **({} if ks is None else {"ks_connectivity": scaled_ks(ks)}),
        wtcs=observed,
        ncs=ncs,
        **({} if inflation is None else {"inflation": inflation}),
        p=p,
        fdr=_bh(p),
    )
    compounds = compound_table(table)
    mechanisms = (
        grouped(table, null_ncs, "moa") if (annotation["moa"] != "").any() else pd.DataFrame()
    )
    return QueryResult(name, table, compounds, mechanisms, positive, negative)


SIZE_BIN = 5  # genes: signatures whose up and down sides agree to this share a null


def size_groups(up: np.ndarray, down: np.ndarray) -> np.ndarray:
    """Signatures that share one null: those of the same size (up and down binned by
    ``SIZE_BIN`` genes).

    Under gene permutation a signature's null depends on nothing but its two sides' sizes (the
    genes are exchangeable), so signatures of one size share one null exactly, with draws ×
    signatures values instead of the draws alone. Standardising each signature by its own
    draws instead (GSEA's NES) added their noise to the tail: at p < 0.001 it called twice as
    many as it should on data with no link to the library. Each bin is standardised by its
    mean same-signed null score and all bins pooled (``summarise``)."""
    return (np.asarray(up) // SIZE_BIN) * 10_000 + np.asarray(down) // SIZE_BIN


def normalised_by_group(
    observed: np.ndarray, null: np.ndarray, groups: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict, dict]:
    """Scores and null draws (draws × signatures) divided, group by group of signatures, by
    the group's mean positive null score (positives) or mean |negative| one (negatives), as
    clue.io's NCS; and those means by group."""
    scaled = np.full_like(observed, np.nan)
    scaled_null = np.full_like(null, np.nan)
    positive, negative = {}, {}
    for group in pd.unique(groups):
        members = groups == group
        values = null[:, members]
        positive[group] = _mean(values[values > 0])
        negative[group] = _mean(-values[values < 0])
        scaled[members] = _normalise(observed[members], positive[group], negative[group])
        scaled_null[:, members] = _normalise(values, positive[group], negative[group])
    return scaled, scaled_null, positive, negative


def compound_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per compound: its most significant signature (which cell line and dose answer), that
    signature's NCS, the mean NCS over all its signatures (how consistent they are), and the
    compound's p — Šidák's for the best of its k signatures, 1 − (1 − p_min)^k, conservative
    for signatures that agree — with Benjamini–Hochberg across compounds. A compound found by
    one cell line is found: CMap build 02's cell lines agree weakly (a signature's same-compound
    signatures in other cell lines sit at a median percentile of 16% of the library)."""
    scored = table[np.isfinite(table["p"]) & (table["compound"] != "")]
    if scored.empty:
        return pd.DataFrame(columns=["compound", "signatures", "ncs", "mean_ncs", "p", "fdr"])
    best = scored.sort_values(["p", "ncs"], key=lambda c: c if c.name == "p" else -c.abs())
    best = best.drop_duplicates("compound").set_index("compound")
    groups = scored.groupby("compound")
    counts = groups.size()
    p = 1.0 - (1.0 - best["p"].reindex(counts.index)) ** counts
    out = pd.DataFrame(
        {
            "compound": counts.index,
            "signatures": counts.to_numpy(),
            "cell_lines": groups["cell_line"]
            .agg(lambda c: ", ".join(sorted(set(c))))
            .reindex(counts.index)
            .to_numpy(),
            "best_signature": best["signature"].reindex(counts.index).to_numpy(),
            "ncs": best["ncs"].reindex(counts.index).to_numpy(),
            "mean_ncs": groups["ncs"].mean().reindex(counts.index).to_numpy(),
            "p": p.to_numpy(),
        }
    )
    out["fdr"] = _bh(out["p"].to_numpy())
    return out.sort_values("ncs", kind="mergesort", ignore_index=True)


def grouped(table: pd.DataFrame, null_ncs: np.ndarray, column: str) -> pd.DataFrame:
    """Per class of signatures (a mechanism of action): mean NCS, its p-value and FDR."""
    labels = table[column].to_numpy()
    finite = np.isfinite(table["ncs"].to_numpy())
    keys, codes = np.unique(labels[finite & (labels != "")], return_inverse=True)
    rows = np.flatnonzero(finite & (labels != ""))
    if not len(keys):
        return pd.DataFrame()
    membership = np.zeros((len(rows), len(keys)))
    membership[np.arange(len(rows)), codes] = 1.0
    counts = membership.sum(axis=0)
    observed = table["ncs"].to_numpy()[rows] @ membership / counts
    null = null_ncs[:, rows] @ membership / counts  # draws × groups
    spread = null.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(spread > 0, observed / spread, 0.0)
        null_z = np.where(spread > 0, null / spread, 0.0)
    p = pooled_pvalues(z, null_z.ravel())
    cells = table.iloc[rows].groupby(codes)["cell_line"].agg(lambda c: ", ".join(sorted(set(c))))
    return pd.DataFrame(
        {
            column: keys,
            "signatures": counts.astype(int),
            "cell_lines": cells.to_numpy(),
            "mean_ncs": observed,
            "p": p,
            "fdr": _bh(p),
        }
    ).sort_values("mean_ncs", kind="mergesort", ignore_index=True)


def pooled_pvalues(values: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Two-sided p of each value against a pooled null: (1 + #|null| ≥ |value|) / (1 + N)."""
    magnitudes = np.sort(np.abs(null[np.isfinite(null)]))
    above = len(magnitudes) - np.searchsorted(magnitudes, np.abs(values), side="left")
    p = (1.0 + above) / (1.0 + len(magnitudes))
    return np.where(np.isfinite(values), p, np.nan)


def _normalise(values: np.ndarray, positive: float, negative: float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(values > 0, values / positive, np.where(values < 0, values / negative, 0.0))


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else math.nan


def joint_fdr(results: list[QueryResult]) -> None:
    """Benjamini–Hochberg over the queries of one analysis together (signatures, compounds and
    mechanisms each): the analysis's calls hold one FDR, so data with no link to the library
    make a call in at most the FDR of analyses, not in up to twice it (one chance per query)."""
    for table in ("signatures", "compounds", "mechanisms"):
        frames = [getattr(r, table) for r in results if len(getattr(r, table))]
        if not frames:
            continue
        fdr = _bh(np.concatenate([f["p"].to_numpy(float) for f in frames]))
        start = 0
        for frame in frames:
            frame["fdr"] = fdr[start : start + len(frame)]
            start += len(frame)


def _bh(p: np.ndarray) -> np.ndarray:
    fdr = np.full_like(p, np.nan)
    finite = np.isfinite(p)
    if finite.any():
        fdr[finite] = stats.false_discovery_control(p[finite])
    return fdr


@dataclass
class Placement:
    """The treatment's own signature scored in the disease ranking, among the library's."""

    wtcs: float
    ncs: float
    p: float  # against random signatures of its size in the same ranking
    rank: int  # among the library's signatures, most reversing first
    of: int
    compound_rank: int  # its NCS among the compounds' (their best signature's)
    compounds: int
    above: str  # the compound just more reversing
    below: str  # the compound just less reversing
    tags: int  # genes on each side

    def to_dict(self) -> dict:
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in vars(self).items()
        }


def treatment_ranking(expression: np.ndarray, design: linear_model.Design) -> np.ndarray:
    """The treatment effect decorrelated from the disease samples it shares with the disease
    contrast (``reversal.estimates.corrected_effects``: T̂ = t − κ(d − m), m the shrunken
    disease effect), over its standard error: ranked by the raw treatment contrast, noise alone
    would make the treatment's top genes the disease's bottom genes (at 3 + 3 + 3 samples a
    treatment that does nothing scored as a strong reverser)."""
    _, (coefficients, rss), prior = ranking_statistics(expression, design)
    sigma2, _ = prior.moderate(rss / design.df_residual, design.df_residual)
    residual = design.contrast("treatment", "control")

    def estimate(contrast: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        se = np.sqrt(sigma2 * design.variance_factor(contrast, contrast))
        return coefficients @ contrast, se

    (d, se_d), (t, se_t), (_, se_r) = map(estimate, (design.disease, design.treatment, residual))
    effects = corrected_effects(d, se_d, t, se_t, se_r)
    return np.nan_to_num(effects.corrected_treatment / se_t)


def place_treatment(
    disease: QueryResult,
    disease_ranking: np.ndarray,
    treatment: np.ndarray,
    library: PreparedLibrary,
    settings: DrugSettings,
) -> Placement:
    """The treatment's top and bottom genes by ``treatment`` (``treatment_ranking``; as many
    as the library's median signature side) scored in the disease query's ranking, normalised
    with the library's null, ranked among the library, and tested against random signatures of
    its size in the same ranking."""
    sizes = [len(s) for s in library.up if len(s)]
    k = int(np.median(sizes)) if sizes else 0
    if k == 0:
        return Placement(math.nan, math.nan, math.nan, 0, 0, 0, 0, "", "", 0)
    order = np.argsort(-treatment, kind="stable")
    own = scores.Library([order[:k]], [order[::-1][:k]], len(order))
    wtcs = float(own.connectivity(disease_ranking)[0])
    null = own.connectivity_in(permuted(disease_ranking, settings))[:, 0]
    return placement(disease, wtcs, null, k)


def placement(disease: QueryResult, wtcs: float, null: np.ndarray, tags: int) -> Placement:
    """A signature scored in the disease query (``wtcs``, with its own ``null`` draws) placed
    among the library's: its NCS on the library's scale, rank, and neighbouring compounds."""
    positive = _mean(np.array([v for v in disease.null_positive.values() if math.isfinite(v)]))
    negative = _mean(np.array([v for v in disease.null_negative.values() if math.isfinite(v)]))
    ncs = float(_normalise(np.array([wtcs]), positive, negative)[0])
    library_ncs = disease.signatures["ncs"].to_numpy()
    compounds = disease.compounds.sort_values("ncs", kind="mergesort")
    means = compounds["ncs"].to_numpy()
    position = int(np.searchsorted(means, ncs))
    names = compounds["compound"].tolist()
    return Placement(
        wtcs=wtcs,
        ncs=ncs,
        p=float((1 + np.sum(null <= wtcs)) / (1 + len(null))),
        rank=int(np.sum(library_ncs[np.isfinite(library_ncs)] < ncs)) + 1,
        of=int(np.isfinite(library_ncs).sum()),
        compound_rank=position + 1,
        compounds=len(means),
        above=names[position - 1] if position > 0 else "",
        below=names[position] if position < len(names) else "",
        tags=tags,
    )
