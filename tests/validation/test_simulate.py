"""The simulator is seeded and plants the effects it reports in ``truth``."""

import numpy as np
from helpers import MOUSE_CURATED, simulate_skin

from signature_reversal.inputs.gmt import read_gmt
from signature_reversal.validation import simulate


def test_same_seed_same_data(curated_sets):
    a = simulate_skin(curated_sets, seed=3)
    b = simulate_skin(curated_sets, seed=3)
    c = simulate_skin(curated_sets, seed=4)
    assert a.counts.equals(b.counts) and a.truth.equals(b.truth)
    assert not a.counts.equals(c.counts)


def test_planted_effects_show_in_group_means(curated_sets):
    data = simulate_skin(curated_sets, n_genes=1500, n_per_group=6, seed=11)
    truth = data.truth
    cpm = data.counts / data.counts.sum() * 1e6
    groups = {label: cpm.filter(like=label + "_").mean(axis=1) for label in ("control", "eczema")}
    observed = np.log2((groups["eczema"] + 1) / (groups["control"] + 1))
    expressed = truth["base_mean"] > 50
    up = expressed & (truth["disease_lfc"] > 0)
    down = expressed & (truth["disease_lfc"] < 0)
    flat = expressed & (truth["disease_lfc"] == 0)
    assert observed[up].median() > 0.8
    assert observed[down].median() < -0.8
    assert abs(observed[flat].median()) < 0.2
    jak = truth["planted_set"] == "SKIN_JAK_STAT_AD_SIGNALING"
    barrier = truth["planted_set"] == "SKIN_BARRIER_CORNIFIED_ENVELOPE"
    assert (truth.loc[jak, "disease_lfc"] > 0).all() and jak.sum() >= 20
    assert (truth.loc[barrier, "disease_lfc"] < 0).all()


def test_treatment_modes(curated_sets):
    modes = {
        m: simulate_skin(curated_sets, treatment=m).truth for m in ("reverse", "none", "aggravate")
    }
    disease = modes["reverse"]["disease_lfc"] != 0
    reverse = modes["reverse"].loc[disease]
    moved = reverse["treatment_lfc"] != 0
    np.testing.assert_allclose(
        reverse.loc[moved, "treatment_lfc"], -reverse.loc[moved, "disease_lfc"]
    )
    assert 0.5 < moved.mean() < 0.95
    assert (modes["none"].loc[disease, "treatment_lfc"] == 0).all()
    aggravate = modes["aggravate"].loc[disease]
    assert (np.sign(aggravate["treatment_lfc"]) == np.sign(aggravate["disease_lfc"])).all()


def test_counts_are_overdispersed(curated_sets):
    data = simulate_skin(curated_sets, n_genes=1500, n_per_group=6, seed=5)
    controls = data.counts.filter(like="control_")
    scaled = controls / controls.sum() * controls.sum().mean()
    mean, var = scaled.mean(axis=1), scaled.var(axis=1)
    high = mean > 500
    assert (var[high] > 2 * mean[high]).mean() > 0.9


def test_example_plants_nad_metabolism_expressed_enough_to_be_tested():
    """The example answers the NAD+ question: eczema lowers the set, NMN restores most of it,
    and every member (Nampt included) is expressed well above the low-count filter."""
    data = simulate.example_dataset(str(MOUSE_CURATED), n_genes=3000, n_per_group=3, seed=7)
    nad = data.truth[data.truth["planted_set"] == "NAD_METABOLISM"]
    sets = {s.name: s.genes for s in read_gmt(MOUSE_CURATED)}
    members = [g for g in sets["NAD_METABOLISM"] if g in data.counts.index]
    assert len(nad) >= 0.6 * len(members) and (nad["disease_lfc"] < 0).all()
    assert (nad["treatment_lfc"] != 0).mean() > 0.4  # NMN restores most
    controls = data.samples.loc[data.samples["condition"] == "control", "sample"]
    control = data.counts.loc[members, controls]
    assert control.loc["Nampt"].mean() > 50 and control.mean(axis=1).min() > 30
