"""The single-cell figures (PNG, 300 dpi): UMAP panels, score violins per cell type and
condition and cell-type proportions per sample (the cell types' forest plot: cell_types.py)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..report.plots import _save  # noqa: E402

MAX_PLOTTED_CELLS = 20_000  # a seeded subsample per UMAP panel: more points only overdraw
PALETTE = ("#4C72B0", "#C44E52", "#55A868", "#8172B3", "#CCB974", "#64B5CD", "#DD8452", "#937860")


def figures(result, files) -> None:
    umap(result, files.umap)
    violins(result, files.violins)
    proportions(result.proportions, files.proportions)


def _categorical(ax, xy, values: pd.Series, title: str) -> None:
    for i, level in enumerate(sorted(values.astype(str).unique())):
        chosen = (values.astype(str) == level).to_numpy()
        ax.scatter(
            *xy[chosen].T, s=2, color=PALETTE[i % len(PALETTE)], label=level, rasterized=True
        )
    ax.legend(fontsize=6, markerscale=4, loc="best")
    ax.set_title(title, fontsize=9)


def umap(result, path) -> None:
    """UMAP coloured by condition, cell type, the disease score and each set score (at most
    MAX_PLOTTED_CELLS cells drawn)."""
    cells = result.cells
    if cells.n_obs > MAX_PLOTTED_CELLS:
        shown = np.random.default_rng(0).choice(cells.n_obs, MAX_PLOTTED_CELLS, replace=False)
        cells = cells[np.sort(shown)]
    xy = np.asarray(cells.obsm["X_umap"])
    panels = ["condition", "cell_type", *result.scores]
    panels = [p for p in panels if p in cells.obs]
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3.6 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        values = cells.obs[panel]
        if panel in ("condition", "cell_type"):
            _categorical(ax, xy, values, panel.replace("_", " "))
        else:
            order = np.argsort(values.to_numpy())
            image = ax.scatter(*xy[order].T, c=values.to_numpy()[order], s=2, cmap="RdBu_r",
                               rasterized=True)  # fmt: skip
            fig.colorbar(image, ax=ax, shrink=0.7)
            ax.set_title(panel.removeprefix("score_").replace("_", " "), fontsize=9)
        ax.set_xlabel("UMAP1", fontsize=7)
        ax.set_ylabel("UMAP2", fontsize=7)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_axis_off()
    _save(fig, path)


MAX_VIOLIN_ROWS = 8  # the disease score and the first sets; every score is in score_means.tsv


def violins(result, path) -> None:
    """Each score's distribution per cell type and condition (the first MAX_VIOLIN_ROWS)."""
    cells = result.cells
    shown = result.scores[:MAX_VIOLIN_ROWS]
    if not shown or "cell_type" not in cells.obs:
        fig, ax = plt.subplots(figsize=(4, 2))
        ax.text(0.5, 0.5, "no scores", ha="center", va="center")
        ax.set_axis_off()
        _save(fig, path)
        return
    cell_types = sorted(cells.obs["cell_type"].astype(str).unique())
    conditions = list(dict.fromkeys(cells.obs["condition"].astype(str)))
    fig, axes = plt.subplots(
        len(shown), 1, figsize=(max(6, 1.2 * len(cell_types) * len(conditions)),
                                2.6 * len(shown)), squeeze=False
    )  # fmt: skip
    for ax, score in zip(axes[:, 0], shown, strict=True):
        data, positions, colours = [], [], []
        for i, cell_type in enumerate(cell_types):
            for j, condition in enumerate(conditions):
                chosen = (cells.obs["cell_type"].astype(str) == cell_type) & (
                    cells.obs["condition"].astype(str) == condition
                )
                values = cells.obs.loc[chosen, score].to_numpy(float)
                if len(values) > 1:
                    data.append(values)
                    positions.append(i * (len(conditions) + 1) + j)
                    colours.append(PALETTE[j % len(PALETTE)])
        parts = ax.violinplot(data, positions, showmedians=True, widths=0.9)
        for body, colour in zip(parts["bodies"], colours, strict=True):
            body.set_facecolor(colour)
            body.set_alpha(0.7)
        ax.set_xticks(
            [i * (len(conditions) + 1) + (len(conditions) - 1) / 2 for i in range(len(cell_types))],
            cell_types, fontsize=7,
        )  # fmt: skip
        ax.set_ylabel(score.removeprefix("score_").replace("_", " "), fontsize=7)
        ax.set_xlabel("cell type (conditions left to right: " + ", ".join(conditions) + ")",
                      fontsize=7)  # fmt: skip
    _save(fig, path)


def proportions(shares: pd.DataFrame, path) -> None:
    """Stacked bars: each sample's cell-type proportions."""
    fig, ax = plt.subplots(figsize=(max(4, 0.45 * len(shares) + 2), 3.5))
    if shares.empty:
        ax.text(0.5, 0.5, "no cell types", ha="center", va="center")
        ax.set_axis_off()
    else:
        bottom = np.zeros(len(shares))
        for i, cell_type in enumerate(shares.columns):
            ax.bar(shares.index, shares[cell_type], bottom=bottom, label=cell_type,
                   color=PALETTE[i % len(PALETTE)])  # fmt: skip
            bottom += shares[cell_type].to_numpy()
        ax.set_ylabel("proportion of the sample's cells")
        ax.set_xlabel("sample")
        ax.tick_params(axis="x", rotation=90, labelsize=7)
        ax.legend(fontsize=7, bbox_to_anchor=(1.02, 1), loc="upper left")
    ax.set_title("Cell-type composition per sample")
    _save(fig, path)
