"""The reversal stage: per-gene, signature and gene-set reversal, in one recipe."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import anndata as ad
import numpy as np
import pandas as pd

from ..enrichment.gene_ranking import ranking, running_score
from ..inputs.gene_sets import restrict_to_genes
from ..inputs.gmt import GeneSet
from ..settings import VerdictRule
from . import bootstrap, genes_of_interest, linear_model, nulls
from .estimates import CorrectedEffects
from .genes import gene_table
from .pathway_scores import restoration, zscore_scores
from .set_verdicts import NOT_CHANGED, gene_set_verdicts
from .signature import SignatureResult, signature_verdict

log = logging.getLogger("signature_reversal")

HEATMAP_GENES = 50  # most significant disease genes shown in the heatmap


@dataclass
class ReversalResult:
    """Everything the reversal stage found, and what its figures show."""

    genes: pd.DataFrame  # per gene: D, T, R, corrected effects, class (gene_reversal.tsv)
    signature: SignatureResult  # overall figures and verdict
    sets: pd.DataFrame  # per curated set (gene_set_reversal.tsv)
    pathway_scores: pd.DataFrame  # samples × sets (pathway_scores.tsv)
    genes_of_interest: pd.DataFrame  # the user's genes, matched (genes_of_interest.tsv)
    summary: dict  # reversal_summary.json
    roles: np.ndarray  # role of each sample, in sample order
    labels: dict[str, str]  # role → the user's condition label
    judged_sets: list[str]  # sets that disease changed, so reversal can be judged
    interest_expression: pd.DataFrame  # samples × genes of interest, log2 expression
    running_scores: dict[str, dict[str, np.ndarray]]  # set → contrast → GSEA running score
    heatmap: pd.DataFrame  # top disease genes × samples, log2 expression


def run(
    tables: Mapping[str, pd.DataFrame],
    adata: ad.AnnData,
    size_factors: pd.Series,
    curated: Sequence[GeneSet],
    gsea: Mapping[str, pd.DataFrame],
    rule: VerdictRule,
    design_formula: str = "~condition",
    requested_genes: Sequence[str] = (),
    orthologs: pd.DataFrame | None = None,
    dispersions: pd.DataFrame | None = None,
    threads: int = 1,
) -> ReversalResult:
    """Judge whether the treatment reverses the disease signature, overall and per gene set.

    Parameters
    ----------
    tables
        DE tables by contrast name (disease_vs_control, treatment_vs_disease,
        treatment_vs_control), with log2FC, lfcSE, padj and stat.
    adata
        The canonical dataset (counts or log expression, ``obs['role']``).
    size_factors
        DESeq2 size factors by sample (all 1 for normalized data).
    curated
        Curated gene sets in the data's gene IDs.
    gsea
        GSEA tables of the disease and treatment contrasts (curated rows are used).
    rule
        Verdict thresholds, the null and its number of draws, seed.
    design_formula
        The DE design; its covariates enter the linear model of the nulls and set tests.
    requested_genes, orthologs
        Genes shown one by one, found through orthologs when named in the other species.
    dispersions
        The DE step's per-gene dispersions (indexed by gene): the parametric bootstrap that
        calibrates the headline figures draws its counts with them.
    """
    # per gene: D, T, R, the corrected effects and a reversal class for each disease gene
    genes, effects = gene_table(
        tables["disease_vs_control"],
        tables["treatment_vs_disease"],
        tables["treatment_vs_control"],
        rule,
    )
    # log2 expression of the tested genes and the linear model of the nulls and set tests
    tested = adata[:, genes["gene"].astype(str).to_numpy()]
    expression = linear_model.log_expression(tested, size_factors.loc[tested.obs_names].to_numpy())
    roles = tested.obs["role"].astype(str).to_numpy()
    samples = list(tested.obs_names)
    design = linear_model.Design.from_formula(tested.obs, design_formula)
    plan = nulls.plan(design, rule.null_method, rule.permutations)
    log.info("null: %s (%s)", plan.describe(), plan.reason)
    # the signature as a whole, its figures calibrated on worlds drawn from the fitted model
    world = world_of(tested, expression, size_factors, design, dispersions, effects)
    signature = signature_verdict(
        genes, effects, expression, design, plan, rule, world, threads=threads
    )
    log.info("overall verdict: %s (%s)", signature.verdict, signature.reason)
    # each curated set that disease changed
    usable, _ = restrict_to_genes(curated, genes["gene"], 1, 10**9)
    sets = gene_set_verdicts(
        genes,
        effects,
        expression,
        design,
        usable,
        gsea["disease_vs_control"].query("collection == 'curated'"),
        gsea["treatment_vs_disease"].query("collection == 'curated'"),
        rule,
    )
    # per-sample pathway scores and how far back each set's score moved
    scores = zscore_scores(expression, list(genes["gene"]), samples, usable)
    if len(sets) and len(scores.columns):
        sets = sets.merge(restoration(scores, design), on="gene_set", how="left")
    judged = list(sets.loc[sets["verdict"] != NOT_CHANGED, "gene_set"]) if len(sets) else []
    for _, row in sets.iterrows():
        log.info("gene set %s: %s", row["gene_set"], row["verdict"])
    # the user's genes of interest
    interest, interest_expression = _genes_of_interest(
        genes, expression, samples, requested_genes, adata.uns["species"], orthologs
    )
    return ReversalResult(
        genes=genes,
        signature=signature,
        sets=sets,
        pathway_scores=scores,
        genes_of_interest=interest,
        summary={
            "signature": signature.to_dict(),
            "rule": asdict(rule),
            "conditions": dict(adata.uns["conditions"]),
            "kind": str(adata.uns["kind"]),
            "replicates": {r: int((roles == r).sum()) for r in ("control", "disease", "treatment")},
            "gene_sets": {r["gene_set"]: r["verdict"] for _, r in sets.iterrows()},
        },
        roles=roles,
        labels=dict(adata.uns["conditions"]),
        judged_sets=judged,
        interest_expression=interest_expression,
        running_scores={
            name: {
                c: running_score(ranking(tables[c]), usable[name])
                for c in ("disease_vs_control", "treatment_vs_disease")
            }
            for name in judged
            if name in usable
        },
        heatmap=_top_disease_genes(genes, expression, samples),
    )


def world_of(
    tested: ad.AnnData,
    expression: np.ndarray,
    size_factors: pd.Series,
    design: linear_model.Design,
    dispersions: pd.DataFrame | None,
    effects: CorrectedEffects,
) -> bootstrap.World:
    """The fitted model the headline figures are calibrated on, for the tested genes."""
    counts = tested.layers.get("counts")
    return bootstrap.World.from_data(
        expression,
        None if counts is None else np.asarray(counts, dtype=float).T,
        size_factors.loc[tested.obs_names].to_numpy(float),
        design,
        None if dispersions is None else dispersions.reindex(tested.var_names),
        effects.disease,
        effects.disease_se,
        effects.prior,
    )


def _genes_of_interest(
    genes: pd.DataFrame,
    expression: np.ndarray,
    samples: list[str],
    requested: Sequence[str],
    species: str,
    orthologs: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The requested genes with their D/T/class, and their expression per sample."""
    by_gene = genes.set_index("gene")
    symbols = by_gene["symbol"] if "symbol" in genes else by_gene.index.to_series()
    matched = genes_of_interest.match_genes(
        list(requested), symbols.astype(str), species, orthologs
    )
    table = matched.merge(genes.drop(columns=["symbol"], errors="ignore"), on="gene", how="left")
    missing = matched.loc[matched["gene"] == "", "requested"]
    if len(missing):
        log.warning("genes of interest not among the tested genes: %s", ", ".join(missing))
    found = matched[matched["gene"] != ""]
    row_of = {g: i for i, g in enumerate(genes["gene"])}
    panel = pd.DataFrame(
        {f"{r.symbol}": expression[row_of[r.gene]] for r in found.itertuples()}, index=samples
    )
    return table, panel


def _top_disease_genes(
    genes: pd.DataFrame, expression: np.ndarray, samples: list[str]
) -> pd.DataFrame:
    """The most significant disease genes × samples, for the heatmap."""
    top = genes[genes["disease_gene"]].reindex(
        genes.loc[genes["disease_gene"], "disease_padj"].sort_values().index[:HEATMAP_GENES]
    )
    return pd.DataFrame(
        expression[top.index.to_numpy()], index=top["symbol"].astype(str), columns=samples
    )
