"""Figures render for the shapes they meet: batch markers in PCA, empty panels, one gene set."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PIL import Image

from signature_reversal import plots

ROLES = np.repeat(["control", "disease", "treatment"], 4)


def _is_png(path) -> tuple[int, int]:
    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


def test_pca_with_batch_markers(tmp_path):
    scores = pd.DataFrame(
        {
            "PC1": np.arange(12.0),
            "PC2": np.arange(12.0)[::-1],
            "condition": np.repeat(["control", "eczema", "nmn"], 4),
        }
    )
    batch = pd.Series(["b1", "b2"] * 6)
    plots.pca(scores, pd.Series(ROLES), np.array([0.5, 0.2]), tmp_path / "p.png", batch)
    assert _is_png(tmp_path / "p.png")[0] > 300


def test_panels_handle_nothing_to_show(tmp_path):
    labels = {"control": "control", "disease": "eczema", "treatment": "nmn"}
    plots.pathway_scores(pd.DataFrame(index=range(12)), ROLES, labels, tmp_path / "a.png")
    plots.disease_gene_heatmap(
        pd.DataFrame(columns=[f"s{i}" for i in range(12)]), ROLES, tmp_path / "b.png"
    )
    plots.running_scores(
        {"ONE_SET": {"disease_vs_control": np.linspace(0, 0.5, 50)}}, tmp_path / "c.png"
    )
    for name in ("a", "b", "c"):
        assert _is_png(tmp_path / f"{name}.png")[0] > 100


def test_running_score_envelope_keeps_peaks_and_ends():
    curve = np.cumsum(np.random.default_rng(1).normal(size=14_079))
    x, y = plots._envelope(curve)
    assert len(x) < 2_100  # thinned from 14,079 points
    assert y.max() == curve.max() and y.min() == curve.min()  # the enrichment score is kept
    assert x[0] == 0 and x[-1] == len(curve) - 1 and np.all(np.diff(x) > 0)
    assert np.array_equal(y, curve[x])
    short = np.arange(50.0)
    assert np.array_equal(plots._envelope(short)[1], short)
