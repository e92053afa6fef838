"""The per-gene linear model: least squares with covariates, limma-moderated variances, and
the contrasts of per-sample scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from signature_reversal.reversal import linear_model
from signature_reversal.roles import ROLES


def test_fit_recovers_planted_effects_with_a_batch_covariate():
    rng = np.random.default_rng(0)
    roles = np.repeat(ROLES, 4)
    batch = pd.DataFrame({"batch": ["a", "b"] * 6})
    design = linear_model.Design.from_samples(roles, batch)
    assert design.matrix.shape == (12, 4) and design.df_residual == 8
    means = np.repeat([0.0, 2.0, 0.5], 4) + (batch["batch"] == "b").to_numpy() * 3.0
    expression = means + rng.normal(0, 0.1, (500, 12))
    fit = linear_model.fit(expression, design)
    assert np.mean(fit.d) == pytest.approx(2.0, abs=0.01)
    assert np.mean(fit.t) == pytest.approx(-1.5, abs=0.01)
    # standard errors match the spread of the estimates
    assert np.std(fit.d) == pytest.approx(np.mean(fit.se_d), rel=0.15)
    assert design.variance_factor(design.treatment, design.disease) < 0  # shared disease group


def test_confounded_covariate_is_refused():
    roles = np.repeat(ROLES, 2)
    confounded = pd.DataFrame({"batch": roles})
    with pytest.raises(ValueError, match="not of full rank"):
        linear_model.Design.from_samples(roles, confounded)


def test_score_contrasts_and_residual_variance():
    roles = np.repeat(ROLES, 3)
    design = linear_model.Design.from_samples(roles)
    scores = np.array([[0, 0, 0, 3, 3, 3, 1, 1, 1], [0, 1, 2, 0, 1, 2, 0, 1, 2]], dtype=float)
    d, t = linear_model.contrasts_of(scores, design)
    np.testing.assert_allclose(d, [3, 0])
    np.testing.assert_allclose(t, [-2, 0])
    np.testing.assert_allclose(linear_model.residual_variance(scores, design), [0, 1])
    assert linear_model.design_terms("~ batch + condition") == ["batch", "condition"]


def test_group_variances_are_welch_without_covariates():
    rng = np.random.default_rng(3)
    roles = np.repeat(["control", "disease", "treatment"], [3, 4, 3])
    design = linear_model.Design.from_samples(roles)
    values = rng.normal(size=(5, len(roles))) * np.where(roles == "disease", 3.0, 1.0)
    spread = linear_model.group_variances(values, design, design.treatment, design.disease)
    s_d = values[:, roles == "disease"].var(axis=1, ddof=1)
    s_t = values[:, roles == "treatment"].var(axis=1, ddof=1)
    s_c = values[:, roles == "control"].var(axis=1, ddof=1)
    np.testing.assert_allclose(spread.var_a, s_d / 4 + s_t / 3)
    np.testing.assert_allclose(spread.var_b, s_d / 4 + s_c / 3)
    np.testing.assert_allclose(spread.cov_ab, -s_d / 4)
    welch = (s_d / 4 + s_t / 3) ** 2 / ((s_d / 4) ** 2 / 3 + (s_t / 3) ** 2 / 2)
    np.testing.assert_allclose(spread.df_a, welch)


def test_a_noisier_disease_group_does_not_make_the_treatment_test_liberal():
    """3 replicates, the disease group 3× as variable (in SD) as the others, no treatment
    effect: the pooled t rejects at the 1% level far more often than 1%, the group-wise one not."""
    rng = np.random.default_rng(4)
    roles = np.repeat(["control", "disease", "treatment"], 3)
    design = linear_model.Design.from_samples(roles)
    sd = np.where(roles == "disease", 3.0, 1.0)
    values = rng.normal(size=(20_000, len(roles))) * sd
    t = values @ design.matrix @ design.unscaled @ design.treatment
    pooled = linear_model.residual_variance(values, design) * design.variance_factor(
        design.treatment, design.treatment
    )
    p_pooled = 2 * stats.t.sf(np.abs(t / np.sqrt(pooled)), design.df_residual)
    spread = linear_model.group_variances(values, design, design.treatment, design.disease)
    p_groups = 2 * stats.t.sf(np.abs(t / np.sqrt(spread.var_a)), spread.df_a)
    assert np.mean(p_pooled < 0.01) > 0.02
    assert 0.005 < np.mean(p_groups < 0.01) < 0.015


def test_per_gene_sums_in_blocks_equal_the_whole_array(monkeypatch):
    """Residual sums of squares, pooled variances and per-role mean squares are computed in
    blocks of genes (a 1,000-sample array is 160 MB); every gene must get its whole-array
    value, including the last, shorter block."""
    rng = np.random.default_rng(2)
    roles = np.repeat(ROLES, [3, 5, 4])
    design = linear_model.Design.from_samples(roles, pd.DataFrame({"batch": ["a", "b"] * 6}))
    expression = rng.normal(5, 1, (1001, 12)) * rng.gamma(2, 1, 12)
    x = design.matrix
    coefficients = expression @ x @ design.unscaled
    whole = expression - coefficients @ x.T
    monkeypatch.setattr(linear_model, "BLOCK_CELLS", 12 * 100)  # 11 blocks, the last of 1 gene
    assert len(linear_model.gene_blocks(*expression.shape)) == 11
    _, rss = linear_model.least_squares(expression, design)
    np.testing.assert_allclose(rss, (whole**2).sum(axis=1), rtol=1e-12)
    by_role = linear_model.mean_squares_by_role(expression, design)
    for role in ROLES:
        expected = (whole[:, roles == role] ** 2).mean(axis=1)
        np.testing.assert_allclose(by_role[role], expected, rtol=1e-12)
    pooled = linear_model.pooled_fit(expression, design)
    monkeypatch.setattr(linear_model, "BLOCK_CELLS", 1 << 30)  # one block
    np.testing.assert_allclose(pooled.d, linear_model.pooled_fit(expression, design).d)
    np.testing.assert_allclose(
        pooled.se_d, linear_model.pooled_fit(expression, design).se_d, rtol=1e-12
    )
