"""Gene identifiers: strip Ensembl versions, guess the ID type, map Ensembl IDs to symbols."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..errors import InputError
from . import text

_ENSEMBL_VERSIONED = re.compile(r"^(ENS[A-Z]*G\d{11})\.\d+$")
_ENSEMBL = re.compile(r"^ENS([A-Z]*)G\d{11}")


def strip_versions(ids: Iterable[str]) -> list[str]:
    """ENSG00000141510.17 → ENSG00000141510; other IDs unchanged."""
    return [_ENSEMBL_VERSIONED.sub(r"\1", str(i)) for i in ids]


def guess_id_type(ids: Iterable[str]) -> str:
    """Describe what most IDs look like, for error messages and symbol mapping."""
    ids = [str(i) for i in ids][:2000]
    if not ids:
        return "no IDs"
    counts = {
        "human Ensembl gene IDs (ENSG…)": sum(bool(re.match(r"^ENSG\d", i)) for i in ids),
        "mouse Ensembl gene IDs (ENSMUSG…)": sum(i.startswith("ENSMUSG") for i in ids),
        "Entrez/NCBI numeric IDs": sum(i.isdigit() for i in ids),
        "human-style symbols (upper case, e.g. STAT3)": sum(
            bool(re.match(r"^[A-Z][A-Z0-9-]+$", i)) and not i.startswith("ENS") for i in ids
        ),
        "mouse-style symbols (capitalised, e.g. Stat3)": sum(
            bool(re.match(r"^[A-Z][a-z0-9-]+[a-z0-9]*$", i)) for i in ids
        ),
    }
    best, n = max(counts.items(), key=lambda kv: kv[1])
    return best if n >= 0.5 * len(ids) else "a mix of ID types"


def is_ensembl(ids: Iterable[str]) -> bool:
    ids = [str(i) for i in ids][:2000]
    return bool(ids) and sum(bool(_ENSEMBL.match(i)) for i in ids) >= 0.5 * len(ids)


def is_entrez(ids: Iterable[str]) -> bool:
    """Mostly NCBI GeneIDs (whole numbers), as in GEO's own RNA-seq count tables."""
    ids = [str(i) for i in ids][:2000]
    return bool(ids) and sum(i.isdigit() for i in ids) >= 0.5 * len(ids)


ID_TABLES = {
    "ensembl": "{species}_ensembl_symbols.tsv.gz",
    "entrez": "{species}_entrez_symbols.tsv.gz",
}


def annotation_file(annotation_dir: str | Path, species: str, kind: str) -> Path:
    """The shipped ID → symbol table of a species (``kind``: ensembl or entrez)."""
    return Path(annotation_dir) / ID_TABLES[kind].format(species=species)


def read_annotation(path: str | Path, kind: str = "ensembl") -> pd.Series:
    """Gene ID → symbol from a table with columns ``<kind>`` (ensembl or entrez) and ``symbol``.

    A missing file names the species' table and what to do instead; a table without those
    columns is refused with the columns it has."""
    path = Path(path)
    what = f"{kind.capitalize()} → symbol table"
    text.require_file(path, what, "gene_sets.annotation_dir")
    header, sep = text.table_header(path, what)
    missing = [c for c in (kind, "symbol") if c not in header]
    if missing:
        raise InputError(
            f"no column {', '.join(map(repr, missing))}; the table has: "
            f"{', '.join(map(repr, header))}",
            source=str(path),
            fix=f"give the table the columns '{kind}' (the ID) and 'symbol', tab-separated",
        )
    table = text.read_frame(
        path, what, sep, fix="save it as tab-separated text", usecols=[kind, "symbol"]
    ).dropna()
    return table.drop_duplicates(kind).set_index(kind)["symbol"]
