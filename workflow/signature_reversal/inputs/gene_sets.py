"""Gene-set collections prepared for a dataset: mapped across species through orthologs and
expressed in the dataset's gene IDs (the gene-set step of the load job). GMT files are read by
``gmt``, ortholog tables by ``orthologs``."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..settings import GeneSetSettings
from . import orthologs as orthologs_reader
from .geneids import guess_id_type
from .gmt import GeneSet, read_gmt

log = logging.getLogger(__name__)


def map_to_species(
    sets: Iterable[GeneSet], orthologs: pd.DataFrame, source_column: str, target_column: str
) -> list[GeneSet]:
    """Translate every set's genes through an ortholog table (one gene may give several)."""
    table = orthologs_reader.pairs(orthologs, source_column, target_column, "the gene sets")
    lookup = table.groupby(source_column)[target_column].agg(list).to_dict()
    mapped = []
    for gene_set in sets:
        targets = [t for g in gene_set.genes for t in lookup.get(g, [])]
        matched = sum(g in lookup for g in gene_set.genes)
        note = f"{gene_set.description}; orthologs for {matched}/{len(gene_set.genes)} genes"
        mapped.append(GeneSet(gene_set.name, note, tuple(dict.fromkeys(targets))))
    return mapped


def restrict_to_genes(
    sets: Iterable[GeneSet], genes: Iterable[str], min_size: int, max_size: int
) -> tuple[dict[str, list[str]], pd.DataFrame]:
    """Keep each set's genes present in the data and the sets whose size is within bounds.

    Returns the usable sets and a table with, per set, its size, how many genes matched and
    whether (and why not) it is tested, so that nothing is dropped silently.
    """
    universe = set(genes)
    usable: dict[str, list[str]] = {}
    rows = []
    for gene_set in sets:
        present = [g for g in gene_set.genes if g in universe]
        if len(present) < min_size:
            status = f"skipped: {len(present)} genes in data < min_size {min_size}"
        elif len(present) > max_size:
            status = f"skipped: {len(present)} genes in data > max_size {max_size}"
        else:
            status = "tested"
            usable[gene_set.name] = present
        rows.append(
            {
                "gene_set": gene_set.name,
                "set_size": len(gene_set.genes),
                "genes_in_data": len(present),
                "status": status,
                "description": gene_set.description,
            }
        )
    return usable, pd.DataFrame(rows)


def prepare_for_data(
    sets: list[GeneSet],
    set_species: str,
    data_species: str,
    symbols: pd.Series,
    orthologs: pd.DataFrame | None,
    source: str,
) -> tuple[list[GeneSet], pd.DataFrame]:
    """Express gene sets in the data's gene IDs, through orthologs when the species differ.

    ``symbols`` maps the data's gene IDs (index) to symbols. Returns the translated sets and a
    coverage table (genes in the file, after ortholog mapping, found in the data). A collection
    that shares no gene with the data is an error naming both ID types.
    """
    translated = sets
    if set_species != data_species:
        if orthologs is None:
            raise InputError(
                f"{set_species} gene sets on {data_species} data need an ortholog table",
                source=source,
                fix="set gene_sets.orthologs",
            )
        translated = map_to_species(sets, orthologs, set_species, data_species)
        log.info("%s: mapped %s → %s through orthologs", source, set_species, data_species)
    ids_of: dict[str, list[str]] = {}
    for gene_id, symbol in symbols.items():
        ids_of.setdefault(str(symbol), []).append(str(gene_id))
        if symbol != gene_id:
            ids_of.setdefault(str(gene_id), []).append(str(gene_id))
    prepared, rows = [], []
    for original, mapped in zip(sets, translated, strict=True):
        ids = list(dict.fromkeys(i for g in mapped.genes for i in ids_of.get(g, [])))
        prepared.append(GeneSet(mapped.name, mapped.description, tuple(ids)))
        rows.append(
            {
                "gene_set": original.name,
                "genes_in_file": len(original.genes),
                "genes_after_orthologs": len(mapped.genes),
                "genes_in_data": len(ids),
            }
        )
    coverage = pd.DataFrame(rows)
    if sets and coverage["genes_in_data"].sum() == 0:
        data_example = ", ".join(map(str, list(symbols.index[:3])))
        set_example = ", ".join(sets[0].genes[:3])
        raise InputError(
            f"none of the {len(sets)} gene sets shares a gene with the data. The data's genes look "
            f"like {guess_id_type(symbols.index)} (e.g. {data_example}); the sets' genes look "
            f"like {guess_id_type([g for s in sets for g in s.genes])} (e.g. {set_example}), "
            f"declared as {set_species}",
            source=source,
            fix="use gene sets in the data's species and ID type (or set their 'species' so they "
            "are mapped), set the dataset's 'species', or give a symbol_column for Ensembl IDs",
        )
    return prepared, coverage


@dataclass
class PreparedGeneSets:
    """Every collection in the data's gene IDs (sets without a data gene left out) and the
    coverage table (genes per set in the file, after ortholog mapping, found in the data)."""

    collections: dict[str, list[GeneSet]]
    coverage: pd.DataFrame


def run(settings: GeneSetSettings, symbols: pd.Series, species: str) -> PreparedGeneSets:
    """Translate every configured collection into the data's gene IDs, with coverage.

    Parameters
    ----------
    settings
        The collections (curated first), the ortholog table, the annotation folder.
    symbols
        Symbol of each data gene, indexed by the data's gene IDs.
    species
        Species of the data's genes.
    """
    orthologs = orthologs_reader.read_orthologs(settings.orthologs) if settings.orthologs else None
    collections, coverage = {}, []
    for collection in settings.collections:
        sets = read_gmt(collection.path)
        # through orthologs when the species differ, then onto the data's gene IDs
        prepared, table = prepare_for_data(
            sets, collection.species, species, symbols, orthologs, collection.path
        )
        table.insert(0, "collection", collection.name)
        coverage.append(table)
        empty = [s.name for s in prepared if not s.genes]
        if empty:
            log.warning(
                "%s: %d set(s) have no gene in the data and are not tested: %s",
                collection.name,
                len(empty),
                ", ".join(empty[:10]),
            )
        collections[collection.name] = [s for s in prepared if s.genes]
        log.info(
            "%s: %d sets; %d set-gene entries in the file, %d after ortholog mapping, "
            "matching %d data genes",
            collection.name,
            len(sets),
            int(table["genes_in_file"].sum()),
            int(table["genes_after_orthologs"].sum()),
            int(table["genes_in_data"].sum()),
        )
    return PreparedGeneSets(collections, pd.concat(coverage, ignore_index=True))


def curated_for_names(
    settings: GeneSetSettings, names: pd.Index, species: str
) -> dict[str, list[str]]:
    """The curated collection in a cells × genes file's own gene names (set → genes), mapped
    as the loader maps it: IDs (version suffixes stripped) → symbols from the shipped tables,
    then the sets through orthologs. The cell-level view needs no loaded dataset for it."""
    from dataclasses import replace

    from .geneids import strip_versions
    from .load import gene_symbols

    ids = pd.Index(strip_versions(pd.Index(names).astype(str)))
    annotation = Path(settings.annotation_dir) if settings.annotation_dir else None
    symbols = gene_symbols(ids, None, species, annotation)
    symbols.index = pd.Index(names).astype(str)
    curated = replace(settings, collections=settings.collections[:1])
    prepared = run(curated, symbols, species)
    return {s.name: list(s.genes) for s in prepared.collections["curated"]}
