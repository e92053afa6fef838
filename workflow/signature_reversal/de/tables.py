"""Reading the DE step's tables back: the later stages need them without importing the DE
engine (pydeseq2 alone takes seconds to import in every job)."""

from __future__ import annotations

import pandas as pd


def read_table(path) -> pd.DataFrame:
    """Read a DE table written by this package, keeping gene IDs and symbols as text."""
    return pd.read_csv(path, sep="\t", dtype={"gene": str, "symbol": str})


def read_dispersions(path) -> pd.DataFrame:
    """Per-gene base mean and dispersions, as written by the DE stage, indexed by gene."""
    return pd.read_csv(path, sep="\t", dtype={"gene": str}).set_index("gene")


def read_size_factors(path) -> pd.Series:
    """Size factors by sample, as written by the DE stage (``de.run``)."""
    table = pd.read_csv(path, sep="\t", dtype={"sample": str})
    return table.set_index("sample")["size_factor"]
