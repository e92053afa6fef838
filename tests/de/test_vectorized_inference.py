"""The vectorized engine solves the DESeq2 equations pydeseq2 solves, for all genes at once:
the same answers up to where the two optimisers stop (R's numbers: test_deseq2_reference)."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from pydeseq2.dds import DeseqDataSet
from pydeseq2.default_inference import DefaultInference
from pydeseq2.ds import DeseqStats
from scipy.stats import spearmanr

from signature_reversal.de.vectorized_inference import VectorizedInference


def _counts(n_genes: int, n_per_group: int, seed: int) -> tuple[ad.AnnData, np.ndarray]:
    """Seeded NB counts, 3 groups; the first 10% of genes change in group B (known answer)."""
    rng = np.random.default_rng(seed)
    base = np.exp(rng.normal(4, 1.8, n_genes))
    dispersion = 0.05 + 1.5 / base
    lfc = np.zeros((3, n_genes))
    changed = n_genes // 10
    lfc[1, :changed] = rng.choice([-1.5, 1.5], changed)
    groups = np.repeat([0, 1, 2], n_per_group)
    size_factors = np.exp(rng.normal(0, 0.2, groups.size))
    mu = size_factors[:, None] * base * 2 ** lfc[groups]
    counts = rng.negative_binomial(1 / dispersion, 1 / (1 + mu * dispersion))
    obs = pd.DataFrame(
        {"condition": np.array(["A", "B", "C"])[groups]},
        index=[f"s{i}" for i in range(groups.size)],
    )
    var = pd.DataFrame(index=[f"g{i}" for i in range(n_genes)])
    return ad.AnnData(counts.astype(np.int64), obs=obs, var=var), lfc[1] != 0


def _fit(data: ad.AnnData, inference) -> tuple[DeseqDataSet, pd.DataFrame]:
    dds = DeseqDataSet(
        adata=data.copy(), design="~condition", inference=inference, quiet=True, refit_cooks=True
    )
    dds.deseq2()
    stats = DeseqStats(dds, contrast=["condition", "B", "A"], inference=inference, quiet=True)
    stats.summary()
    return dds, stats.results_df


@pytest.fixture(scope="module")
def both_engines():
    data, changed = _counts(800, 4, seed=11)
    return _fit(data, VectorizedInference()), _fit(data, DefaultInference(n_cpus=1)), changed


def test_results_match_pydeseq2(both_engines):
    (_, fast), (_, reference), _ = both_engines
    rho = spearmanr(fast["log2FoldChange"], reference["log2FoldChange"], nan_policy="omit")[0]
    assert rho > 0.999
    assert np.nanmax(np.abs(fast["log2FoldChange"] - reference["log2FoldChange"])) < 0.05
    calls_fast = set(fast.index[fast["padj"] < 0.05])
    calls_reference = set(reference.index[reference["padj"] < 0.05])
    assert len(calls_fast & calls_reference) / len(calls_fast | calls_reference) > 0.9


def test_planted_changes_are_found(both_engines):
    (_, fast), _, changed = both_engines
    called = (fast["padj"] < 0.05).to_numpy()
    assert called[changed].mean() > 0.6  # power on ±1.5 log2FC at 4 replicates
    assert called[~changed].mean() < 0.02  # few false calls among unchanged genes


def test_dispersion_fits_on_threads_give_the_same_tables(monkeypatch):
    """Gene-wise and MAP dispersions split into blocks of genes on threads: every gene's line
    search depends on that gene alone, so the tables are those of one call, bit for bit."""
    from signature_reversal.de import vectorized_inference

    monkeypatch.setattr(vectorized_inference, "MIN_GENES_PER_THREAD", 300)
    genewise = vectorized_inference.deseq2_dispersion.genewise
    block_sizes = []

    def recorded(counts, *args):
        block_sizes.append(counts.shape[1])
        return genewise(counts, *args)

    monkeypatch.setattr(vectorized_inference.deseq2_dispersion, "genewise", recorded)
    data, _ = _counts(1300, 3, seed=12)
    one_dds, one = _fit(data, VectorizedInference(n_cpus=1))
    three_dds, three = _fit(data, VectorizedInference(n_cpus=3))
    assert len(block_sizes) == 4 and max(block_sizes[1:]) < block_sizes[0]  # 1 call, 3 blocks
    for key in ("genewise_dispersions", "dispersions"):
        np.testing.assert_array_equal(one_dds.var[key], three_dds.var[key])
    pd.testing.assert_frame_equal(one, three)


@pytest.mark.parametrize("threads", [1, 2])
def test_fits_in_memory_bounded_blocks_give_the_same_tables(monkeypatch, threads):
    """Large data are fitted in blocks of genes no larger than MAX_BLOCK_CELLS (IRLS and both
    dispersion fits), one after another or on threads: the tables, coefficients and
    leverages are those of one call, bit for bit."""
    from signature_reversal.de import vectorized_inference

    data, _ = _counts(900, 3, seed=13)
    whole_dds, whole = _fit(data, VectorizedInference(n_cpus=1))
    irls_blocks = []
    irls = vectorized_inference._irls

    def recorded(counts, *args):
        irls_blocks.append(counts.shape[1])
        return irls(counts, *args)

    monkeypatch.setattr(vectorized_inference, "_irls", recorded)
    monkeypatch.setattr(vectorized_inference, "MAX_BLOCK_CELLS", 9 * 200)  # 5 blocks of 180
    monkeypatch.setattr(vectorized_inference, "MIN_GENES_PER_THREAD", 100)
    blocked_dds, blocked = _fit(data, VectorizedInference(n_cpus=threads))
    assert len(irls_blocks) >= 5 and max(irls_blocks) <= 200
    for key in ("genewise_dispersions", "dispersions"):
        np.testing.assert_array_equal(whole_dds.var[key], blocked_dds.var[key])
    np.testing.assert_array_equal(whole_dds.varm["LFC"], blocked_dds.varm["LFC"])
    np.testing.assert_array_equal(whole_dds.layers["_mu_hat"], blocked_dds.layers["_mu_hat"])
    pd.testing.assert_frame_equal(whole, blocked)
