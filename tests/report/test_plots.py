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
    assert len(boxes) == min(n, plots.LABELLED_SETS)
    k = len(boxes)
    overlapping = [(i, j) for i in range(k) for j in range(i + 1, k) if boxes[i].overlaps(boxes[j])]
    assert overlapping == []
    top = max(b.y1 for b in boxes)
    assert top <= plots.plt.gcf().dpi * 5.5  # inside the figure


FIFTY_SETS = pd.DataFrame(
    {
        "gene_set": [f"HALLMARK_SOMETHING_QUITE_LONG_NAMED_{i}" for i in range(50)],
        "verdict": ["partially reverses"] * 49 + ["aggravates"],
        "fraction_restored": np.r_[np.linspace(-0.8, 1.6, 49), -5.9],
        "fraction_restored_ci_low": np.r_[np.linspace(-1.1, 1.2, 49), -20.4],
        "fraction_restored_ci_high": np.r_[np.linspace(-0.5, 2.0, 49), 0.89],
        "disease_NES": np.random.default_rng(5).normal(0, 1.6, 50),
        "treatment_NES": np.random.default_rng(6).normal(0, 1.6, 50),
    }
)


def _texts(fig) -> list:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return renderer


def test_fifty_sets_restoration_is_readable_and_one_extreme_bar_does_not_squash_it(
    tmp_path, monkeypatch
):
    """50 judged sets (a Hallmark-sized curated collection) with one at −5.9: the axis stays
    at −1.5…2.5, the extreme bar stops at the edge with its value printed, and every name is
    at least 7 points high on its own line (no two names' boxes intersect)."""
    seen = {}

    def keep(fig, path, crop=False, **options):
        renderer = _texts(fig)
        ax = fig.axes[0]
        seen["xlim"] = ax.get_xlim()
        seen["labels"] = [t.get_window_extent(renderer) for t in ax.get_yticklabels()]
        seen["sizes"] = {t.get_fontsize() for t in ax.get_yticklabels()}
        seen["printed"] = [t.get_text().strip() for t in ax.texts]
        fig.savefig(tmp_path / "restoration.png", dpi=100)
        plots.plt.close(fig)

    monkeypatch.setattr(plots, "_save", keep)
    plots.gene_set_restoration(FIFTY_SETS, tmp_path / "r.png")
    assert seen["xlim"] == plots.RESTORATION_AXIS
    assert "-5.9" in seen["printed"]
    assert min(seen["sizes"]) >= 7 and len(seen["labels"]) == 50
    boxes = seen["labels"]
    assert not any(boxes[i].overlaps(boxes[i + 1]) for i in range(len(boxes) - 1))


def test_fifty_sets_nes_pairs_name_the_extremes_without_overlap(tmp_path, monkeypatch):
    boxes = []

    def keep(fig, path, crop=False, **options):
        renderer = _texts(fig)
        boxes.extend(Text.get_window_extent(t, renderer) for t in fig.axes[0].texts)
        fig.savefig(tmp_path / "nes50.png", dpi=100)
        plots.plt.close(fig)

    monkeypatch.setattr(plots, "_save", keep)
    plots.nes_pairs(FIFTY_SETS, tmp_path / "n.png")
    assert len(boxes) == plots.LABELLED_SETS
    overlapping = [
        (i, j)
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])
    ]
    assert overlapping == []


def test_forest_legend_covers_no_interval(tmp_path, monkeypatch):
    ranking = pd.DataFrame(
        {
            "signature": ["own"] * 4,
            "arm": ["a", "b", "c", "d"],
            "slope": [-0.9, -0.6, -0.3, 0.0],
            "slope_ci_low": [-1.0, -0.7, -0.4, -0.1],
            "slope_ci_high": [-0.8, -0.5, -0.2, 0.1],
            **{
                f"percent_improvement_{d}{end}": [90 + s, 60 + s, 30 + s, 0 + s]
                for d in ("up", "down")
                for end, s in (("", 0), ("_ci_low", -10), ("_ci_high", 10))
            },
        }
    )
    seen = {}

    def keep(fig, path, crop=False, **options):
        renderer = _texts(fig)
        left, right = fig.axes
        legend = right.get_legend().get_window_extent(renderer)
        seen["below"] = legend.y1 <= right.get_window_extent(renderer).y0
        seen["threshold"] = [
            line.get_xdata()[0] for line in left.get_lines() if line.get_linestyle() == ":"
        ]
        plots.plt.close(fig)

    monkeypatch.setattr(plots, "_save", keep)
    plots.forest(ranking, tmp_path / "f.png", full_reversal_slope=-0.5)
    assert seen["below"]  # the legend sits under the panels, over no interval
    assert seen["threshold"] == [-0.5]  # where "reverses" begins is drawn
