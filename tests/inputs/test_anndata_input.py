"""AnnData input: single cells summed to pseudobulk in chunks; raw counts found or refused."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from helpers import CONDITIONS, simulate_skin

from signature_reversal.errors import InputError
from signature_reversal.inputs import anndata_input
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
