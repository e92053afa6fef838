"""Readers and loader on small fixtures: shapes users bring, and bad input refused by name."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import CONDITIONS, simulate_skin, write_dataset

from signature_reversal import anndata_input, tables
from signature_reversal.errors import InputError
from signature_reversal.load import DatasetSpec, load_dataset


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
    with pytest.raises(InputError, match="cannot be read"):
        load(tmp_path / "bin.tsv.gz", samples)
    (tmp_path / "empty.tsv").write_text("")
    with pytest.raises(InputError, match="empty"):
        load(tmp_path / "empty.tsv", samples)


def test_sheet_names_absent_everywhere(data, tmp_path):
    _, samples = write_dataset(data, tmp_path)
    data.counts.add_prefix("x_").to_csv(tmp_path / "renamed.tsv", sep="\t")
    with pytest.raises(InputError, match="none of the sample sheet's sample names appear"):
        load(tmp_path / "renamed.tsv", samples)


def _cells(data, x_normalized: bool, with_counts_layer: bool) -> ad.AnnData:
    counts = sp.csr_matrix(np.repeat(data.counts.T.to_numpy(), 6, axis=0).astype(float))
    obs = pd.DataFrame({"sample": np.repeat(data.counts.columns, 6)})
    obs["condition"] = obs["sample"].str.rsplit("_", n=1).str[0]
    x = counts.copy()
    if x_normalized:
        x.data = np.log1p(x.data / 7.0)
    layers = {"counts": counts} if with_counts_layer else {}
    return ad.AnnData(
        X=x,
        obs=obs.set_axis([f"c{i}" for i in range(len(obs))]),
        var=pd.DataFrame(index=data.counts.index),
        layers=layers,
    )


def test_pseudobulk_sums_cells_in_chunks(data, tmp_path, monkeypatch):
    monkeypatch.setattr(anndata_input, "CHUNK_ROWS", 7)  # force several chunks
    _cells(data, x_normalized=True, with_counts_layer=True).write_h5ad(tmp_path / "sc.h5ad")
    adata = load(tmp_path / "sc.h5ad", single_cell={"min_cells": 5})
    np.testing.assert_array_equal(adata.X, 6 * data.counts.T.to_numpy())
    assert list(adata.obs["n_cells"].astype(int)) == [6] * 9


def test_single_cell_without_raw_counts_is_refused(data, tmp_path):
    _cells(data, x_normalized=True, with_counts_layer=False).write_h5ad(tmp_path / "sc.h5ad")
    with pytest.raises(InputError, match="no raw counts found") as err:
        load(tmp_path / "sc.h5ad", single_cell={"min_cells": 5})
    assert "layers['counts']" in str(err.value)


def test_single_cell_raw_counts_in_x_are_used(data, tmp_path):
    _cells(data, x_normalized=False, with_counts_layer=False).write_h5ad(tmp_path / "sc.h5ad")
    adata = load(tmp_path / "sc.h5ad", single_cell={"min_cells": 5})
    assert adata.X.sum() == 6 * data.counts.to_numpy().sum()


def test_single_cell_too_few_cells_everywhere(data, tmp_path):
    _cells(data, x_normalized=False, with_counts_layer=True).write_h5ad(tmp_path / "sc.h5ad")
    with pytest.raises(InputError, match="or lower min_cells"):
        load(tmp_path / "sc.h5ad", single_cell={"min_cells": 50})


def test_single_cell_missing_columns(data, tmp_path):
    _cells(data, x_normalized=False, with_counts_layer=True).write_h5ad(tmp_path / "sc.h5ad")
    with pytest.raises(InputError, match="obs has no column 'donor'"):
        load(tmp_path / "sc.h5ad", single_cell={"sample_column": "donor"})


def test_featurecounts_detection():
    table = pd.DataFrame(columns=["Geneid", "Chr", "Start", "End", "Strand", "Length", "a.bam"])
    assert tables.is_featurecounts(table)
    assert not tables.is_featurecounts(table.drop(columns=["Length"]))
