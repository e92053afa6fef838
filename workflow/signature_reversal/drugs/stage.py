"""The known-drugs stage: one analysis against one drug library, both queries and the
treatment's placement (``query``), as tables and a summary the report reads."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import anndata as ad
import numpy as np
import pandas as pd

from ..errors import InputError
from ..inputs import orthologs as orthologs_reader
from ..inputs.reference_signatures import read_reference
from ..reversal import linear_model
from ..settings import ReferenceSpec
from .library import LibrarySpec, matrix_gene_ids, on_own_genes, prepare, read_library
from .matrix import read_matrix
from .matrix_query import aligned, matrix_placement, run_queries, summarise_query
from .query import (
    DrugSettings,
    Placement,
    QueryResult,
    joint_fdr,
    place_treatment,
    query_design,
    query_ranking,
    score_ranking,
    treatment_ranking,
    variance_inflation,
)

log = logging.getLogger("signature_reversal")

# what each query's sign means, for the tables and the report
DIRECTION = {"disease": ("reverses", -1.0), "treatment": ("resembles", 1.0)}


@dataclass
class DrugResult:
    """Both queries' tables and the placement, for the files and the report."""

    signatures: pd.DataFrame  # per signature: annotation, then each query's scores
    compounds: pd.DataFrame  # per compound: each query's mean NCS, p, FDR
    mechanisms: pd.DataFrame  # per mechanism of action (empty without annotation)
    summary: dict


def run(
    adata: ad.AnnData,
    genes: pd.DataFrame,
    size_factors: pd.Series,
    spec: LibrarySpec,
    orthologs: pd.DataFrame | None,
    settings: DrugSettings,
    design_formula: str = "~condition",
) -> DrugResult:
    """``genes``: the DE step's tested genes (``gene``, ``symbol``), the rankings' genes."""
    started = time.perf_counter()
    names = genes["gene"].astype(str)
    symbols = genes.set_index("gene")["symbol"].astype(str)
    tested = adata[:, names.to_numpy()]
    expression = linear_model.log_expression(tested, size_factors.loc[tested.obs_names].to_numpy())
    queries = (
        ["disease", "treatment"]
        if "control" in set(tested.obs["role"].astype(str))
        else ["treatment"]
    )
    designs = {q: query_design(tested.obs, design_formula, q) for q in queries}
    rankings = {q: query_ranking(expression, designs[q]) for q in queries}
    own = treatment_ranking(expression, designs["treatment"]) if "disease" in queries else None
    species = adata.uns["species"]
    if spec.matrix:
        results, placement, coverage = _matrix_queries(
            spec, rankings, own, species, symbols, orthologs, settings
        )
    else:
        library = prepare(
            read_library(spec), spec.species, species, symbols, pd.Index(names), orthologs
        )
        # both queries' designs span the same groups: one set of residuals serves both
        inflation = variance_inflation(expression, designs["treatment"], library)
        results = {q: score_ranking(q, rankings[q], library, settings, inflation) for q in queries}
        placement = (
            place_treatment(results["disease"], rankings["disease"], own, library, settings)
            if own is not None
            else None
        )
        coverage = library.coverage
    joint_fdr(list(results.values()))
    signatures = _merge(
        [r.signatures.set_index("signature") for r in results.values()], list(results), "signature"
    )
    compounds = _merge(
        [r.compounds.set_index("compound") for r in results.values()], list(results), "compound"
    )
    mechanisms = _merge(
        [r.mechanisms.set_index("moa") for r in results.values() if len(r.mechanisms)],
        [n for n, r in results.items() if len(r.mechanisms)],
        "moa",
    )
    if mechanisms.empty:  # no mechanism annotated: the file still says what it would hold
        mechanisms = pd.DataFrame(columns=["moa", "signatures", "cell_lines"])
    summary = {
        "library": spec.name,
        "description": spec.description,
        "licence": spec.licence,
        "coverage": coverage,
        "draws": settings.draws,
        "fdr": settings.fdr,
        "queries": {name: _query_summary(r, settings) for name, r in results.items()},
        "placement": placement.to_dict() if placement else None,
        "seconds": round(time.perf_counter() - started, 2),
    }
    log.info("%s: both queries in %.1f s", spec.name, summary["seconds"])
    return DrugResult(signatures, compounds, mechanisms, summary)


def _matrix_queries(
    spec: LibrarySpec,
    rankings: dict[str, np.ndarray],
    own: np.ndarray | None,
    species: str,
    symbols: pd.Series,
    orthologs: pd.DataFrame | None,
    settings: DrugSettings,
) -> tuple[dict[str, QueryResult], Placement | None, str]:
    """Both queries (and the placement) in one pass over a matrix library: the data's
    rankings carried onto the matrix's genes (through orthologs when the species differ)."""
    matrix = read_matrix(spec)
    ids_of = matrix_gene_ids(matrix, spec.species, species, symbols, orthologs)
    position = {g: i for i, g in enumerate(symbols.index.astype(str))}
    rows = [[position[i] for i in ids if i in position] for ids in ids_of]

    def carried(values: np.ndarray) -> np.ndarray:
        return np.array([values[r].mean() if r else np.nan for r in rows])

    columns = {"treatment": carried(own)} if own is not None else {}
    queries = run_queries(
        matrix, {q: carried(r) for q, r in rankings.items()}, columns, settings, spec.tags
    )
    results = {q: summarise_query(q, queries, matrix, settings) for q in rankings}
    placement = matrix_placement(results["disease"], queries) if own is not None else None
    found = sum(bool(r) for r in rows)
    coverage = (
        f"{matrix.n_signatures:,} signatures of {matrix.annotation['compound'].nunique():,} "
        f"compounds; {found:,} of the matrix's {len(matrix.genes):,} genes are among the "
        f"data's tested genes; queries of {queries.tags} + {queries.tags} genes"
    )
    log.info("%s: %s", spec.name, coverage)
    return results, placement, coverage


def _merge(tables: list[pd.DataFrame], names: list[str], key: str) -> pd.DataFrame:
    """One table: the annotation columns once, then each query's columns prefixed."""
    if not tables:
        return pd.DataFrame()
    scored = ["best_signature", "ks_connectivity", "wtcs", "ncs", "mean_ncs", "p", "fdr"]
    first = tables[0]
    shared = first[[c for c in first.columns if c not in scored]]
    parts = [shared]
    for name, table in zip(names, tables, strict=True):
        columns = [c for c in scored if c in table.columns]
        parts.append(table[columns].add_prefix(f"{name}_"))
    return pd.concat(parts, axis=1).reset_index().rename(columns={"index": key})


def _query_summary(result: QueryResult, settings: DrugSettings) -> dict:
    """The query's top compounds on its meaningful side (reversers of the disease; look-alikes
    of the treatment), with how many pass the FDR."""
    word, sign = DIRECTION[result.name]
    compounds = result.compounds
    side = compounds[np.sign(compounds["ncs"]) == sign]
    side = side.sort_values(["fdr", "ncs"], key=lambda c: c if c.name == "fdr" else -sign * c)
    significant = side[side["fdr"] < settings.fdr]
    signatures = result.signatures
    best = signatures[np.sign(signatures["ncs"]) == sign].sort_values(
        "ncs", key=lambda c: -sign * c
    )
    return {
        "direction": word,
        "compounds_tested": int(len(compounds)),
        "compounds_significant": int(len(significant)),
        "signatures_significant": int(
            ((signatures["fdr"] < settings.fdr) & (np.sign(signatures["ncs"]) == sign)).sum()
        ),
        "top_compounds": [_plain(r) for r in side.head(settings.top).to_dict("records")],
        "top_signatures": [
            _plain(r)
            for r in best.head(settings.top)[
                ["signature", "compound", "cell_line", "dose", "ncs", "p", "fdr"]
            ].to_dict("records")
        ],
    }


def _plain(record: dict) -> dict:
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in record.items()
    }


__all__ = ["DrugResult", "Placement", "run"]


def reference_query(
    reference: ReferenceSpec,
    spec: LibrarySpec,
    orthologs: pd.DataFrame | None,
    settings: DrugSettings,
) -> DrugResult:
    """The disease query on a published signature: its genes ranked by log2FC / se (log2FC
    where it has no standard errors), in the library's species and genes (through orthologs
    when they differ), against the library; no samples, so only the gene-permutation null."""
    started = time.perf_counter()
    table = read_reference(reference).dropna(subset=["log2FC"])
    score = table["log2FC"] / table["se"].where(table["se"] > 0)
    table = table.assign(score=score.fillna(table["log2FC"]))
    if reference.species != spec.species:
        if orthologs is None:
            raise InputError(
                f"a {reference.species} reference against a {spec.species} drug library needs "
                "an ortholog table",
                source=f"reference_signatures.{reference.name}",
                fix="set gene_sets.orthologs",
            )
        pairs = orthologs_reader.pairs(
            orthologs, reference.species, spec.species, f"reference {reference.name}"
        )
        table = table.merge(pairs, left_on="gene", right_on=reference.species)
        table["gene"] = table[spec.species]
    scores_by_gene = table.groupby("gene")["score"].mean()
    if spec.matrix:
        matrix = read_matrix(spec)
        ranking = aligned(scores_by_gene, matrix.genes)
        queries = run_queries(matrix, {"disease": ranking}, {}, settings, spec.tags)
        result = summarise_query("disease", queries, matrix, settings)
        found, total = int(np.isfinite(ranking).sum()), len(matrix.genes)
    else:
        prepared, genes = on_own_genes(read_library(spec))
        ranking = scores_by_gene.reindex(genes).fillna(0.0).to_numpy(float)
        found, total = int(pd.Index(genes).isin(scores_by_gene.index).sum()), len(genes)
        result = score_ranking("disease", ranking, prepared, settings)
    summary = {
        "reference": reference.name,
        "library": spec.name,
        "coverage": f"{found:,} of the library's {total:,} genes are in the reference",
        "draws": settings.draws,
        "fdr": settings.fdr,
        "queries": {"disease": _query_summary(result, settings)},
        "seconds": round(time.perf_counter() - started, 2),
    }
    signatures = result.signatures.drop(columns=["up_genes", "down_genes"])
    return DrugResult(signatures, result.compounds, result.mechanisms, summary)
