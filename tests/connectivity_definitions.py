"""Lamb 2006's KS connectivity and clue.io's weighted connectivity score read line by line from
their definitions, slowly and obviously: what the compiled scores are tested against."""

from __future__ import annotations

import numpy as np


def direct_ks(statistic: np.ndarray, tags: list[int]) -> float:
    """Lamb et al. 2006: a = max j/t − V(j)/n, b = max V(j)/n − (j−1)/t."""
    order = sorted(range(len(statistic)), key=lambda g: (-statistic[g], g))
    n, t = len(statistic), len(tags)
    v = sorted(order.index(g) + 1 for g in tags)
    a = max(j / t - v[j - 1] / n for j in range(1, t + 1))
    b = max(v[j - 1] / n - (j - 1) / t for j in range(1, t + 1))
    return a if a > b else -b


def direct_es(statistic: np.ndarray, tags: list[int]) -> float:
    """GSEA's running sum walked over every gene of the ranking (weights |statistic|)."""
    order = sorted(range(len(statistic)), key=lambda g: (-statistic[g], g))
    members = set(tags)
    total = sum(abs(statistic[g]) for g in tags)
    misses = len(statistic) - len(tags)
    running, top, bottom = 0.0, 0.0, 0.0
    for g in order:
        if g in members:
            running += abs(statistic[g]) / total if total > 0 else 1 / len(tags)
        else:
            running -= 1 / misses
        top, bottom = max(top, running), min(bottom, running)
    return top if top > -bottom else bottom


def direct_connectivity(up: float, down: float, weighted: bool) -> float:
    if np.sign(up) == np.sign(down):
        return 0.0
    return (up - down) / 2 if weighted else up - down
