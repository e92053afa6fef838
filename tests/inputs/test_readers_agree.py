"""The checks run while the workflow is built and the load step read every file the same way.

Each case is one where the two once disagreed: a '#' inside a name, a comma-separated
``samples.tsv``, a sheet column without a name that holds values, comment lines between rows.
Every case goes through both paths and must give the same answer.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest
from helpers import CONDITIONS, MOUSE_CURATED, build_anndata, simulate_skin

from signature_reversal.errors import InputError
from signature_reversal.inputs import preflight


def _config(counts: Path, samples: Path) -> dict:
    return {
        "datasets": {"s": {"path": str(counts), "samples": str(samples)}},
        "gene_sets": {"curated": {"path": str(MOUSE_CURATED)}, "extra": []},
    }


def _both(counts: Path, samples: Path):
    """(preflight outcome, load outcome): the sample names read, or the error."""
    outcomes = []
    for step in (
        lambda: preflight.check_config(_config(counts, samples), "test.yaml"),
        lambda: build_anndata(counts, samples, CONDITIONS),
    ):
        try:
            outcomes.append(step())
        except InputError as err:
            outcomes.append(err)
    return outcomes


@pytest.fixture
def study(tmp_path, curated_sets):
    data = simulate_skin(curated_sets, n_genes=200, n_per_group=3, seed=5)
    return data.counts, data.samples, tmp_path


def test_a_hash_inside_sample_names_is_data_in_the_table_and_in_the_sheet(study):
    counts, samples, folder = study
    renamed = {s: s.replace("_", "#") for s in samples["sample"]}  # control#1, …
    (folder / "counts.tsv").write_text(
        "# featureCounts-style comment line\n"
        + counts.rename(columns=renamed).rename_axis("gene").to_csv(sep="\t")
    )
    sheet = samples.assign(sample=samples["sample"].map(renamed))
    sheet.to_csv(folder / "samples.tsv", sep="\t", index=False)
    checked, adata = _both(folder / "counts.tsv", folder / "samples.tsv")
    assert checked is None, checked
    assert list(adata.obs_names) == list(sheet["sample"])  # "control#1", not "control"


def test_a_comma_separated_samples_tsv_is_read_by_both(study):
    counts, samples, folder = study
    counts.rename_axis("gene").to_csv(folder / "counts.tsv", sep="\t")
    samples.to_csv(folder / "samples.tsv", sep=",", index=False)  # README: tab- or comma-
    checked, adata = _both(folder / "counts.tsv", folder / "samples.tsv")
    assert checked is None, checked
    assert list(adata.obs_names) == list(samples["sample"])


def test_a_sheet_column_without_a_name_is_reported_not_silently_dropped(study, caplog):
    counts, samples, folder = study
    counts.rename_axis("gene").to_csv(folder / "counts.tsv", sep="\t")
    # R's write.csv(row.names = TRUE): an unnamed first column of row numbers
    samples.to_csv(folder / "samples.csv", sep=",", index=True)
    with caplog.at_level(logging.WARNING):
        checked, adata = _both(folder / "counts.tsv", folder / "samples.csv")
    assert checked is None, checked
    assert "condition" in adata.obs and list(adata.obs_names) == list(samples["sample"])
    assert "column 1 has no name and is not used (values such as '0')" in caplog.text


def test_comment_lines_between_sheet_rows_are_skipped_by_both(study):
    counts, samples, folder = study
    counts.rename_axis("gene").to_csv(folder / "counts.tsv", sep="\t")
    lines = samples.to_csv(sep="\t", index=False).splitlines()
    lines.insert(3, "# this mouse was re-genotyped")
    (folder / "samples.tsv").write_text("\n".join(lines) + "\n")
    checked, adata = _both(folder / "counts.tsv", folder / "samples.tsv")
    assert checked is None, checked
    assert len(adata.obs_names) == len(samples)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.assign(sample=s["sample"].where(s.index != 1, "two words")), "white space"),
        (lambda s: s.assign(sample=s["sample"].where(s.index != 1, s["sample"][0])), "twice"),
        (lambda s: s.assign(condition=s["condition"].where(s.index != 2, "")), "empty"),
        (lambda s: s.rename(columns={"condition": "group"}), "no column 'condition'"),
    ],
)
def test_a_bad_sheet_is_refused_by_both_with_the_same_message(study, edit, message):
    counts, samples, folder = study
    counts.rename_axis("gene").to_csv(folder / "counts.tsv", sep="\t")
    edit(samples).to_csv(folder / "samples.tsv", sep="\t", index=False)
    checked, loaded = _both(folder / "counts.tsv", folder / "samples.tsv")
    assert isinstance(checked, InputError) and isinstance(loaded, InputError)
    assert str(checked) == str(loaded) and message in str(checked)


def test_a_repeated_sample_column_is_refused_by_both(study):
    counts, samples, folder = study
    table = counts.rename_axis("gene").reset_index()
    table.columns = [*table.columns[:-1], table.columns[1]]  # last column named as the first
    table.to_csv(folder / "counts.tsv", sep="\t", index=False)
    samples.to_csv(folder / "samples.tsv", sep="\t", index=False)
    checked, loaded = _both(folder / "counts.tsv", folder / "samples.tsv")
    assert isinstance(checked, InputError) and str(checked) == str(loaded)
    assert "are both named" in str(checked)


def test_the_sheet_frame_keeps_covariates_and_missing_cells(tmp_path):
    from signature_reversal.inputs import sample_sheet

    path = tmp_path / "s.tsv"
    path.write_text("sample\tcondition\tbatch\na\tcontrol\tB1\nb\teczema\t\n")
    frame = sample_sheet.read(path).to_frame()
    assert frame.loc["a", "batch"] == "B1" and pd.isna(frame.loc["b", "batch"])
