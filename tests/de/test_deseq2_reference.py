"""The vectorized DE engine reproduces R DESeq2 1.38 on a fixed dataset (reference files made by
tests/data/deseq2_reference/make_reference.R).

Tolerances are tight enough to catch what once separated the two: an exact dispersion optimiser
(interior minima where DESeq2's line search stays at its floor, shifting the trend and every
low-count gene's standard error by 1–2%), unbounded means in the Wald covariance (a gene with an
all-zero group got a 50% larger lfcSE), and a lowess other than R's in independent filtering
(different padj near 0.05).
"""

from __future__ import annotations

from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from signature_reversal.de import stage as de
from signature_reversal.roles import contrasts_for

REFERENCE = Path(__file__).parents[1] / "data" / "deseq2_reference"
CONDITIONS = {"control": "control", "disease": "eczema", "treatment": "nmn"}
ROLE_OF = {label: role for role, label in CONDITIONS.items()}


@pytest.fixture(scope="module")
def fitted():
    counts = pd.read_csv(REFERENCE / "counts.tsv", sep="\t", index_col="gene")
    samples = pd.read_csv(REFERENCE / "samples.tsv", sep="\t").set_index("sample")
    obs = samples.assign(role=samples["condition"].map(ROLE_OF))
    adata = ad.AnnData(
        X=counts.T.to_numpy(dtype=float),
        obs=obs,
        var=pd.DataFrame({"symbol": counts.index}, index=counts.index),
        layers={"counts": counts.T.to_numpy()},
    )
    adata.uns["conditions"] = CONDITIONS
    dds = de.fit(adata, "~condition", engine="vectorized")
    tables = {
        c.name: de.test_contrast(dds, c, CONDITIONS, 0.05).set_index("gene")
        for c in contrasts_for(tuple(CONDITIONS))
    }
    reference = pd.read_csv(REFERENCE / "results.tsv.gz", sep="\t", index_col="gene")
    return dds, tables, reference.loc[counts.index]


def test_size_factors_and_dispersions_are_r_s(fitted):
    dds, _, reference = fitted
    line = (REFERENCE / "versions.txt").read_text().splitlines()[0].split()[1:]
    np.testing.assert_allclose(dds.obs["size_factors"], np.array(line, dtype=float), rtol=1e-8)
    for ours, theirs in (
        ("genewise_dispersions", "genewise_dispersion"),
        ("fitted_dispersions", "fitted_dispersion"),
        ("MAP_dispersions", "map_dispersion"),
        ("dispersions", "dispersion"),
    ):
        np.testing.assert_allclose(dds.var[ours], reference[theirs], rtol=1e-5, err_msg=ours)


@pytest.mark.parametrize(
    "contrast", ["disease_vs_control", "treatment_vs_disease", "treatment_vs_control"]
)
def test_wald_results_are_r_s(fitted, contrast):
    _, tables, reference = fitted
    ours = tables[contrast]
    theirs = reference.add_prefix("R.").filter(like=f"R.{contrast}.")
    theirs.columns = [c.rsplit(".", 1)[1] for c in theirs.columns]
    np.testing.assert_allclose(ours["baseMean"], reference["baseMean"], rtol=1e-7)
    np.testing.assert_allclose(ours["log2FC"], theirs["log2FoldChange"], rtol=1e-5, atol=1e-5)
    # every gene, the all-zero-group ones included
    np.testing.assert_allclose(ours["lfcSE"], theirs["lfcSE"], rtol=1e-4)
    np.testing.assert_allclose(ours["pvalue"], theirs["pvalue"], rtol=1e-3, atol=1e-12)
    # independent filtering keeps the same genes, and calls are the same
    assert ours["padj"].isna().sum() == theirs["padj"].isna().sum()
    np.testing.assert_allclose(ours["padj"], theirs["padj"], rtol=1e-3, atol=1e-9)
    assert set(ours.index[ours["padj"] < 0.05]) == set(theirs.index[theirs["padj"] < 0.05])
