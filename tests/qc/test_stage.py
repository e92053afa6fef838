"""Sample QC on data with a known answer: library sizes, a planted outlier, PCA separation."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd

from signature_reversal.qc import stage as qc


def _dataset(counts: np.ndarray, roles: list[str]) -> ad.AnnData:
    obs = pd.DataFrame(
        {"condition": roles, "role": roles}, index=[f"s{i}" for i in range(len(roles))]
    )
    adata = ad.AnnData(X=counts.astype(float), obs=obs)
    adata.layers["counts"] = counts
    return adata


def test_metrics_flag_a_failed_library_and_pca_separates_groups():
    rng = np.random.default_rng(0)
    roles = ["control"] * 4 + ["disease"] * 4
    means = rng.lognormal(4, 1, 300)
    shift = np.ones(300)
    shift[:40] = 8.0  # disease raises 40 genes eight-fold
    counts = np.vstack(
        [rng.poisson(means * (shift if r == "disease" else 1)) for r in roles]
    ).astype(np.int64)
    counts[7] = counts[7] // 20  # one library sequenced 20× shallower
    result = qc.run(_dataset(counts, roles))
    metrics = result.metrics.set_index("sample")
    assert metrics.loc["s0", "library_size"] == counts[0].sum()
    assert metrics.loc["s0", "detected_genes"] == (counts[0] > 0).sum()
    assert "low library size" in metrics.loc["s7", "outlier"]
    assert (metrics.drop(index="s7")["outlier"] == "").all()
    pc1 = result.pca_scores.set_index("sample")["PC1"]
    control, disease = pc1.iloc[:4], pc1.iloc[4:]
    assert control.max() < disease.min() or disease.max() < control.min()
    assert result.explained_variance[0] > 0.5
    assert np.allclose(np.diag(result.correlation), 1.0)
    assert result.batch is None and list(result.roles) == roles


def test_normalized_input_has_no_library_sizes():
    values = np.random.default_rng(1).normal(5, 1, (6, 50))
    obs = pd.DataFrame(
        {"condition": ["a"] * 3 + ["b"] * 3, "role": ["control"] * 3 + ["disease"] * 3}
    )
    adata = ad.AnnData(X=values, obs=obs.set_axis([f"s{i}" for i in range(6)]))
    metrics = qc.sample_metrics(adata)
    assert metrics["library_size"].isna().all() and metrics["detected_genes"].isna().all()
    np.testing.assert_array_equal(qc.log_scale_expression(adata), values)


def test_principal_components_match_scikit_learn():
    """Same scores, signs and explained variance as sklearn's PCA, which QC used before."""
    from sklearn.decomposition import PCA

    from signature_reversal.qc.stage import principal_components

    values = np.random.default_rng(0).normal(size=(15, 300)) + np.linspace(0, 3, 300)
    reference = PCA(n_components=2, svd_solver="full")
    expected = reference.fit_transform(values)
    scores, explained = principal_components(values, 2)
    np.testing.assert_allclose(scores, expected, atol=1e-10)
    np.testing.assert_allclose(explained, reference.explained_variance_ratio_, atol=1e-12)


def test_uniform_libraries_are_not_flagged_but_a_half_size_one_is():
    """15.3 M reads beside 17–20 M is nothing to act on (a robust z flagged it); 8 M is."""
    metrics = pd.DataFrame(
        {
            "library_size": [17.2e6, 18.0e6, 19.5e6, 20.1e6, 17.8e6, 15.3e6],
            "median_within_group_correlation": [0.991, 0.990, 0.992, 0.991, 0.990, 0.989],
        }
    )
    assert (qc._flag_outliers(metrics) == "").all()
    metrics.loc[5, "library_size"] = 8.0e6
    flags = qc._flag_outliers(metrics)
    assert flags[5].startswith("low library size (0.45× the median")
    assert (flags[:5] == "").all()


def test_a_sample_far_from_its_group_is_flagged_with_the_reason():
    within = [0.991, 0.990, 0.992, 0.991, 0.990, 0.95]
    metrics = pd.DataFrame({"library_size": [1e7] * 6, "median_within_group_correlation": within})
    flags = qc._flag_outliers(metrics)
    assert flags[5].startswith("low correlation to its group (1 − r = 0.05")
    assert (flags[:5] == "").all()
