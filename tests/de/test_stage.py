"""DE recovers planted fold changes, holds its FDR, and lists every gene it removes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import build_anndata, simulate_skin, write_dataset

from signature_reversal.de import stage as de
from signature_reversal.errors import InputError
from signature_reversal.settings import DESettings


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, curated_sets):
    data = simulate_skin(curated_sets, n_genes=800, n_per_group=3, seed=21)
    counts, samples = write_dataset(data, tmp_path_factory.mktemp("de"))
    adata = build_anndata(counts, samples)
    result = de.run(adata, DESettings.from_config({}), threads=1)
    size_factors = result.size_factors["size_factor"].to_numpy()
    return data.truth, result.tables, result.filtered_genes, size_factors, adata


def test_tables_have_the_documented_columns(fitted):
    _, results, _, _, _ = fitted
    assert set(results) == {"disease_vs_control", "treatment_vs_disease", "treatment_vs_control"}
    for table in results.values():
        assert tuple(table.columns) == de.RESULT_COLUMNS


def test_log2fc_recovers_truth(fitted):
    truth, results, _, _, _ = fitted
    table = results["disease_vs_control"].set_index("gene")
    joined = table.join(truth)
    expressed = joined["baseMean"] > 30
    r = np.corrcoef(joined.loc[expressed, "log2FC"], joined.loc[expressed, "disease_lfc"])[0, 1]
    assert r > 0.85
    called = joined["padj"] < 0.05
    planted = joined["disease_lfc"] != 0
    assert (called & ~planted).sum() / max(called.sum(), 1) < 0.1  # FDR held
    assert (called & planted).sum() / planted[expressed].sum() > 0.6  # power
    treat = results["treatment_vs_disease"].set_index("gene").join(truth)
    expected = treat["treatment_lfc"]
    assert np.corrcoef(treat.loc[expressed, "log2FC"], expected[expressed])[0, 1] > 0.8


def test_low_count_filter_reports_removed_genes(fitted):
    _, results, removed, _, adata = fitted
    assert len(removed) + len(results["disease_vs_control"]) == adata.n_vars
    assert set(removed["gene"]).isdisjoint(results["disease_vs_control"]["gene"])
    assert (removed["reason"].str.contains("fewer than 3 samples")).all()


def test_size_factors_centre_unchanged_genes(fitted):
    truth, _, _, size_factors, adata = fitted
    counts = pd.DataFrame(np.asarray(adata.layers["counts"]), columns=adata.var_names)
    normalized = counts.div(size_factors, axis=0)
    flat = truth.index[
        (truth["disease_lfc"] == 0) & (truth["treatment_lfc"] == 0) & (truth["base_mean"] > 50)
    ]
    log_ratio = np.log2(normalized[flat] / normalized[flat].mean(axis=0))
    per_sample = log_ratio.median(axis=1)
    assert per_sample.abs().max() < 0.1  # every sample on a common scale


@pytest.mark.parametrize(
    ("design", "message"), [("~batch", "no 'condition'"), ("~batch + condition", "batch")]
)
def test_design_errors(fitted, design, message):
    *_, adata = fitted
    with pytest.raises(InputError, match=message):
        de.check_design(design, adata.obs)


def test_a_group_with_larger_variability_is_flagged_and_can_be_fitted_apart(curated_sets, tmp_path):
    """The treated group's counts get extra multiplicative noise: the joint fit's shared
    dispersion is inflated for the other contrasts, which the per-contrast fit avoids."""
    data = simulate_skin(curated_sets, n_genes=600, n_per_group=4, seed=5)
    rng = np.random.default_rng(0)
    noisy = data.counts.columns.str.startswith("nmn")
    noise = np.exp(rng.normal(0, 0.6, (len(data.counts), noisy.sum())))
    data.counts.loc[:, noisy] = np.round(data.counts.loc[:, noisy] * noise).astype(int)
    counts, samples = write_dataset(data, tmp_path)
    adata = build_anndata(counts, samples)
    joint = de.run(adata, DESettings.from_config({}))
    separate = de.run(adata, DESettings.from_config({"fit": "per_contrast"}))
    variability = joint.group_variability.set_index("role")
    assert (
        variability.loc["treatment", "flagged"]
        and variability.loc["treatment", "relative_variance"] > 2
    )
    assert not variability.loc["control", "flagged"]

    def calls(result):
        return int((result.tables["disease_vs_control"]["padj"] < 0.05).sum())

    assert calls(separate) > calls(joint)


def test_a_multi_arm_arm_is_fitted_from_the_file_the_load_job_wrote(curated_sets, tmp_path):
    """The DE job reads dataset.h5ad from disk, where the study's other groups (a list in
    memory) come back as an array: the arm must fit the same from the file as in memory
    (two other groups, as in GSE248978's two-day study, and a flagged group, whose log line
    asks whether the study has other groups)."""
    import anndata as ad

    from signature_reversal.inputs import load
    from signature_reversal.inputs.load import other_groups
    from signature_reversal.settings import DatasetSpec

    data = simulate_skin(curated_sets, n_genes=300, n_per_group=3, seed=9)
    treated = ["nmn_1", "nmn_2", "nmn_3"]
    samples, counts = [data.samples], [data.counts]
    for arm in ("low", "high"):  # two more arms: the analysis's other groups
        names = [f"{arm}_{i}" for i in (1, 2, 3)]
        samples.append(pd.DataFrame({"sample": names, "condition": arm}))
        counts.append(data.counts[treated].set_axis(names, axis=1))
    data.samples, data.counts = pd.concat(samples, ignore_index=True), pd.concat(counts, axis=1)
    # the treated group three times as variable: flagged
    noisy = data.counts.columns.str.startswith("nmn")
    noise = np.exp(np.random.default_rng(0).normal(0, 0.6, (len(data.counts), noisy.sum())))
    data.counts.loc[:, noisy] = np.round(data.counts.loc[:, noisy] * noise).astype(int)
    counts_path, sheet = write_dataset(data, tmp_path)
    spec = DatasetSpec.from_config({"path": str(counts_path), "samples": str(sheet)})
    conditions = {"control": "control", "disease": "eczema", "treatment": "nmn"}
    adata = load.load_dataset(spec, conditions, min_replicates=2, others=["low", "high"])
    adata.write_h5ad(tmp_path / "dataset.h5ad")
    from_disk = ad.read_h5ad(tmp_path / "dataset.h5ad")
    assert other_groups(from_disk) == other_groups(adata) == ("low", "high")
    settings = DESettings.from_config({"fit": "per_contrast"})
    in_memory, read_back = de.run(adata, settings), de.run(from_disk, settings)
    assert in_memory.group_variability["flagged"].any()
    for name, table in in_memory.tables.items():
        pd.testing.assert_frame_equal(table, read_back.tables[name])
