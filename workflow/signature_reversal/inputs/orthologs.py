"""Ortholog tables: one reader for every use (gene sets, reference signatures, genes of
interest), the same check while the workflow is built.

A table has one column per species, named by the species as the config names it (``human``,
``mouse``) or as Ensembl BioMart, HGNC HCOP and MGI exports name them (``Human gene name``,
``hgnc_symbol``, ``Mouse gene name``, ``mgi_symbol``, …); other columns (``source``) are kept
out. The shipped table is ``config/orthologs/human_mouse_orthologs.tsv.gz``.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from . import text

WHAT = "ortholog table"
KEY = "gene_sets.orthologs"
ALIASES = {
    "human": (
        "human",
        "human_symbol",
        "Human gene name",
        "hgnc_symbol",
        "HGNC symbol",
        "Human",
        "human_gene",
    ),
    "mouse": (
        "mouse",
        "mouse_symbol",
        "Mouse gene name",
        "mgi_symbol",
        "MGI symbol",
        "Mouse",
        "mouse_gene",
    ),
}

OTHER_SPECIES = ("rat", "pig", "dog", "macaque", "zebrafish", "cow", "chicken", "fly", "worm")


def species_columns(header: list[str], path: Path) -> dict[str, str]:
    """Species name → the table's column for it; at least two species must be found."""
    found = {}
    for column in header:
        for species, names in ALIASES.items():
            if column in names and species not in found:
                found[species] = column
    for column in header:  # other species, named as the config names them
        if column in OTHER_SPECIES:
            found.setdefault(column, column)
    if len(found) < 2:
        raise InputError(
            f"no two species columns found; the table has: {', '.join(map(repr, header))}",
            source=str(path),
            fix="name one column per species as the config names it (human, mouse, rat, …), or as "
            "BioMart/HCOP exports do (Human gene name, Mouse gene name, hgnc_symbol, "
            "mgi_symbol)",
        )
    return found


def check(path: str | Path, config_name: str | None = None) -> dict[str, str]:
    """The checks the workflow runs before any job: readable, two species columns."""
    header, _ = text.table_header(path, WHAT, key=KEY, config_name=config_name)
    return species_columns(header, Path(path))


def read_orthologs(path: str | Path):
    """The table as a DataFrame with one column per species (named ``human``, ``mouse``, …);
    rows missing a gene on either side are dropped (nothing to map)."""
    file = Path(path)
    columns = check(file)
    _, sep = text.header(file, WHAT)
    table = text.read_frame(
        file, WHAT, sep, fix="save it as tab-separated text", usecols=list(columns.values())
    )
    table = table.rename(columns={column: species for species, column in columns.items()})
    table.attrs["source"] = str(file)
    return table


def pairs(table, source: str, target: str, where: str):
    """The (source, target) species columns, duplicates and empty cells dropped; a species the
    table lacks is refused naming the species it has."""
    missing = [species for species in (source, target) if species not in table.columns]
    if missing:
        raise InputError(
            f"the ortholog table has no {' or '.join(map(repr, missing))} column (it has: "
            f"{', '.join(map(repr, table.columns))}), needed for {where}",
            source=table.attrs.get("source", KEY),
            fix=f"give {KEY} a table with a column per species, named as the config names the "
            "species",
        )
    return table[[source, target]].dropna().drop_duplicates()
