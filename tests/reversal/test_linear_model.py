"""The per-gene linear model: least squares with covariates, limma-moderated variances, and
the contrasts of per-sample scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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
