"""Composition: a planted expansion of T cells with disease and its retreat with treatment are
called; proportions that do not change are seldom called."""

from __future__ import annotations

import numpy as np
import pandas as pd

from signature_reversal.singlecell import composition


def test_planted_expansion_and_retreat_are_called(cells_file):
    _, cells = cells_file
    shares = composition.proportions(cells.obs, "sample", "cell_type")
    condition_of = cells.obs.groupby("sample", observed=True)["condition"].first().astype(str)
    disease = composition.test(shares, condition_of, "eczema", "control", "disease").set_index(
        "cell_type"
    )
    treatment = composition.test(shares, condition_of, "nmn", "eczema", "treatment").set_index(
        "cell_type"
    )
    assert disease.loc["T cell", "ratio"] > 1.8 and disease.loc["T cell", "fdr"] < 0.05
    assert treatment.loc["T cell", "ratio"] < 0.6 and treatment.loc["T cell", "fdr"] < 0.05


def test_unchanged_proportions_are_seldom_called():
    rng = np.random.default_rng(3)
    calls = 0
    for _ in range(200):
        # 3 + 3 samples, sample-to-sample variation (Dirichlet), 300 cells each, no true change
        rows = []
        for i, condition in enumerate(["a"] * 3 + ["b"] * 3):
            share = rng.dirichlet([30, 10, 20])
            counts = rng.multinomial(300, share)
            rows += [
                {"sample": f"s{i}", "condition": condition, "cell_type": t}
                for t, n in zip(["x", "y", "z"], counts, strict=True)
                for _ in range(n)
            ]
        obs = pd.DataFrame(rows)
        shares = composition.proportions(obs, "sample", "cell_type")
        condition_of = obs.groupby("sample")["condition"].first()
        table = composition.test(shares, condition_of, "b", "a", "null")
        calls += int((table["fdr"] < 0.05).any())
    assert calls / 200 <= 0.07
