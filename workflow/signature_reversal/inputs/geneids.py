"""Gene identifiers: strip Ensembl versions, guess the ID type, map Ensembl IDs to symbols."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

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


def read_annotation(path: str | Path) -> pd.Series:
    """Ensembl gene ID → symbol from a shipped table with columns ``ensembl`` and ``symbol``."""
    table = pd.read_csv(path, sep="\t", dtype=str).dropna()
    return table.drop_duplicates("ensembl").set_index("ensembl")["symbol"]
