"""The robustness study's data: families of generating processes and plasmode data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signature_reversal.settings import VerdictRule
from signature_reversal.validation import families, robustness


def test_binomial_thinning_plants_exact_relative_effects():
    rng = np.random.default_rng(1)
    counts = rng.poisson(200, size=(2000, 6))
    effect = np.tile([0.0, 0.0, 0.0, -1.0, -1.0, 1.0], (2000, 1))
    thinned = families.thin(counts, effect, rng)
    assert (thinned <= counts).all()
    ratio = thinned.sum(axis=0) / counts.sum(axis=0)
    # kept with probability 2^(effect − max effect): 1/2, 1/2, 1/2, 1/4, 1/4, 1
    np.testing.assert_allclose(ratio, [0.5, 0.5, 0.5, 0.25, 0.25, 1.0], rtol=0.01)


@pytest.mark.parametrize("name", [n for n, f in families.FAMILIES.items() if not f.plasmode])
def test_every_family_gives_counts_and_the_planted_truth(name):
    family = families.FAMILIES[name]
    data = families.generate(family, families.TREATMENTS["70% reversal"], 3, 1, 1500)
    assert data.counts.shape == (1500, 9) and (data.counts.to_numpy() >= 0).all()
    truth = data.truth
    changed = truth["disease_lfc"] != 0
    assert 0 < changed.mean() < 0.5
    if family.reversal_spread == 0:  # T = −0.7 D everywhere (composition genes included)
        np.testing.assert_allclose(
            truth.loc[changed, "treatment_lfc"], -0.7 * truth.loc[changed, "disease_lfc"]
        )
    # effects spread through the |log2FC| = 1 selection threshold, not planted above it
    size = truth.loc[changed, "disease_lfc"].abs()
    assert (size < 1).mean() > 0.2 and (size > 1).mean() > 0.1


def test_same_seed_same_data_and_a_noise_seed_keeps_the_truth():
    family = families.FAMILIES["strongly overdispersed"]
    scenario = families.TREATMENTS["no effect"]
    a, b = (families.generate(family, scenario, 3, 7, 1000) for _ in range(2))
    pd.testing.assert_frame_equal(a.counts, b.counts)
    other = families.generate(family, scenario, 3, 7, 1000, noise_seed=99)
    pd.testing.assert_frame_equal(a.truth, other.truth)
    assert not a.counts.equals(other.counts)


def test_plasmode_keeps_real_counts_where_nothing_is_planted():
    data = families.plasmode(families.TREATMENTS["no effect"], 3, 2, n_genes=2000)
    real = families._real_counts()
    assert data.counts.shape == (2000, 9)
    unchanged = data.truth["disease_lfc"] == 0
    genes = data.truth.loc[unchanged, "real_gene"]
    # every sample is a real sample, untouched where no effect was planted
    columns = {tuple(real.loc[genes, c]) for c in real.columns}
    for sample in data.counts.columns:
        assert tuple(data.counts.loc[unchanged, sample]) in columns
    with pytest.raises(ValueError, match="too few for 3 groups of 6"):
        families.plasmode(families.TREATMENTS["no effect"], 6, 2)


def test_a_study_row_scores_figures_against_the_planted_truth():
    rule = VerdictRule.from_config(permutations=50, calibration_worlds=10)
    row = robustness.evaluate("gamma effects", "70% reversal", 3, 1, rule, n_genes=2500)
    assert row["verdict"] == "reverses" and row["expected"] == "reverses"
    assert row["slope_truth"] == pytest.approx(-0.7)
    assert abs(row["slope_estimate"] + 0.7) < 0.1 and isinstance(row["slope_covered"], bool)
    reference = robustness.evaluate_reference("gamma effects", "no effect", 3, 1, rule, 2500)
    assert reference["family"] == "reference: gamma effects"
    assert reference["slope_truth"] == 0 and abs(reference["slope_estimate"]) < 0.1
    table = robustness.summarise(pd.DataFrame([row, row]))
    assert table.loc[0, "reverses"] == 100 and table.loc[0, "slope coverage"] in (0, 100)


def test_pseudobulk_of_few_cells_is_as_noisy_as_its_cell_count_says():
    """Each pseudobulk sample sums 5-80 cells: its depth follows its cell count, and its genes
    scatter with dispersion φ / c (biological dispersion set near 0 here), so a sample's
    dispersion is inversely proportional to its depth."""
    family = families.with_treatment(
        families.FAMILIES["pseudobulk, few unequal cells"], dispersion_a0=1e-4, dispersion_a1=0,
        dispersion_scatter=0, library_cv=0,
    )  # fmt: skip
    data = families.generate(family, families.TREATMENTS["no effect"], 3, 4, 4000)
    unchanged = (data.truth["disease_lfc"] == 0).to_numpy()
    counts = data.counts.to_numpy(float)[unchanged]
    base = data.truth["base_mean"].to_numpy()[unchanged]
    depth = counts.sum(axis=0)
    assert depth.max() / depth.min() > 3  # cell numbers differ between samples
    expected = base[:, None] / base.sum() * depth[None, :]
    kept = (expected > 20).all(axis=1)  # genes with counts enough to see the dispersion
    e, x = expected[kept], counts[kept]
    dispersion = (((x - e) ** 2 - e) / e**2).mean(axis=0)
    # dispersion × depth is constant (φ / c with depth ∝ c): within a factor 1.6 of each other
    product = dispersion * depth
    assert product.max() / product.min() < 1.6, (dispersion, depth)
    assert dispersion.max() / dispersion.min() > 3
