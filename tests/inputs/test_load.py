"""Input loading: good input becomes AnnData; each kind of bad input is refused by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import CONDITIONS, build_anndata

from signature_reversal.errors import InputError


def test_good_input_builds_anndata(small_dataset):
    counts, samples, _ = small_dataset
    adata = build_anndata(counts, samples, CONDITIONS)
    table = pd.read_csv(counts, sep="\t", index_col=0)
    assert adata.shape == (9, table.shape[0])
    assert list(adata.obs["role"]) == ["control"] * 3 + ["disease"] * 3 + ["treatment"] * 3
    np.testing.assert_array_equal(adata.layers["counts"], table.T.to_numpy())
    assert list(adata.obs["condition"].cat.categories) == ["control", "eczema", "nmn"]


def test_gzipped_csv_is_read(small_dataset, tmp_path):
    counts, samples, _ = small_dataset
    csv = tmp_path / "counts.csv.gz"
    pd.read_csv(counts, sep="\t", index_col=0).to_csv(csv)
    assert build_anndata(csv, samples, CONDITIONS).n_vars == 400


def _corrupt(counts: Path, tmp_path: Path, row: int, column: str, value) -> Path:
    table = pd.read_csv(counts, sep="\t", index_col=0).astype(object)
    table.iloc[row, table.columns.get_loc(column)] = value
    bad = tmp_path / "bad.tsv"
    table.to_csv(bad, sep="\t")
    return bad


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "not a number"),
        (-3, "negative"),
        (2.5, "not a whole number"),
        (np.nan, "empty"),
        (np.inf, "infinite"),
    ],
)
def test_bad_cells_are_named(small_dataset, tmp_path, value, message):
    counts, samples, _ = small_dataset
    bad = _corrupt(counts, tmp_path, 4, "eczema_2", value)
    with pytest.raises(InputError) as err:
        build_anndata(bad, samples, CONDITIONS)
    text = str(err.value)
    assert message in text
    assert str(bad) in text and "eczema_2" in text and "row 6" in text and "Fix:" in text


def test_missing_file(tmp_path, small_dataset):
    _, samples, _ = small_dataset
    with pytest.raises(InputError, match="expression file does not exist"):
        build_anndata(tmp_path / "nope.tsv", samples, CONDITIONS)


def test_duplicated_genes_and_samples(small_dataset, tmp_path):
    counts, samples, _ = small_dataset
    table = pd.read_csv(counts, sep="\t", index_col=0)
    dup = pd.concat([table, table.iloc[[0]]])
    dup.to_csv(tmp_path / "dup.tsv", sep="\t")
    with pytest.raises(InputError, match=r"1 duplicated gene ID\(s\): " + table.index[0]):
        build_anndata(tmp_path / "dup.tsv", samples, CONDITIONS)
    sheet = pd.read_csv(samples, sep="\t")
    pd.concat([sheet, sheet.iloc[[0]]]).to_csv(tmp_path / "s.tsv", sep="\t", index=False)
    with pytest.raises(InputError, match="rows 2 and 11: sample .control_1. appears twice"):
        build_anndata(counts, tmp_path / "s.tsv", CONDITIONS)


def test_sheet_sample_missing_from_matrix(small_dataset, tmp_path):
    counts, samples, _ = small_dataset
    table = pd.read_csv(counts, sep="\t", index_col=0).drop(columns=["nmn_3"])
    table.to_csv(tmp_path / "c.tsv", sep="\t")
    with pytest.raises(InputError, match="missing from the data: nmn_3"):
        build_anndata(tmp_path / "c.tsv", samples, CONDITIONS)


def test_extra_matrix_column_is_logged(small_dataset, tmp_path, caplog):
    counts, samples, _ = small_dataset
    table = pd.read_csv(counts, sep="\t", index_col=0)
    table["stray"] = 5
    table.to_csv(tmp_path / "c.tsv", sep="\t")
    adata = build_anndata(tmp_path / "c.tsv", samples, CONDITIONS)
    assert "stray" not in adata.obs_names
    assert "stray" in caplog.text


def test_role_absent_from_sheet(small_dataset):
    counts, samples, _ = small_dataset
    with pytest.raises(InputError, match=r"treatment condition 'NMN'.*conditions.treatment"):
        build_anndata(counts, samples, {**CONDITIONS, "treatment": "NMN"})


def test_too_few_replicates(small_dataset, tmp_path):
    counts, samples, _ = small_dataset
    sheet = pd.read_csv(samples, sep="\t")
    sheet = sheet[~sheet["sample"].isin(["nmn_2", "nmn_3"])]
    sheet.to_csv(tmp_path / "s.tsv", sep="\t", index=False)
    with pytest.raises(InputError, match=r"treatment group \('nmn'\) has 1 sample"):
        build_anndata(counts, tmp_path / "s.tsv", CONDITIONS)


def test_all_zero_sample(small_dataset, tmp_path):
    counts, samples, _ = small_dataset
    table = pd.read_csv(counts, sep="\t", index_col=0)
    table["control_2"] = 0
    table.to_csv(tmp_path / "c.tsv", sep="\t")
    with pytest.raises(InputError, match="zero counts in every gene: control_2"):
        build_anndata(tmp_path / "c.tsv", samples, CONDITIONS)


def test_unused_conditions_are_dropped_with_a_warning(small_dataset, tmp_path, caplog):
    counts, samples, _ = small_dataset
    sheet = pd.read_csv(samples, sep="\t")
    sheet.loc[sheet["sample"] == "control_1", "condition"] = "vehicle"
    sheet.to_csv(tmp_path / "s.tsv", sep="\t", index=False)
    sheet.loc[sheet["sample"] == "control_2", "condition"] = "vehicle"
    sheet.to_csv(tmp_path / "s2.tsv", sep="\t", index=False)
    adata = build_anndata(counts, tmp_path / "s.tsv", CONDITIONS)
    assert "control_1" not in adata.obs_names and "vehicle" in caplog.text
    with pytest.raises(InputError, match="control group"):
        build_anndata(counts, tmp_path / "s2.tsv", CONDITIONS)


def test_run_reads_the_stage_settings(small_dataset):
    """The stage entry takes typed settings; the schema's defaults fill what is not given."""
    from signature_reversal.inputs import load
    from signature_reversal.settings import LoadSettings

    counts, samples, _ = small_dataset
    settings = LoadSettings.from_config(
        {"dataset": {"path": str(counts), "samples": str(samples)}, "conditions": CONDITIONS}
    )
    assert settings.min_replicates == 2 and settings.dataset.kind == "counts"
    adata = load.run(settings)
    assert adata.uns["species"] == "mouse" and set(adata.obs["role"]) == {
        "control",
        "disease",
        "treatment",
    }
