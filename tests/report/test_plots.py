"""Figures render for the shapes they meet: batch markers in PCA, empty panels, one gene set."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.text import Text
from PIL import Image

from signature_reversal.report import plots

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


def test_sample_figures_stop_growing_past_a_few_dozen_samples(tmp_path):
    """At 12 samples every sample is a named cell; at 90 and 400 the figures are the same
    bounded size (one cell per pair was 6,514 × 7,029 px at 200 samples)."""
    sizes = {}
    for n in (12, 90, 400):
        rng = np.random.default_rng(n)
        names = [f"sample_{i}" for i in range(n)]
        corr = pd.DataFrame(np.corrcoef(rng.normal(size=(n, 50))), index=names, columns=names)
        roles = list(np.resize(["control", "disease", "treatment"], n))
        plots.correlation_heatmap(corr, tmp_path / f"c{n}.png", roles)
        metrics = pd.DataFrame({"sample": names, "role": roles, "library_size": np.full(n, 1e7)})
        plots.library_sizes(metrics, tmp_path / f"l{n}.png")
        heatmap = pd.DataFrame(rng.normal(size=(50, n)), columns=names)
        plots.disease_gene_heatmap(heatmap, np.asarray(roles), tmp_path / f"h{n}.png")
        sizes[n] = [_is_png(tmp_path / f"{kind}{n}.png") for kind in "clh"]
    assert sizes[90] == sizes[400]
    for width, height in sizes[400]:  # at most ~15 × 9 inches at the print resolution
        assert width <= 15.5 * plots.DPI and height <= 9 * plots.DPI
    assert sizes[12][0][0] < sizes[90][0][0]  # the small one is not blown up either


def test_nes_pair_names_never_overlap(tmp_path, monkeypatch):
    """Crowded sets (near-equal NES, long names, as GO's two oxidative-stress sets were) get
    names whose boxes do not intersect."""
    rng = np.random.default_rng(0)
    n = 24
    disease = np.r_[rng.normal(-1.7, 0.05, n // 2), rng.normal(1.7, 0.05, n // 2)]
    sets = pd.DataFrame(
        {
            "gene_set": [f"GO_RESPONSE_TO_SOMETHING_OXIDATIVE_{i}" for i in range(n)],
            "disease_NES": disease,
            "treatment_NES": -disease + rng.normal(0, 0.03, n),
        }
    )
    boxes = []

    def keep_boxes(fig, path, crop=False, **options):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        # the name itself, without its connector line (Annotation's own extent includes it)
        boxes.extend(Text.get_window_extent(t, renderer) for t in fig.axes[0].texts)
        plots.plt.close(fig)

    monkeypatch.setattr(plots, "_save", keep_boxes)
    plots.nes_pairs(sets, tmp_path / "nes.png")
    assert len(boxes) == n
    overlapping = [(i, j) for i in range(n) for j in range(i + 1, n) if boxes[i].overlaps(boxes[j])]
    assert overlapping == []
    top = max(b.y1 for b in boxes)
    assert top <= plots.plt.gcf().dpi * 5.5  # inside the figure
