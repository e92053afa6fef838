"""Genes of interest: find the user's named genes in the data, through orthologs if needed.

The default list is written in mouse symbols (Jak2, Stat5a, Flg…); on human data each name is
looked up through the ortholog table rather than by changing its case.
"""

from __future__ import annotations

import pandas as pd

from ..inputs.orthologs import pairs as ortholog_pairs

OTHER_SPECIES = {"mouse": "human", "human": "mouse"}
NOT_TESTED = "not tested: absent, or removed by the low-count filter (de/filtered_genes.tsv)"


def match_genes(
    requested: list[str], symbols: pd.Series, species: str, orthologs: pd.DataFrame | None
) -> pd.DataFrame:
    """One row per requested name and data gene it matched: requested, gene, symbol, how.

    ``symbols`` maps the data's (tested) gene IDs to symbols. Names found nowhere get one row
    with an empty gene and how = NOT_TESTED.
    """
    by_symbol: dict[str, list[str]] = {}
    for gene, symbol in symbols.items():
        by_symbol.setdefault(str(symbol), []).append(str(gene))
    translate: dict[str, list[str]] = {}
    other = OTHER_SPECIES.get(species)
    if orthologs is not None and other is not None:
        pairs = ortholog_pairs(orthologs, other, species, "the genes of interest")
        translate = pairs.groupby(other)[species].agg(list).to_dict()
    rows = []
    for name in requested:
        found = [(g, "symbol") for g in by_symbol.get(name, [])]
        if not found and name in symbols.index:
            found = [(name, "gene ID")]
        if not found:
            found = [
                (g, f"ortholog of {name}")
                for o in translate.get(name, [])
                for g in by_symbol.get(o, [])
            ]
        if not found:
            rows.append({"requested": name, "gene": "", "symbol": "", "how": NOT_TESTED})
        for gene, how in found:
            rows.append({"requested": name, "gene": gene, "symbol": symbols[gene], "how": how})
    return pd.DataFrame(rows, columns=["requested", "gene", "symbol", "how"])
