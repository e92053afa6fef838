"""Expression tables in the shapes users bring them, read through the loader; bad cells named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import CONDITIONS, simulate_skin, write_dataset

from signature_reversal.errors import InputError
from signature_reversal.inputs import expression_tables
from signature_reversal.inputs.load import load_dataset
from signature_reversal.settings import DatasetSpec


@pytest.fixture
def data(curated_sets):
    return simulate_skin(curated_sets, n_genes=300, n_per_group=3, seed=8)


def load(path, samples=None, **settings):
    spec = DatasetSpec.from_config(
        {"path": str(path), "samples": samples and str(samples), **settings}
    )
    return load_dataset(spec, CONDITIONS)


def test_explicit_orientation_and_symbol_column(data, tmp_path):
    counts, samples = write_dataset(data, tmp_path)
    table = data.counts.copy()
    table.insert(0, "gene_name", [f"SYM{i}" for i in range(len(table))])
    table.to_csv(tmp_path / "with_symbols.tsv", sep="\t")
    adata = load(tmp_path / "with_symbols.tsv", samples, orientation="genes_by_samples")
    assert adata.var["symbol"].iloc[5] == "SYM5" and adata.n_vars == 300
    transposed = data.counts.T.rename_axis("sample")
    transposed.to_csv(tmp_path / "t.tsv", sep="\t")
    assert load(tmp_path / "t.tsv", samples).n_vars == 300


def test_duplicate_gene_ids_sum_or_refuse(data, tmp_path, caplog):
    _, samples = write_dataset(data, tmp_path)
    table = data.counts.copy()
    table.index = [*table.index[:-1], table.index[0]]  # last gene now duplicates the first
    table.to_csv(tmp_path / "dup.tsv", sep="\t")
    with pytest.raises(InputError, match="duplicate_genes: sum"):
        load(tmp_path / "dup.tsv", samples)
    adata = load(tmp_path / "dup.tsv", samples, duplicate_genes="sum")
    expected = data.counts.iloc[0] + data.counts.iloc[-1]
    np.testing.assert_array_equal(adata[:, data.counts.index[0]].X.ravel(), expected.to_numpy())
    assert "summing the rows of 1 duplicated gene IDs" in caplog.text


def test_estimated_counts_need_rounding(data, tmp_path):
    _, samples = write_dataset(data, tmp_path)
    (data.counts + 0.4).to_csv(tmp_path / "est.tsv", sep="\t")
    with pytest.raises(InputError, match="non_integer_counts: round"):
        load(tmp_path / "est.tsv", samples)
    assert load(tmp_path / "est.tsv", samples, non_integer_counts="round").X.sum() == (
        data.counts.to_numpy().sum()
    )


def test_normalized_linear_values_are_logged(data, tmp_path, caplog):
    caplog.set_level("INFO")
    _, samples = write_dataset(data, tmp_path)
    cpm = data.counts / data.counts.sum() * 1e6
    cpm.to_csv(tmp_path / "cpm.tsv", sep="\t")
    adata = load(tmp_path / "cpm.tsv", samples, kind="normalized")
    np.testing.assert_allclose(adata.X, np.log2(cpm.T.to_numpy() + 1))
    assert "counts" not in adata.layers and "look linear" in caplog.text


def test_unreadable_and_empty_files(tmp_path, data):
    _, samples = write_dataset(data, tmp_path)
    (tmp_path / "bin.tsv.gz").write_bytes(b"\x00\x01 not gzip at all")
    with pytest.raises(InputError, match="damaged gzip file"):
        load(tmp_path / "bin.tsv.gz", samples)
    (tmp_path / "empty.tsv").write_text("")
    with pytest.raises(InputError, match="empty"):
        load(tmp_path / "empty.tsv", samples)


def test_sheet_names_absent_everywhere(data, tmp_path):
    _, samples = write_dataset(data, tmp_path)
    data.counts.add_prefix("x_").to_csv(tmp_path / "renamed.tsv", sep="\t")
    with pytest.raises(InputError, match="none of the sample sheet's sample names appear"):
        load(tmp_path / "renamed.tsv", samples)


def test_featurecounts_detection():
    table = pd.DataFrame(columns=["Geneid", "Chr", "Start", "End", "Strand", "Length", "a.bam"])
    assert expression_tables.is_featurecounts(table)
    assert not expression_tables.is_featurecounts(table.drop(columns=["Length"]))


def test_sample_columns_parsed_as_numbers_equal_strings_converted(tmp_path):
    """The sheet's sample columns are parsed as numbers by the reader (the fast path); the
    floats equal those of the string path bit for bit, annotation columns stay text, and a
    cell that is not a number still gets its name, row and sample in the error."""
    rng = np.random.default_rng(3)
    samples = ["s1", "s2", "s3"]
    values = rng.lognormal(2, 3, (200, 3))
    table = pd.DataFrame(
        {"gene": [f"G{i:03d}" for i in range(200)], "note": ["0007"] * 200}
        | {s: [f"{v:.17g}" for v in values[:, j]] for j, s in enumerate(samples)}
    )
    path = tmp_path / "decimals.tsv"
    table.to_csv(path, sep="\t", index=False)
    fast = expression_tables.read_raw_table(path, samples)
    slow = expression_tables.read_raw_table(path)
    assert all(fast[s].dtype == float for s in samples) and fast["note"].iloc[0] == "0007"
    assert slow["s1"].dtype == object
    for s in samples:
        converted = pd.to_numeric(slow[s]).to_numpy()
        assert np.array_equal(fast[s].to_numpy(), converted)
    read = expression_tables.read_expression_table(path, samples)
    string_path = np.column_stack([pd.to_numeric(slow[s]) for s in samples])
    assert np.array_equal(read.values.to_numpy(), string_path)
    table.loc[17, "s2"] = "12,5"
    table.to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError, match=r"not a number.*G017.*row 19.*'s2'.*'12,5'"):
        expression_tables.read_expression_table(path, samples)
