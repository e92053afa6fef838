"""The reversal stage: does the treatment move the disease signature back toward control?

Modules by role:

- ``genes``: per-gene D, T, R and reversal classes;
- ``relabelling``: the treatment-does-nothing null (relabelled samples, fast fold changes);
- ``connectivity``: the Connectivity Map score;
- ``signature``: signature-level statistics and the overall verdict;
- ``gene_sets``: per-set statistics and verdicts;
- ``verdicts``: the rule that turns numbers into words;
- ``stage``: ``run``, the recipe that calls them in order.
"""

from .stage import ReversalResult, run

__all__ = ["ReversalResult", "run"]
