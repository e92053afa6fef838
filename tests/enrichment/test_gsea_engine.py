"""The vectorized GSEA engine: the same enrichment scores and leading edges as a running sum
over the whole ranking, and NES/FDR in agreement with gseapy, the reference implementation."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import stats

from signature_reversal.enrichment import gsea_engine
from signature_reversal.enrichment import stage as enrichment


def _running_sum_es(positions: np.ndarray, weights: np.ndarray) -> float:
    hit = np.zeros(len(weights), bool)
    hit[positions] = True
    steps = np.where(hit, weights / weights[hit].sum(), -1 / (len(weights) - hit.sum()))
    running = np.cumsum(steps)
    return running.max() if abs(running.max()) > abs(running.min()) else running.min()


def test_scores_at_hit_positions_equal_the_whole_running_sum():
    rng = np.random.default_rng(0)
    weights = np.sort(np.abs(rng.normal(size=300)))[::-1]
    for _ in range(300):
        k = int(rng.integers(1, 60))
        positions = np.sort(rng.choice(300, k, replace=False))
        es, _ = gsea_engine._scores(positions[None, :], weights, 300)
        assert abs(es[0] - _running_sum_es(positions, weights)) < 1e-12


def _ranking(seed: int, n: int = 3000):
    rng = np.random.default_rng(seed)
    genes = [f"G{i}" for i in range(n)]
    stat = pd.Series(rng.normal(size=n), index=genes)
    sets = {}
    for s in range(24):
        members = list(rng.choice(genes, int(rng.integers(15, 120)), replace=False))
        shift = (s % 3 - 1) * 1.2  # a third up, a third down, a third unchanged
        stat[members[: len(members) // 2]] += shift
        sets[f"SET{s}"] = members
    return stat.sort_values(ascending=False), sets


def test_agrees_with_gseapy():
    logging.getLogger("gseapy").setLevel(logging.ERROR)
    ranked, sets = _ranking(1)
    ours = enrichment.prerank(ranked, sets, "c", 500, 7, 10, 500, engine="vectorized")
    theirs = enrichment.prerank(ranked, sets, "c", 500, 7, 10, 500, engine="gseapy")
    both = ours.set_index("gene_set").join(theirs.set_index("gene_set"), rsuffix="_gseapy")
    np.testing.assert_allclose(both["ES"], both["ES_gseapy"], atol=1e-12)
    same_edge = [
        set(a.split(";")) == set(b.split(";"))
        for a, b in zip(both["leading_edge"], both["leading_edge_gseapy"], strict=True)
    ]
    assert all(same_edge)
    assert stats.spearmanr(both["NES"], both["NES_gseapy"]).statistic > 0.99
    called, called_gseapy = both["fdr"] < 0.05, both["fdr_gseapy"] < 0.05
    assert (called == called_gseapy).mean() >= 0.9 and called.sum() >= 8


def test_same_seed_same_table_and_sizes_share_draws():
    ranked, sets = _ranking(2)
    first = gsea_engine.prerank(ranked, sets, 200, 3)
    pd.testing.assert_frame_equal(first, gsea_engine.prerank(ranked, sets, 200, 3))
    unchanged = first.set_index("Term").loc[[f"SET{s}" for s in range(1, 24, 3)]]
    assert (unchanged["NOM p-val"] > 0.01).mean() >= 0.75  # unshifted sets are not significant


def test_threads_share_the_work_not_the_answer():
    """Blocks of orderings and set sizes run on threads: the same draws, the same table (with
    multilevel p-values, whose rulers also run side by side), at a block count that leaves
    some blocks waiting."""
    ranked, sets = _ranking(3)
    one, two = (
        gsea_engine.prerank(ranked, sets, 250, 5, threads=t, multilevel_sample_size=21)
        for t in (1, 2)
    )
    pd.testing.assert_frame_equal(one, two)
    assert one["multilevel"].any()


def test_significance_is_gseapy_arithmetic():
    """NES, p and FDR equal gseapy.algorithm's (kept there only as a reference module) on
    scores of both signs, including ties between observed and null scores."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from gseapy.algorithm import gsea_significance

    rng = np.random.default_rng(3)
    null = np.round(rng.normal(0, 0.3, (40, 500)), 2)
    observed = np.round(rng.normal(0, 0.5, 40), 2)
    observed[:3] = null[:3, 0]  # ties
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = list(gsea_significance(observed, null))
    nes, pvalues, fdr = gsea_engine.significance(observed, null)
    np.testing.assert_allclose(nes, [r[1] for r in expected], rtol=1e-12)
    np.testing.assert_allclose(pvalues, [r[2] for r in expected], rtol=1e-12)
    np.testing.assert_allclose(fdr, [r[3] for r in expected], rtol=1e-12)
