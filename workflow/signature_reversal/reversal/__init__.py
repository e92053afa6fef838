"""The reversal stage: does the treatment move the disease signature back toward control?

Modules by role:

- ``genes``: per-gene D, T, R and reversal classes;
- ``estimates``, ``shrinkage``: the corrected headline figures and the prior behind them;
- ``linear_model``, ``nulls``: the fast per-gene model and the treatment-does-nothing null;
- ``connectivity``: the Connectivity Map score;
- ``signature``: signature-level statistics and the overall verdict;
- ``set_verdicts``, ``pathway_scores``: per-set statistics and verdicts;
- ``reference_verdict``: the same judgement against a published (reference) signature;
- ``genes_of_interest``, ``published_comparison``: the user's genes; two published tables;
- ``verdicts``: the rule that turns numbers into words;
- ``stage``: ``run``, the recipe that calls them in order.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .stage import ReversalResult, run

__all__ = ["ReversalResult", "run"]


def __getattr__(name: str):
    """``run`` and ``ReversalResult`` are imported when first used (PEP 562): the report and
    the reference jobs import one small module of this package (``genes_of_interest``) and
    need not load the whole stage with scipy, anndata and the bootstrap (~1 s per job)."""
    if name in __all__:
        return getattr(importlib.import_module(".stage", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
