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
from .library import LibrarySpec, on_own_genes, prepare, read_library
from .query import (
    DrugSettings,
    Placement,
    QueryResult,
    place_treatment,
    query_design,
    run_query,
    score_ranking,
    treatment_ranking,
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
    library = prepare(
        read_library(spec),
        spec.species,
        adata.uns["species"],
        genes.set_index("gene")["symbol"].astype(str),
        pd.Index(names),
        orthologs,
    )
    tested = adata[:, names.to_numpy()]
    expression = linear_model.log_expression(tested, size_factors.loc[tested.obs_names].to_numpy())
    roles = set(tested.obs["role"].astype(str))
    results: dict[str, QueryResult] = {}
    placement = None
    if "control" in roles:
        design = query_design(tested.obs, design_formula, "disease")
        results["disease"], disease_ranking = run_query(
            "disease", expression, design, library, settings
        )
    design = query_design(tested.obs, design_formula, "treatment")
    results["treatment"], _ = run_query("treatment", expression, design, library, settings)
    if "disease" in results:
        placement = place_treatment(
            results["disease"],
            disease_ranking,
            treatment_ranking(expression, design),
            library,
            settings,
        )
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
        "coverage": library.coverage,
        "draws": settings.draws,
        "fdr": settings.fdr,
        "queries": {name: _query_summary(r, settings) for name, r in results.items()},
        "placement": placement.to_dict() if placement else None,
        "seconds": round(time.perf_counter() - started, 2),
    }
    log.info("%s: both queries in %.1f s", spec.name, summary["seconds"])
    return DrugResult(signatures, compounds, mechanisms, summary)


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
    prepared, genes = on_own_genes(read_library(spec))
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
    ranking = table.groupby("gene")["score"].mean().reindex(genes).fillna(0.0).to_numpy(float)
    found = int(np.isin(genes, table["gene"]).sum())
    result = score_ranking("disease", ranking, prepared, settings)
    summary = {
        "reference": reference.name,
        "library": spec.name,
        "coverage": f"{found:,} of the library's {len(genes):,} genes are in the reference",
        "draws": settings.draws,
        "fdr": settings.fdr,
        "queries": {"disease": _query_summary(result, settings)},
        "seconds": round(time.perf_counter() - started, 2),
    }
    signatures = result.signatures.drop(columns=["up_genes", "down_genes"])
    return DrugResult(signatures, result.compounds, result.mechanisms, summary)
