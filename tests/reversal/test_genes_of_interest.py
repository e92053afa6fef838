"""Genes of interest are found by symbol, by gene ID or through orthologs, or said missing."""

from __future__ import annotations

import pandas as pd

from signature_reversal.reversal import genes_of_interest


def test_genes_of_interest_found_directly_or_through_orthologs():
    orthologs = pd.DataFrame({"human": ["JAK2", "FLG"], "mouse": ["Jak2", "Flg"]})
    human = pd.Series(["JAK2", "FLG", "ENSG1"], index=["ENSG01", "ENSG02", "ENSG1"])
    table = genes_of_interest.match_genes(["Jak2", "FLG", "Lor"], human, "human", orthologs)
    rows = table.set_index("requested")
    assert rows.loc["Jak2", "gene"] == "ENSG01" and rows.loc["Jak2", "how"] == "ortholog of Jak2"
    assert rows.loc["FLG", "how"] == "symbol"
    assert rows.loc["Lor", "how"] == genes_of_interest.NOT_TESTED and rows.loc["Lor", "gene"] == ""
