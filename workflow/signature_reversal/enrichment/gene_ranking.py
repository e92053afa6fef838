"""Genes ranked by a DE statistic, and the GSEA running score along that ranking.

Kept apart from ``enrichment`` so the reversal stage can draw running scores without importing
gseapy (seconds of start-up in every job that imports it).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

log = logging.getLogger("signature_reversal")


def ranking(de_table: pd.DataFrame, column: str = "stat") -> pd.Series:
    """Genes ranked by a DE column (default the Wald statistic), genes without a value dropped."""
    ranked = de_table.set_index("gene")[column].dropna().sort_values(ascending=False)
    dropped = len(de_table) - len(ranked)
    if dropped:
        log.info("ranking: %d genes without a %s value are not ranked", dropped, column)
    return ranked


def running_score(ranked: pd.Series, members: list[str], weight: float = 1.0) -> np.ndarray:
    """The GSEA running enrichment score along a ranking (Subramanian 2005, weight p = 1)."""
    hits = ranked.index.isin(members)
    if not hits.any() or hits.all():
        return np.zeros(len(ranked))
    step_hit = np.abs(ranked.to_numpy()) ** weight * hits
    step_hit = step_hit / step_hit.sum()
    step_miss = (~hits) / (~hits).sum()
    return np.cumsum(step_hit - step_miss)
