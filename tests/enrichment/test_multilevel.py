"""Multilevel GSEA p-values (fgsea's fgseaMultilevel): exact against a complete enumeration of
every gene set of a small ranking, in agreement with fgsea's own output on fgsea's example, and
leaving the permutation p-values it does not refine as they were."""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signature_reversal.enrichment import gsea_engine, multilevel
from signature_reversal.enrichment import stage as enrichment

FGSEA = Path(__file__).parents[1] / "data" / "fgsea_example"


def _es(positions: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return gsea_engine._scores(positions, weights, len(weights))[0]


@pytest.fixture(scope="module")
def enumerated():
    """Every 6-gene set of a 36-gene ranking (1,947,792 sets) and its enrichment score."""
    rng = np.random.default_rng(3)
    weights = np.abs(np.sort(rng.normal(size=36))[::-1])
    every_set = np.array(list(itertools.combinations(range(36), 6)), dtype=np.int64)
    scores = np.concatenate(
        [_es(every_set[i : i + 400_000], weights) for i in range(0, len(every_set), 400_000)]
    )
    return weights, scores


@pytest.mark.parametrize(
    "positions",
    [[0, 1, 2, 3, 5, 8], [0, 1, 2, 4, 7, 9], [0, 2, 3, 5, 8, 15], [1, 3, 6, 10, 12, 20]],
)
def test_multilevel_p_is_the_exact_tail_probability_within_its_error(enumerated, positions):
    weights, scores = enumerated
    observed = _es(np.array([positions]), weights)[0]
    positive_share = (scores >= 0).mean()
    exact = (scores >= observed - 1e-12).mean() / positive_share  # P(ES ≥ es | ES ≥ 0)
    errors = []
    for seed in range(40):
        ruler, corrector = multilevel._ruler(
            weights, 6, 101, observed, np.random.default_rng(seed), 1 << 30
        )
        p, good = multilevel._ruler_pvalue(ruler, corrector, observed, 101)
        assert good
        errors.append(np.log2(p / positive_share / exact))
    errors = np.array(errors)
    predicted = multilevel.multilevel_error(exact, 101)
    assert abs(errors.mean()) < 0.25, errors  # unbiased on the log scale
    rms = np.sqrt((errors**2).mean())
    assert 0.6 * predicted < rms < 1.6 * predicted, (rms, predicted)  # log2err is honest


def _fgsea_example(max_size: int):
    with gzip.open(FGSEA / "naive.vs.th1.rnk.gz", "rt") as handle:
        ranked = pd.read_csv(handle, sep="\t", dtype={"ID": str}).set_index("ID")["t"]
    ranked = ranked.sort_values(ascending=False, kind="mergesort")
    sets = {}
    with gzip.open(FGSEA / "mouse.reactome.gmt.gz", "rt") as handle:
        for line in handle:
            name, _, *genes = line.rstrip("\n").split("\t")
            present = sorted(set(genes) & set(ranked.index))
            if 15 <= len(present) <= max_size:
                sets[name] = present
    return ranked, sets


def test_multilevel_p_values_agree_with_fgsea_on_its_own_example():
    ranked, sets = _fgsea_example(max_size=150)
    ours = gsea_engine.prerank(ranked, sets, 1000, 1, multilevel_sample_size=101, multilevel_eps=0)
    ours = ours.set_index("Term")
    fgsea = pd.read_csv(FGSEA / "fgsea_multilevel.tsv", sep="\t").set_index("pathway")
    both = ours.join(fgsea, how="inner", rsuffix="_fgsea")
    assert len(both) == len(sets)
    assert np.allclose(both["ES"], both["ES_fgsea"], atol=1e-12)  # the same statistic
    refined = both[both["multilevel"]]
    runs = np.log2(refined[[f"pval_{seed}" for seed in range(1, 6)]])
    reference = runs.mean(axis=1)  # fgsea's five seeds: its shared per-run shift averaged out
    assert len(refined) > 50 and reference.min() < np.log2(1e-15)  # far below 1/1001
    difference = np.log2(refined["NOM p-val"]) - reference
    reference_error = refined[[f"log2err_{seed}" for seed in range(1, 6)]].mean(axis=1) / 5**0.5
    spread = np.hypot(refined["log2err"], reference_error)
    assert np.median(np.abs(difference)) < 0.5
    assert (np.abs(difference) > 2 * spread).mean() < 0.12  # ~5% expected by chance
    assert abs(difference.mean()) < 0.2
    assert np.corrcoef(np.log2(refined["NOM p-val"]), reference)[0, 1] > 0.99


def _planted(seed: int = 5):
    rng = np.random.default_rng(seed)
    genes = [f"G{i}" for i in range(2000)]
    stat = pd.Series(rng.normal(size=2000), index=genes)
    sets = {f"null{s}": list(rng.choice(genes, 40, replace=False)) for s in range(12)}
    strong = list(rng.choice(genes, 40, replace=False))
    stat[strong] += 2.5
    sets["strong"] = strong
    return stat.sort_values(ascending=False), sets


def test_only_coarse_p_values_are_refined_and_the_rest_are_unchanged():
    ranked, sets = _planted()
    plain = enrichment.prerank(ranked, sets, "c", 500, 7, 10, 500).set_index("gene_set")
    refined = enrichment.prerank(
        ranked, sets, "c", 500, 7, 10, 500, multilevel_sample_size=101
    ).set_index("gene_set")
    kept = refined["p_method"] == "permutation"
    assert kept.sum() >= 10
    pd.testing.assert_frame_equal(
        plain.loc[kept[kept].index], refined.loc[kept[kept].index, plain.columns]
    )
    strong = refined.loc["strong"]
    assert strong["p_method"] == "multilevel"
    assert plain.loc["strong", "pvalue"] == pytest.approx(1 / 501)  # the permutation floor
    assert strong["pvalue"] < 1e-6 and strong["log2err"] > 0
    assert strong["pvalue"] <= strong["fdr"] < 1e-4  # FDR resolved with the refined tail


def test_refined_p_agrees_with_many_permutations():
    rng = np.random.default_rng(11)
    stat = rng.normal(size=1000)
    hits = np.sort(rng.choice(1000, 20, replace=False))
    stat[hits] += 1.15  # a set whose p (~1e-4) 200,000 permutations can count
    order = np.argsort(-stat, kind="mergesort")
    weights = np.abs(stat[order])
    hits = np.sort(np.argsort(order)[hits])
    observed = _es(hits[None, :], weights)

    def null_scores(draws: int) -> np.ndarray:
        # random 20-gene sets: 20 uniform draws each, the few with a repeat drawn again
        picks = np.sort(rng.integers(0, 1000, (int(draws * 1.3), 20)), axis=1)
        distinct = picks[(np.diff(picks, axis=1) > 0).all(axis=1)][:draws]
        assert len(distinct) == draws
        return _es(distinct, weights)

    exceed, same_sign = 0, 0
    for _ in range(20):
        null = null_scores(10_000)
        exceed += (null >= observed[0]).sum()
        same_sign += (null >= 0).sum()
    counted = exceed / same_sign
    assert 20 <= exceed <= 400  # a p a permutation test of 1,000 cannot resolve
    result = multilevel.refine(weights, [hits], observed, null_scores(1000)[None, :], seed=3)
    assert result.refined[0]
    assert abs(np.log2(result.pvalue[0] / counted)) < 3 * result.log2err[0], (
        result.pvalue[0],
        counted,
    )


def test_eps_bounds_the_smallest_p_and_flags_it():
    ranked, sets = _planted()
    table = gsea_engine.prerank(
        ranked, sets, 500, 7, multilevel_sample_size=101, multilevel_eps=1e-4
    ).set_index("Term")
    assert table.loc["strong", "NOM p-val"] == 1e-4
    assert np.isnan(table.loc["strong", "log2err"])


def test_chunk_boundaries_are_the_sorted_column_s_median():
    """Each level splits the samples' members into chunks at the median member of a column;
    the linear-time selection must give the sorted column's value, ties and all."""
    rng = np.random.default_rng(3)
    for size in (1, 2, 3, 101, 257):
        for high in (3, 50, 10_000):  # many ties, some, almost none
            values = rng.integers(0, high, size)
            for rank in {0, size // 2, size - 1}:
                expected = np.sort(values)[rank]
                assert multilevel._order_statistic(values.copy(), rank) == expected
