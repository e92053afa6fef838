"""Gene sets: read and write GMT files, map human symbols to mouse, and match sets to data genes."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import InputError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GeneSet:
    """A named gene set, its provenance note, and its member genes (in file order)."""

    name: str
    description: str
    genes: tuple[str, ...]


def read_gmt(path: str | Path) -> list[GeneSet]:
    """Read a GMT file (name, description, genes… per tab-separated line)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            "gene-set file not found",
            source=str(path),
            fix="check the gene-set paths under 'enrichment' in config/config.yaml",
        )
    sets: list[GeneSet] = []
    opener = _open_text(path)
    with opener as handle:
        for number, line in enumerate(handle, start=1):
            fields = [f.strip() for f in line.rstrip("\n\r").split("\t")]
            if not any(fields):
                continue
            if len(fields) < 3:
                raise InputError(
                    f"line {number} has {len(fields)} tab-separated field(s); a GMT line needs a "
                    "name, a description and at least one gene",
                    source=str(path),
                    fix="separate fields with tabs: NAME<TAB>DESCRIPTION<TAB>GENE1<TAB>GENE2…",
                )
            genes = tuple(dict.fromkeys(g for g in fields[2:] if g))
            if any(s.name == fields[0] for s in sets):
                raise InputError(
                    f"gene set name {fields[0]!r} on line {number} is used twice",
                    source=str(path),
                    fix="give every set in the file a unique name",
                )
            sets.append(GeneSet(fields[0], fields[1], genes))
    if not sets:
        raise InputError(
            "contains no gene sets",
            source=str(path),
            fix="point the config at a GMT file with at least one set, or remove it from the list",
        )
    return sets


def _open_text(path: Path):
    if path.suffix == ".gz":
        import gzip

        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def write_gmt(sets: Iterable[GeneSet], path: str | Path) -> None:
    """Write sets as GMT, one line each."""
    with Path(path).open("w", encoding="utf-8") as handle:
        for gene_set in sets:
            handle.write("\t".join([gene_set.name, gene_set.description, *gene_set.genes]) + "\n")


def map_to_species(
    sets: Iterable[GeneSet], orthologs: pd.DataFrame, source_column: str, target_column: str
) -> list[GeneSet]:
    """Translate every set's genes through an ortholog table (one gene may give several)."""
    lookup = orthologs.groupby(source_column)[target_column].agg(list).to_dict()
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


def load_collections(collections: Mapping[str, str | Path]) -> dict[str, list[GeneSet]]:
    """Read several GMT files keyed by collection name (each collection is tested on its own)."""
    return {collection: read_gmt(path) for collection, path in collections.items()}
