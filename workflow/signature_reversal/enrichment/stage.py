"""Enrichment of one contrast: preranked GSEA (Subramanian et al., PNAS 2005) and
over-representation of its DE genes, per gene-set collection (the vectorized engine and
gseapy's hypergeometric test; gseapy itself is imported only for ``engine: gseapy``).

Gene-set permutations are seeded, so the same ranking gives the same NES, p and FDR.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..inputs.gene_sets import restrict_to_genes
from ..inputs.gmt import GeneSet
from ..settings import EnrichmentSettings
from . import gsea_engine, redundancy
from .gene_ranking import ranking, running_score  # noqa: F401  (part of this module's API)

log = logging.getLogger(__name__)


@dataclass
class EnrichmentResult:
    """GSEA and over-representation tables of one contrast, every collection stacked."""

    gsea: pd.DataFrame
    ora: pd.DataFrame


def run(
    table: pd.DataFrame,
    collections: Mapping[str, Sequence[GeneSet]],
    settings: EnrichmentSettings,
    threads: int = 1,
) -> EnrichmentResult:
    """GSEA of the contrast's ranking and ORA of its up and down genes, per collection.

    Parameters
    ----------
    table
        The contrast's DE table (``gene``, ``symbol``, ``log2FC``, ``padj``, ranking column).
    collections
        Gene sets by collection name, in the data's gene IDs.
    """
    ranked = ranking(table, settings.rank_by)
    symbol_of = table.set_index("gene")["symbol"].astype(str).to_dict()
    degs = de_genes(table, settings)
    log.info(
        "over-representation: %d up and %d down genes against %d tested genes",
        len(degs["up"]),
        len(degs["down"]),
        len(ranked),
    )
    frames, ora_frames = [], []
    first_home: dict[str, tuple[str, frozenset[str]]] = {}  # set name → (collection, genes)
    also_in: dict[tuple[str, str], list[str]] = {}  # (collection, set) → later collections
    for collection, sets in collections.items():
        # set members found among the ranked genes; sets outside min/max size are logged
        usable, matched = restrict_to_genes(
            sets, ranked.index, settings.min_size, settings.max_size
        )
        usable = _test_once(usable, collection, first_home, also_in)
        log.info("%s: %d of %d sets tested", collection, len(usable), len(sets))
        for _, row in matched[matched["status"] != "tested"].iterrows():
            log.info("  %s %s", row["gene_set"], row["status"])
        if not usable:
            log.warning(
                "%s: no gene set has %d–%d genes in the data",
                collection,
                settings.min_size,
                settings.max_size,
            )
        # preranked GSEA
        result = prerank(
            ranked,
            usable,
            collection,
            settings.permutations,
            settings.seed,
            settings.min_size,
            settings.max_size,
            threads,
            settings.engine,
            settings.multilevel_sample_size if settings.multilevel else None,
            settings.multilevel_eps,
        )
        result["leading_edge"] = as_symbols(result["leading_edge"], symbol_of)
        frames.append(result)
        # over-representation of the up and of the down genes
        for direction, genes in degs.items():
            ora = over_representation(genes, list(ranked.index), usable, collection, direction)
            ora["genes"] = as_symbols(ora["genes"], symbol_of)
            ora_frames.append(ora)
    # an all-empty collection (every set already tested elsewhere) adds no rows
    gsea = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    homes = zip(gsea["collection"], gsea["gene_set"], strict=True)
    gsea["also_in"] = [";".join(also_in.get(home, [])) for home in homes]
    gsea["redundant_with"] = redundancy.redundant_with(gsea)
    ora = pd.concat([f for f in ora_frames if len(f)] or ora_frames[:1], ignore_index=True)
    return EnrichmentResult(gsea=gsea, ora=ora)


def _test_once(
    usable: dict[str, list[str]],
    collection: str,
    first_home: dict[str, tuple[str, frozenset[str]]],
    also_in: dict[tuple[str, str], list[str]],
) -> dict[str, list[str]]:
    """Drop sets an earlier collection already tested with the same name and genes (the
    Hallmark sets a curated file copies): one set, one result, found under its first
    collection with the later ones in ``also_in``. Same name with other genes is kept."""
    kept = {}
    for name, genes in usable.items():
        home = first_home.get(name)
        if home is not None and home[1] == frozenset(genes):
            also_in.setdefault((home[0], name), []).append(collection)
            log.info("  %s: the same set as in %s, tested once there", name, home[0])
            continue
        if home is not None:
            log.info("  %s: also in %s with other genes, tested in both", name, home[0])
        else:
            first_home[name] = (collection, frozenset(genes))
        kept[name] = genes
    return kept


def de_genes(table: pd.DataFrame, settings: EnrichmentSettings) -> dict[str, list[str]]:
    """The contrast's significant up and down genes (padj and |log2FC| thresholds) for ORA."""
    significant = (table["padj"] < settings.ora_padj) & (
        table["log2FC"].abs() >= settings.ora_min_abs_log2fc
    )
    return {
        "up": list(table.loc[significant & (table["log2FC"] > 0), "gene"]),
        "down": list(table.loc[significant & (table["log2FC"] < 0), "gene"]),
    }


def as_symbols(gene_lists: pd.Series, symbol_of: Mapping[str, str]) -> list[str]:
    """';'-joined gene-ID lists rewritten in symbols, which readers of the tables recognise."""
    return [";".join(symbol_of.get(g, g) for g in str(x).split(";") if g) for x in gene_lists]


COLUMNS = ("collection", "gene_set", "size", "ES", "NES", "pvalue", "fdr", "leading_edge")
# the tables also carry ``also_in`` (later collections holding the same set, tested once) and,
# with multilevel p-values, ``log2err`` (fgsea's: the SD of log2 p) and ``p_method``
# (permutation | multilevel), and ``redundant_with``: for a set at FDR < 0.05, the more significant
# set whose leading edge it repeats (``redundancy``)


def prerank(
    ranked: pd.Series,
    gene_sets: Mapping[str, list[str]],
    collection: str,
    permutations: int,
    seed: int,
    min_size: int,
    max_size: int,
    threads: int = 1,
    engine: str = "vectorized",
    multilevel_sample_size: int | None = None,
    multilevel_eps: float = 1e-50,
) -> pd.DataFrame:
    """Preranked GSEA, one tidy row per tested set: the vectorized engine (``gsea_engine``,
    fgsea's simple algorithm, with fgsea's multilevel p-values where permutations are too coarse
    unless ``multilevel_sample_size`` is None) or gseapy.prerank (``engine="gseapy"``)."""
    if not gene_sets:
        return pd.DataFrame(columns=list(COLUMNS))
    if engine == "vectorized":
        sized = {n: g for n, g in gene_sets.items() if min_size <= len(g) <= max_size}
        table = gsea_engine.prerank(
            ranked,
            sized,
            permutations,
            seed,
            multilevel_sample_size=multilevel_sample_size,
            multilevel_eps=multilevel_eps,
            threads=threads,
        )
    else:
        import gseapy

        table = gseapy.prerank(
            rnk=ranked,
            gene_sets=dict(gene_sets),
            permutation_num=permutations,
            seed=seed,
            min_size=min_size,
            max_size=max_size,
            threads=threads,
            outdir=None,
            no_plot=True,
            verbose=False,
        ).res2d
    sizes = {name: len(genes) for name, genes in gene_sets.items()}
    tidy = pd.DataFrame(
        {
            "collection": collection,
            "gene_set": table["Term"].astype(str),
            "size": table["Term"].map(sizes),
            "ES": table["ES"].astype(float),
            "NES": table["NES"].astype(float),
            "pvalue": table["NOM p-val"].astype(float),
            "fdr": table["FDR q-val"].astype(float),
            "leading_edge": table["Lead_genes"].astype(str),
        }
    )
    refined = table["multilevel"].to_numpy(bool) if "multilevel" in table else None
    if refined is not None:
        tidy["log2err"] = table["log2err"].astype(float)
        tidy["p_method"] = np.where(refined, "multilevel", "permutation")
    return (
        floor_permutation_pvalues(tidy, permutations, refined)
        .sort_values(["fdr", "pvalue", "gene_set"])
        .reset_index(drop=True)
    )


def floor_permutation_pvalues(
    table: pd.DataFrame, permutations: int, refined: np.ndarray | None = None
) -> pd.DataFrame:
    """Replace the p = 0 that gseapy reports when no permutation beats the observed score.

    With m permutations the smallest p a permutation test can honestly claim is 1/(m+1)
    (Phipson & Smyth 2010); a q-value cannot be below its own p. Without the floor, a table says
    "p = 0" and a volcano of −log10 p is infinite. Multilevel p-values (``refined``) are not
    permutation p-values and keep their value.
    """
    floor = 1.0 / (permutations + 1)
    table = table.copy()
    keep = np.zeros(len(table), bool) if refined is None else np.asarray(refined, bool)
    table["pvalue"] = table["pvalue"].where(keep, table["pvalue"].clip(lower=floor))
    table["fdr"] = np.fmax(table["fdr"], table["pvalue"])
    return table


ORA_COLUMNS = (
    "collection",
    "direction",
    "gene_set",
    "overlap",
    "odds_ratio",
    "pvalue",
    "fdr",
    "genes",
)


def over_representation(
    selected: list[str],
    background: list[str],
    gene_sets: Mapping[str, list[str]],
    collection: str,
    direction: str,
) -> pd.DataFrame:
    """Hypergeometric over-representation of ``selected`` genes (gseapy.enrich's test) against
    the genes actually tested as background, so untested genes cannot inflate enrichment."""
    from .hypergeometric import enrich

    if not selected or not gene_sets:
        return pd.DataFrame(columns=list(ORA_COLUMNS))
    result = enrich(selected, background, gene_sets)
    if result.empty:
        log.info(
            "%s, %s genes: none of the %d genes is in any set", collection, direction, len(selected)
        )
        return pd.DataFrame(columns=list(ORA_COLUMNS))
    tidy = pd.DataFrame(
        {
            "collection": collection,
            "direction": direction,
            "gene_set": result["Term"].astype(str),
            "overlap": result["Overlap"].astype(str),
            "odds_ratio": result["Odds Ratio"].astype(float),
            "pvalue": result["P-value"].astype(float),
            "fdr": result["Adjusted P-value"].astype(float),
            "genes": result["Genes"].astype(str),  # sorted: the same inputs, the same table
        }
    )
    return tidy.sort_values(["pvalue", "gene_set"]).reset_index(drop=True)
