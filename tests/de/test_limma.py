"""The limma-style engine reproduces R limma 3.54 on a fixed dataset (reference files made by
tests/data/limma_reference/make_reference.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import REPO
from scipy import special, stats

from signature_reversal.de import limma

REFERENCE = REPO / "tests" / "data" / "limma_reference"


@pytest.fixture(scope="module")
def results():
    x = pd.read_csv(REFERENCE / "expression.tsv", sep="\t", index_col=0)
    samples = pd.read_csv(REFERENCE / "samples.tsv", sep="\t")
    levels = ["control", "eczema", "nmn"]
    design = (samples["condition"].to_numpy()[:, None] == np.array(levels)).astype(float)
    fit = limma.fit_linear(x.to_numpy(), design)
    contrasts = {
        "disease_vs_control": np.array([-1.0, 1, 0]),
        "treatment_vs_disease": np.array([0.0, -1, 1]),
        "treatment_vs_control": np.array([-1.0, 0, 1]),
    }
    return fit, limma.moderated_tests(fit, contrasts), x.index


def test_prior_matches_r(results):
    fit, _, _ = results
    prior = dict(line.split(" ", 1) for line in (REFERENCE / "prior.txt").read_text().splitlines())
    d0, s0_sq = limma.fit_prior(fit.sigma2, fit.df_residual)
    assert d0 == pytest.approx(float(prior["df_prior"]), rel=1e-6)
    assert s0_sq == pytest.approx(float(prior["s2_prior"]), rel=1e-6)


@pytest.mark.parametrize(
    "contrast", ["disease_vs_control", "treatment_vs_disease", "treatment_vs_control"]
)
def test_contrast_matches_r(results, contrast):
    _, tables, genes = results
    ours = tables[contrast].set_index(genes)
    reference = pd.read_csv(REFERENCE / f"{contrast}.tsv", sep="\t", index_col="gene")
    for column in ("logFC", "AveExpr", "t", "P.Value", "adj.P.Val"):
        np.testing.assert_allclose(
            ours[column], reference.loc[ours.index, column], rtol=1e-6, atol=1e-12, err_msg=column
        )


def test_trigamma_inverse_inverts_trigamma():
    y = np.array([0.05, 0.3, 1.0, 7.0, 200.0])
    np.testing.assert_allclose(limma.trigamma_inverse(special.polygamma(1, y)), y, rtol=1e-7)


def test_without_shrinkage_it_is_the_ordinary_t_test():
    """Before moderation the statistic is Student's pooled t; equal true variances give a large
    prior df (strong shrinkage), as limma finds."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 6))
    design = np.repeat(np.eye(2), 3, axis=0)
    fit = limma.fit_linear(x, design)
    ordinary = stats.ttest_ind(x[:, 3:], x[:, :3], axis=1)
    t_ordinary = (fit.coefficients @ [-1, 1]) / np.sqrt(fit.sigma2 * (2 / 3))
    np.testing.assert_allclose(t_ordinary, ordinary.statistic, rtol=1e-10)
    d0, _ = limma.fit_prior(fit.sigma2, fit.df_residual)
    assert d0 > 20  # homogeneous variances: strong shrinkage, as limma finds


def test_rank_deficient_design_is_refused():
    with pytest.raises(ValueError, match="not of full rank"):
        limma.fit_linear(np.zeros((3, 4)), np.array([[1, 1], [1, 1], [1, 1], [1, 1.0]]))
