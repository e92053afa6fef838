"""Head to head on data with a known answer: log expression with planted disease and treatment
effects, gene-gene correlation, unequal group variances and (paired) strong patient effects.
The difference of two arms' figures must keep its false-call rate and cover the planted
difference; the shared disease group must not be counted twice."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from signature_reversal.reversal import head_to_head, linear_model
from signature_reversal.reversal.fast_figures import FIGURES
from signature_reversal.study import OTHER

N_GENES, N_DISEASE = 400, 120
GROUPS = ("control", "disease", "treatment", f"{OTHER}b")


def _study(rng, reversal_a, reversal_b, n=3, paired=False, noisy_disease=True):
    """Genes × samples log2 expression of control, disease and two treated arms."""
    d = np.zeros(N_GENES)
    d[:N_DISEASE] = rng.choice([-1, 1], N_DISEASE) * rng.gamma(3.0, 0.5, N_DISEASE)
    means = {
        "control": 0 * d,
        "disease": d,
        "treatment": d - reversal_a * d,
        f"{OTHER}b": d - reversal_b * d,
    }
    roles = np.repeat(GROUPS, n)
    sd = np.where(roles == "disease", 0.6 if noisy_disease else 0.3, 0.3)
    modules = rng.integers(0, 20, N_GENES)  # co-regulated genes share a per-sample shift
    shift = rng.normal(0, 0.15, (20, len(roles)))[modules]
    y = 5 + np.column_stack([means[r] for r in roles]) + shift
    y += rng.standard_normal(y.shape) * sd[None, :]
    covariates = None
    if paired:  # replicate i of every group is patient i, with a strong per-gene effect
        patients = np.tile(np.arange(n), len(GROUPS))
        y += rng.normal(0, 1.0, (N_GENES, n))[:, patients]
        covariates = pd.DataFrame({"patient": patients.astype(str)})
    return y, linear_model.Design.from_samples(roles, covariates), d


def _arm(y, design, d, role, name):
    """An arm's own figures as the estimator would print them (true disease effects as weights
    here; response 1)."""
    rows = np.arange(N_DISEASE)
    w = d[rows]
    coefficients = y[rows] @ design.matrix @ design.unscaled
    t = coefficients @ design.contrast(role, "disease")
    estimates = {
        "slope": float(w @ t / (w @ w)),
        "percent_improvement_up": -100 * float(w[w > 0] @ t[w > 0] / (w[w > 0] @ w[w > 0])),
        "percent_improvement_down": -100 * float(w[w < 0] @ t[w < 0] / (w[w < 0] @ w[w < 0])),
    }
    return head_to_head.ArmFigures(
        arm=name,
        effect={role: 1.0, "disease": -1.0},
        estimates=estimates,
        response=dict.fromkeys(FIGURES, 1.0),
        rows=rows,
        weights=w,
        up=w > 0,
    )


def _pairs(reversal_a, reversal_b, paired, replicates=300, n=3):
    rng = np.random.default_rng(7)
    out = []
    for _ in range(replicates):
        y, design, d = _study(rng, reversal_a, reversal_b, n, paired)
        a = _arm(y, design, d, "treatment", "a")
        b = _arm(y, design, d, f"{OTHER}b", "b")
        out.append(head_to_head.pair(y, design, a, b, head_to_head.OWN, {}))
    return out


@pytest.mark.parametrize("paired", [False, True])
def test_equal_arms_are_seldom_called_different_and_the_interval_covers_zero(paired):
    results = _pairs(0.7, 0.7, paired)
    slope = [r[0] for r in results]
    false_calls = np.mean([c.p < 0.05 for c in slope])
    covered = np.mean([c.ci_low <= 0 <= c.ci_high for c in slope])
    assert false_calls <= 0.075, false_calls
    assert covered >= 0.925, covered
    # the standard error is the differences' real spread, not the arms' own noise added up
    # (counting the shared disease group would make it ~1.3x too large)
    spread = np.std([c.estimate for c in slope])
    assert 0.8 < np.mean([c.se for c in slope]) / spread < 1.2


@pytest.mark.parametrize("paired", [False, True])
def test_a_stronger_arm_is_found_and_the_difference_covered(paired):
    results = _pairs(0.7, 0.3, paired, replicates=200)
    truth = {"slope": -0.4, "percent_improvement_up": 40.0, "percent_improvement_down": 40.0}
    for i, name in enumerate(FIGURES):
        comparisons = [r[i] for r in results]
        covered = np.mean([c.ci_low <= truth[name] <= c.ci_high for c in comparisons])
        assert covered >= 0.9, (name, covered)
        assert np.mean([c.p < 0.05 for c in comparisons]) >= 0.9, name
    assert "a restores 40 points more" in results[0][0].sentence


def test_the_shared_disease_group_is_not_counted_twice():
    """Both arms' figures carry the disease group's noise; their difference does not. Adding
    the arms' own variances (as if independent) would overstate the difference's."""
    rng = np.random.default_rng(3)
    y, design, d = _study(rng, 0.7, 0.7, n=3, noisy_disease=True)
    a, b = _arm(y, design, d, "treatment", "a"), _arm(y, design, d, f"{OTHER}b", "b")
    difference = head_to_head.pair(y, design, a, b, head_to_head.OWN, {})[0]
    rows, w = a.rows, a.weights
    _, var_a, _ = head_to_head.score_contrast(y, design, rows, w, design.treatment)
    _, var_b, _ = head_to_head.score_contrast(
        y, design, rows, w, design.contrast(f"{OTHER}b", "disease")
    )
    assert difference.se < 0.8 * math.sqrt(var_a + var_b)


def test_a_trend_along_dose_is_per_step():
    rng = np.random.default_rng(5)
    roles_three = np.repeat(["control", "disease", "treatment", f"{OTHER}mid", f"{OTHER}high"], 4)
    d = np.zeros(N_GENES)
    d[:N_DISEASE] = rng.choice([-1, 1], N_DISEASE) * rng.gamma(3.0, 0.5, N_DISEASE)
    fraction = {"control": None, "disease": 0.0, "treatment": 0.2, f"{OTHER}mid": 0.4,
                f"{OTHER}high": 0.6}  # fmt: skip
    y = np.column_stack(
        [0 * d if r == "control" else d * (1 - fraction[r]) for r in roles_three]
    ) + rng.normal(0, 0.3, (N_GENES, len(roles_three)))
    design = linear_model.Design.from_samples(roles_three)
    arms = [_arm(y, design, d, role, role) for role in ("treatment", f"{OTHER}mid", f"{OTHER}high")]
    slope = head_to_head.trend(y, design, arms, head_to_head.OWN, "dose", {})[0]
    assert slope.ci_low <= -0.2 <= slope.ci_high and slope.p < 1e-3
    assert slope.sentence.startswith("each step of dose")
