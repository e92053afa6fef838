"""Static figures (PNG) for the report and for papers, drawn from each stage's result; every
axis labelled."""

from __future__ import annotations

import os
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from ..roles import contrast_by_name  # noqa: E402

if TYPE_CHECKING:
    from ..de.stage import DEResult
    from ..qc.stage import QCResult
    from ..reversal import ReversalResult

ROLE_COLOURS = {"control": "#4C72B0", "disease": "#C44E52", "treatment": "#55A868"}
# a multi-arm study's other groups (roles other:<label>), each its own colour
OTHER_COLOURS = ("#8172B3", "#CCB974", "#64B5CD", "#DD8452", "#937860", "#DA8BC3")


def role_colour(role: str) -> str:
    """The colour of a role; another arm's group gets one of OTHER_COLOURS by its label."""
    if role in ROLE_COLOURS:
        return ROLE_COLOURS[role]
    return OTHER_COLOURS[zlib.crc32(str(role).encode()) % len(OTHER_COLOURS)]


CLASS_COLOURS = {
    "reversed": "#55A868",
    "overshoot": "#8172B3",
    "partial": "#CCB974",
    "unchanged": "#8C8C8C",
    "aggravated": "#C44E52",
    "": "#DDDDDD",
}


# print resolution of the PNG files (journals ask for 300 dpi); the report embeds screen copies
DPI = 300


def figure_dpi() -> int:
    """The PNG resolution: print quality (300 dpi) unless the config's report.figure_dpi (passed
    to the command line) asks for less, e.g. for a quick look or a test run."""
    return int(os.environ.get("SIGNATURE_REVERSAL_FIGURE_DPI", DPI))


def _save(fig: plt.Figure, path: str | Path, crop: bool = False, tight: bool = True) -> None:
    """``crop`` (bbox "tight") keeps colour-bar labels inside the image; it draws the figure
    twice, so the many-panel grids, which need no crop, skip it. Figures laid out by their
    own layout engine keep it; grids of equal panels (``tight=False``) are laid out by
    ``_grid_margins``, as tight_layout measures every label of every panel."""
    if tight and fig.get_layout_engine() is None:
        fig.tight_layout()
    fig.savefig(
        path, dpi=figure_dpi(), bbox_inches="tight" if crop else None, metadata={"Software": None}
    )
    plt.close(fig)


def _wrapped(name: object, width: int = 34) -> str:
    """Long gene-set names (MSigDB's run past 40 characters) on two lines at an underscore."""
    text = str(name)
    if len(text) <= width:
        return text
    cut = text.rfind("_", 0, width)
    cut = cut if cut > 0 else width
    rest = text[cut:]
    return text[:cut] + "\n" + (rest if len(rest) <= width else rest[: width - 1] + "…")


# past this many samples, figures stop naming each sample (the tables do) and stop growing
LABELLED_SAMPLES = 60
MAX_WIDTH_INCHES = 14.0


def _sample_axis_width(n_samples: int, per_sample: float, least: float) -> float:
    return min(max(least, per_sample * n_samples), MAX_WIDTH_INCHES)


def library_sizes(metrics: pd.DataFrame, path: str | Path) -> None:
    fig, ax = plt.subplots(figsize=(_sample_axis_width(len(metrics), 0.35, 5), 3.5))
    if metrics["library_size"].isna().all():
        ax.text(0.5, 0.5, "normalized input: no library sizes", ha="center", va="center")
        ax.set_axis_off()
        _save(fig, path)
        return
    colours = [role_colour(r) for r in metrics["role"]]
    positions = np.arange(len(metrics))
    ax.bar(positions, metrics["library_size"] / 1e6, color=colours, width=0.8)
    if len(metrics) <= LABELLED_SAMPLES:
        ax.set_xticks(positions, metrics["sample"], rotation=90)
        ax.set_xlabel("sample")
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{len(metrics)} samples in sheet order (names: the QC table)")
    ax.set_xlim(-0.6, len(metrics) - 0.4)
    ax.set_ylabel("library size (million reads)")
    ax.set_title("Library sizes")
    _save(fig, path)


MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def pca(
    scores: pd.DataFrame,
    roles: pd.Series,
    variance: np.ndarray,
    path: str | Path,
    batch: pd.Series | None = None,
) -> None:
    """PC1/PC2 coloured by condition; marker shape by ``batch`` when the sheet has one."""
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    y = scores["PC2"] if "PC2" in scores else pd.Series(np.zeros(len(scores)))
    batches = list(dict.fromkeys(batch)) if batch is not None else [None]
    for condition, rows in scores.groupby("condition", sort=False):
        role = roles[rows.index[0]]
        for number, level in enumerate(batches):
            picked = rows.index if level is None else rows.index[batch[rows.index] == level]
            if len(picked):
                ax.scatter(
                    rows.loc[picked, "PC1"],
                    y[picked],
                    color=role_colour(role),
                    s=45,
                    marker=MARKERS[number % len(MARKERS)],
                    label=condition if level is None else f"{condition}, {level}",
                )
    ax.set_xlabel(f"PC1 ({variance[0] * 100:.0f}% of variance)")
    ax.set_ylabel(f"PC2 ({variance[1] * 100:.0f}% of variance)" if len(variance) > 1 else "PC2")
    ax.set_title("PCA of log2 expression, 500 most variable genes")
    ax.legend(title="condition" if batch is None else "condition, batch", fontsize=7)
    _save(fig, path)


def correlation_heatmap(corr: pd.DataFrame, path: str | Path, roles=None) -> None:
    """Sample–sample correlations. Up to ``LABELLED_SAMPLES`` samples: one named cell per
    pair. Beyond: samples clustered (average linkage on 1 − r, so outliers and batches form
    blocks), unnamed, with a strip of group colours, in a figure of fixed size."""
    n = len(corr)
    if n <= LABELLED_SAMPLES:
        size = max(4.5, 0.32 * n)
        fig, ax = plt.subplots(figsize=(size + 1, size))
        image = ax.imshow(corr.to_numpy(), cmap="viridis")
        ax.set_xticks(range(n), corr.columns, rotation=90, fontsize=7)
        ax.set_yticks(range(n), corr.index, fontsize=7)
        ax.set_xlabel("sample")
        ax.set_ylabel("sample")
    else:
        from scipy.cluster.hierarchy import leaves_list, linkage
        from scipy.spatial.distance import squareform

        distance = np.clip(1 - corr.to_numpy(), 0, None)
        np.fill_diagonal(distance, 0)
        order = leaves_list(linkage(squareform(distance, checks=False), method="average"))
        fig, (strip, ax) = plt.subplots(
            1, 2, figsize=(9, 7.5), gridspec_kw={"width_ratios": [1, 30]}, layout="constrained"
        )
        image = ax.imshow(
            corr.to_numpy()[np.ix_(order, order)],
            cmap="viridis",
            interpolation="nearest",
            aspect="auto",
        )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(f"{n} samples, clustered (names: the QC table)")
        if roles is not None:
            colours = matplotlib.colors.to_rgba_array([role_colour(r) for r in roles])
            strip.imshow(colours[order][:, None, :], aspect="auto", interpolation="nearest")
            present = [r for r in ROLE_COLOURS if r in set(roles)]
            present += [r for r in dict.fromkeys(roles) if r not in ROLE_COLOURS]
            handles = [matplotlib.patches.Patch(color=role_colour(r)) for r in present]
            fig.legend(handles, present, loc="outside lower left", ncols=3, fontsize=8)
        strip.set_xticks([])
        strip.set_yticks([])
        strip.set_ylabel("group (colour)")
    ax.set_title("Sample–sample Pearson correlation (log-CPM)")
    fig.colorbar(image, ax=ax, label="Pearson r")
    _save(fig, path, crop=True)


def volcano(table: pd.DataFrame, title: str, alpha: float, path: str | Path) -> None:
    fig, ax = plt.subplots(figsize=(5, 4.2))
    p = table["pvalue"].clip(lower=1e-300)
    significant = table["padj"] < alpha
    ax.scatter(
        table["log2FC"][~significant],
        -np.log10(p[~significant]),
        s=4,
        c="#AAAAAA",
        label=f"padj ≥ {alpha}",
        rasterized=True,
    )
    ax.scatter(
        table["log2FC"][significant],
        -np.log10(p[significant]),
        s=5,
        c="#C44E52",
        label=f"padj < {alpha} (n={int(significant.sum())})",
        rasterized=True,
    )
    for _, row in table.loc[significant].nsmallest(8, "pvalue").iterrows():
        ax.annotate(
            str(row["gene"]), (row["log2FC"], -np.log10(max(row["pvalue"], 1e-300))), fontsize=7
        )
    ax.set_xlabel("log2 fold change")
    ax.set_ylabel("−log10 p-value")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left")
    _save(fig, path)


def reversal_scatter(genes: pd.DataFrame, slope: float, path: str | Path) -> None:
    """Treatment log2FC against disease log2FC; the y = −x line is full reversal."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    background = genes[~genes["disease_gene"]]
    ax.scatter(
        background["disease_log2FC"],
        background["treatment_log2FC"],
        s=3,
        c=CLASS_COLOURS[""],
        rasterized=True,
        label="not a disease gene",
    )
    disease = genes[genes["disease_gene"]]
    for cls in ("unchanged", "partial", "reversed", "overshoot", "aggravated"):
        rows = disease[disease["reversal_class"] == cls]
        if len(rows):
            ax.scatter(
                rows["disease_log2FC"],
                rows["treatment_log2FC"],
                s=8,
                c=CLASS_COLOURS[cls],
                label=f"{cls} (n={len(rows)})",
                rasterized=True,
            )
    limit = float(np.nanmax(np.abs(genes[["disease_log2FC", "treatment_log2FC"]].to_numpy())))
    line = np.array([-limit, limit])
    ax.plot(line, -line, ls="--", c="black", lw=0.8, label="full reversal (slope −1)")
    if np.isfinite(slope):
        ax.plot(line, slope * line, c="#C44E52", lw=1.0, label=f"corrected slope {slope:.2f}")
    ax.axhline(0, c="grey", lw=0.5)
    ax.axvline(0, c="grey", lw=0.5)
    ax.set_xlabel("disease vs control, log2 fold change")
    ax.set_ylabel("treatment vs disease, log2 fold change")
    ax.set_title("Is the disease signature reversed?")
    ax.legend(fontsize=7, loc="upper right")
    _save(fig, path)


def reference_scatter(result, path: str | Path) -> None:
    """The dataset's treatment effect against a reference signature's disease effect."""
    genes = result.genes
    fig, ax = plt.subplots(figsize=(5.5, 5))
    background = genes[~genes["reference_selected"]]
    ax.scatter(
        background["reference_log2FC"],
        background["treatment_log2FC"],
        s=3,
        c=CLASS_COLOURS[""],
        rasterized=True,
        label="other mapped genes",
    )
    chosen = genes[genes["reference_selected"]]
    ax.scatter(
        chosen["reference_log2FC"],
        chosen["treatment_log2FC"],
        s=8,
        c="#4C72B0",
        rasterized=True,
        label=f"reference disease genes (n={len(chosen)})",
    )
    slope = result.figures.get("slope")
    if slope is not None and np.isfinite(slope.estimate) and len(genes):
        limit = float(np.nanmax(np.abs(genes["reference_log2FC"])))
        line = np.array([-limit, limit])
        ax.plot(
            line,
            slope.estimate * line,
            c="#C44E52",
            lw=1.0,
            label=f"corrected slope {slope.estimate:.2f}",
        )
    ax.axhline(0, c="grey", lw=0.5)
    ax.axvline(0, c="grey", lw=0.5)
    ax.set_xlabel(f"reference ({result.spec.name}), disease log2 fold change")
    ax.set_ylabel("this dataset, treatment vs disease log2 fold change")
    ax.set_title(_wrapped(f"Is the {result.spec.name} signature reversed?", 50))
    ax.legend(fontsize=7, loc="upper right")
    _save(fig, path)


RESTORATION_AXIS = (-1.5, 2.5)  # fraction restored: wider values are drawn at the edge


def gene_set_restoration(sets: pd.DataFrame, path: str | Path) -> None:
    """Fraction of each disease-changed set's shift undone by treatment, with 95% CI.

    The axis is fixed to −1.5…2.5 (pushed 1.5× further, to 2.5× back): a set with a tiny
    disease shift can read −6 and would squash every other bar; such a bar stops at the edge
    with its value printed there. The height grows with the number of sets, so 50 Hallmark
    sets keep readable names."""
    judged = sets[sets["verdict"] != "not changed by disease"].sort_values("fraction_restored")
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.24 * len(judged) + 1.2)))
    if judged.empty:
        ax.text(0.5, 0.5, "no gene set is changed by disease", ha="center", va="center")
        ax.set_axis_off()
    else:
        y = np.arange(len(judged))
        low_edge, high_edge = RESTORATION_AXIS
        values = judged["fraction_restored"].to_numpy(float)
        shown = values.clip(low_edge, high_edge)
        lows = judged["fraction_restored_ci_low"].to_numpy(float)
        highs = judged["fraction_restored_ci_high"].to_numpy(float)
        lows = np.where(np.isfinite(lows), lows, low_edge).clip(low_edge, high_edge)
        highs = np.where(np.isfinite(highs), highs, high_edge).clip(low_edge, high_edge)
        err = np.vstack([shown - lows, highs - shown]).clip(min=0)
        colours = ["#55A868" if v > 0 else "#C44E52" for v in values]
        ax.barh(y, shown, xerr=err, color=colours, capsize=2, height=0.7)
        for row, (value, drawn) in enumerate(zip(values, shown, strict=True)):
            if value != drawn:
                ax.text(
                    drawn,
                    row,
                    f" {value:.1f} " if value > 0 else f" {value:.1f} ",
                    ha="right" if value > 0 else "left",
                    va="center",
                    fontsize=7,
                    color="white",
                    fontweight="bold",
                )
        ax.set_yticks(y, [_wrapped(n, 40) for n in judged["gene_set"]], fontsize=7)
        ax.set_ylim(-0.6, len(judged) - 0.4)
        ax.set_xlim(low_edge, high_edge)
        ax.axvline(1, ls="--", c="black", lw=0.8)
        ax.axvline(0, c="grey", lw=0.5)
        ax.set_xlabel(
            "fraction of the disease shift restored (1 = back to control; bars beyond the axis "
            "stop at its edge, value printed)",
            fontsize=8,
        )
        ax.set_ylabel("gene set")
    ax.set_title("Gene-set restoration (95% CI)")
    _save(fig, path)


LABELLED_SETS = 15  # the NES-pairs plot names this many sets: the furthest from the origin


def nes_pairs(sets: pd.DataFrame, path: str | Path) -> None:
    """NES in the disease contrast against NES in the treatment contrast, one point per set."""
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.scatter(sets["disease_NES"], sets["treatment_NES"], s=25, c="#4C72B0")
    ax.axhline(0, c="grey", lw=0.5)
    ax.axvline(0, c="grey", lw=0.5)
    ax.set_xlabel("NES, disease vs control")
    ax.set_ylabel("NES, treatment vs disease")
    ax.set_title("Curated gene sets: opposite signs = reversal")
    x = sets["disease_NES"].to_numpy(float)
    y = sets["treatment_NES"].to_numpy(float)
    # with many sets, names of all would overlap: name the most extreme, say so in the title
    distance = np.nan_to_num(np.hypot(x, y), nan=-1.0)
    named = np.zeros(len(sets), dtype=bool)
    named[np.argsort(-distance, kind="mergesort")[:LABELLED_SETS]] = True
    if not named.all():
        ax.set_title(
            f"Curated gene sets: opposite signs = reversal ({LABELLED_SETS} of {len(sets)} named)"
        )
    _stacked_labels(
        ax,
        np.where(named, x, np.nan),
        np.where(named, y, np.nan),
        sets["gene_set"].astype(str).tolist(),
    )
    _save(fig, path)


LABEL_POINTS = 6  # font size of point labels


def _stacked_labels(ax: plt.Axes, x: np.ndarray, y: np.ndarray, names: list[str]) -> None:
    """Name each point without overlap, deterministically: names point toward the middle
    (where there is room); they are stacked bottom-up at least one text line apart, each as
    close to its point's height as the stack allows, joined to it by a thin line. The y range
    grows to hold the stack, so a line is sized for the final range."""
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.any():
        return
    ax.figure.canvas.draw()  # the layout fixes the axes' height in pixels
    pixels_per_line = LABEL_POINTS * 1.4 * ax.figure.dpi / 72
    axes_pixels = ax.get_window_extent().height
    start_low, start_high = ax.get_ylim()
    # one stack for both sides: a name pointing left from a right-hand point and one pointing
    # right from a left-hand point can meet in the middle, so no two names share a line
    sides = [[i for i in np.argsort(y, kind="mergesort") if finite[i]]]
    span = start_high - start_low
    for _ in range(50):
        line = span * pixels_per_line / axes_pixels
        placed = {}
        for order in sides:
            previous = -np.inf
            for i in order:
                previous = placed[i] = max(y[i], previous + line)
        low = min(start_low, min(placed.values()) - line)
        high = max(start_high, max(placed.values()) + line)
        if high - low <= span * (1 + 1e-9):
            break
        span = high - low
    for i, label_y in placed.items():
        ax.annotate(
            names[i],
            (x[i], y[i]),
            xytext=(x[i] - 0.12 if x[i] > 0 else x[i] + 0.12, label_y),
            fontsize=LABEL_POINTS,
            ha="right" if x[i] > 0 else "left",
            va="center",
            arrowprops={"arrowstyle": "-", "color": "grey", "lw": 0.4, "shrinkB": 3},
        )
    ax.set_ylim(low, low + span)


def _strips(ax: plt.Axes, values: pd.Series, roles: np.ndarray, labels: dict[str, str]) -> None:
    """Per-sample points by group with the group mean as a bar: one scatter and one set of
    bars per panel (a grid of two dozen panels draws a quarter faster than with three of
    each), at most five y ticks."""
    groups = ("control", "disease", "treatment")
    xs, ys, colours, means = [], [], [], []
    for x, role in enumerate(groups):
        y = values[roles == role]
        jitter = np.linspace(-0.12, 0.12, len(y)) if len(y) > 1 else np.zeros(len(y))
        xs.append(x + jitter)
        ys.append(y)
        colours += [ROLE_COLOURS[role]] * len(y)
        means.append(np.mean(y) if len(y) else np.nan)
    ax.scatter(np.concatenate(xs), np.concatenate(ys), s=14, c=colours)
    ax.hlines(means, np.arange(3) - 0.25, np.arange(3) + 0.25, color="black", lw=1)
    ax.set_xticks(range(3), [labels[r] for r in groups], fontsize=7)
    ax.set_xlabel("group", fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.yaxis.set_major_locator(MaxNLocator(4, steps=[1, 2, 2.5, 5, 10]))


def _grid_margins(fig: plt.Figure, rows: int, columns: int) -> None:
    """Fixed margins for a grid of equal panels: room for titles (two lines), tick labels and
    axis labels, in inches so they do not depend on the grid's size."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=0.75 / width,
        right=1 - 0.15 / width,
        bottom=0.55 / height,
        top=1 - 0.75 / height,
        wspace=0.45,
        hspace=0.7 if rows > 1 else 0.2,
    )


def pathway_scores(
    scores: pd.DataFrame, roles: np.ndarray, labels: dict[str, str], path: str | Path
) -> None:
    """One panel per gene set: per-sample pathway scores by group."""
    _panel_grid(
        scores, roles, labels, "pathway score (mean gene z)", path, "Per-sample pathway scores"
    )


def genes_of_interest(
    expression: pd.DataFrame, roles: np.ndarray, labels: dict[str, str], path: str | Path
) -> None:
    """One panel per gene: log2 normalized expression of each sample by group."""
    _panel_grid(expression, roles, labels, "log2 normalized expression", path, "Genes of interest")


def _panel_grid(
    table: pd.DataFrame,
    roles: np.ndarray,
    labels: dict[str, str],
    ylabel: str,
    path: str | Path,
    title: str,
) -> None:
    n = max(len(table.columns), 1)
    columns = min(4, n)
    rows = int(np.ceil(n / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(3 * columns, 2.4 * rows + 0.6), squeeze=False)
    for ax, name in zip(axes.flat, table.columns, strict=False):
        _strips(ax, table[name].to_numpy(), roles, labels)
        ax.set_title(_wrapped(name), fontsize=7)
        ax.set_ylabel(ylabel, fontsize=7)
    for ax in list(axes.flat)[len(table.columns) :]:
        ax.set_axis_off()
    if table.empty:
        axes.flat[0].text(0.5, 0.5, "nothing to show", ha="center", va="center")
    fig.suptitle(title)
    _grid_margins(fig, rows, columns)
    _save(fig, path, tight=False)


def gsea_dotplot(gsea: dict[str, pd.DataFrame], path: str | Path) -> None:
    """Curated sets × contrasts (``gsea``: GSEA table by contrast): colour = NES, size =
    −log10 FDR."""
    frames = [t[t["collection"] == "curated"].assign(contrast=name) for name, t in gsea.items()]
    table = pd.concat(frames, ignore_index=True)
    sets = sorted(table["gene_set"].unique())
    contrasts = list(gsea)
    fig, ax = plt.subplots(figsize=(6.5, max(3, 0.3 * len(sets) + 1.2)))
    if table.empty:
        ax.text(0.5, 0.5, "no curated set was tested", ha="center", va="center")
        ax.set_axis_off()
        _save(fig, path)
        return
    x = table["contrast"].map({c: i for i, c in enumerate(contrasts)})
    y = table["gene_set"].map({s: i for i, s in enumerate(sets)})
    size = 20 + 30 * -np.log10(table["fdr"].clip(lower=1e-4))
    limit = max(float(table["NES"].abs().max()), 1.0)
    points = ax.scatter(x, y, s=size, c=table["NES"], cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_xticks(
        range(len(contrasts)), [c.replace("_vs_", "\nvs\n") for c in contrasts], fontsize=8
    )
    ax.set_yticks(range(len(sets)), sets, fontsize=7)
    ax.set_xlabel("contrast")
    ax.set_ylabel("gene set")
    ax.set_xlim(-0.5, len(contrasts) - 0.5)
    fig.colorbar(points, ax=ax, label="NES")
    ax.set_title("GSEA across contrasts (dot size: −log10 FDR)")
    _save(fig, path, crop=True)


def _envelope(curve: np.ndarray, bins: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """A running-score curve thinned to the minimum and maximum of each of ``bins`` rank bins:
    looks the same as all 15,000 points (peaks kept exactly) and draws far faster."""
    width = -(-len(curve) // bins)
    if width <= 2:
        return np.arange(len(curve)), curve
    padded = np.pad(curve, (0, width * bins - len(curve)), mode="edge").reshape(bins, width)
    offsets = np.arange(bins) * width
    low = offsets + padded.argmin(axis=1)
    high = offsets + padded.argmax(axis=1)
    ends = [0, len(curve) - 1]
    x = np.unique(np.minimum(np.concatenate([low, high, ends]), len(curve) - 1))
    return x, curve[x]


def running_scores(curves: dict[str, dict[str, np.ndarray]], path: str | Path) -> None:
    """GSEA running enrichment score of each set along the disease and treatment rankings."""
    names = list(curves)
    columns = min(3, max(len(names), 1))
    rows = int(np.ceil(max(len(names), 1) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 2.6 * rows + 0.6), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        for contrast, colour in (
            ("disease_vs_control", "#C44E52"),
            ("treatment_vs_disease", "#55A868"),
        ):
            curve = curves[name].get(contrast)
            if curve is not None:
                ax.plot(*_envelope(curve), color=colour, lw=1, label=contrast.replace("_", " "))
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_title(_wrapped(name), fontsize=7)
        ax.set_xlabel("gene rank", fontsize=7)
        ax.tick_params(labelsize=7)
        if len(fig.axes) and ax is axes.flat[0]:
            ax.legend(fontsize=6, loc="upper right")  # "best" would test every point: slow
    for ax in list(axes.flat)[: len(names)]:
        ax.set_ylabel("running ES", fontsize=7)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_axis_off()
    fig.suptitle("GSEA running enrichment scores")
    _grid_margins(fig, rows, columns)
    _save(fig, path, tight=False)


def disease_gene_heatmap(expression: pd.DataFrame, roles: np.ndarray, path: str | Path) -> None:
    """Top disease genes (rows, z-scored) across all samples (columns, grouped by role)."""
    # the three roles first, then a multi-arm study's other groups in the order they come
    rank = {r: i for i, r in enumerate(["control", "disease", "treatment", *dict.fromkeys(roles)])}
    order = np.argsort([rank[r] for r in roles], kind="stable")
    data = expression.iloc[:, order]
    z = data.sub(data.mean(axis=1), axis=0).div(data.std(axis=1).replace(0, 1), axis=0)
    width = _sample_axis_width(z.shape[1], 0.3, 3) + 2
    fig, ax = plt.subplots(figsize=(width, max(4, 0.12 * len(z) + 1.5)))
    if z.empty:
        ax.text(0.5, 0.5, "no disease genes", ha="center", va="center")
        ax.set_axis_off()
        _save(fig, path)
        return
    image = ax.imshow(z.to_numpy(), aspect="auto", cmap="RdBu_r", vmin=-2.5, vmax=2.5)
    if z.shape[1] <= LABELLED_SAMPLES:
        ax.set_xticks(range(z.shape[1]), z.columns, rotation=90, fontsize=7)
        ax.set_xlabel("sample (control, disease, treatment)")
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{z.shape[1]} samples (control, disease, treatment)")
    ax.set_yticks(range(len(z)), z.index, fontsize=5 if len(z) > 40 else 7)
    ax.set_ylabel("gene")
    fig.colorbar(image, ax=ax, label="z-score of log2 expression")
    ax.set_title("Top disease genes across samples")
    _save(fig, path, crop=True)


# --- every figure of a stage, from its result --------------------------------------------------


def qc_figures(result: QCResult, paths: Mapping[str, str | Path]) -> None:
    """Library sizes, PCA and the correlation heatmap (``paths`` keyed by figure name)."""
    library_sizes(result.metrics, paths["library_sizes"])
    pca(result.pca_scores, result.roles, result.explained_variance, paths["pca"], result.batch)
    correlation_heatmap(result.correlation, paths["correlation"], list(result.roles))


def de_figures(result: DEResult, alpha: float, paths: Mapping[str, str | Path]) -> None:
    """One volcano plot per contrast (``paths`` keyed by contrast name)."""
    for name, table in result.tables.items():
        title = f"{name.replace('_', ' ')} ({contrast_by_name(name).meaning})"
        volcano(table, title, alpha, paths[name])


def reversal_figures(result: ReversalResult, paths: Mapping[str, str | Path]) -> None:
    """Every reversal figure (``paths`` keyed by figure name, as in ``layout``)."""
    scores = result.pathway_scores
    pathway_scores(
        scores[[s for s in result.judged_sets if s in scores]],
        result.roles,
        result.labels,
        paths["pathway_scores"],
    )
    genes_of_interest(
        result.interest_expression, result.roles, result.labels, paths["genes_of_interest"]
    )
    running_scores(result.running_scores, paths["gsea_running_scores"])
    disease_gene_heatmap(result.heatmap, result.roles, paths["disease_gene_heatmap"])
    reversal_scatter(result.genes, result.signature.slope.estimate, paths["reversal_scatter"])
    gene_set_restoration(result.sets, paths["gene_set_restoration"])
    nes_pairs(result.sets, paths["nes_pairs"])


def forest(ranking: pd.DataFrame, path: str | Path, full_reversal_slope: float = -0.5) -> None:
    """A multi-arm study's figures per arm and signature with their 95% CIs: the slope (−1 =
    full reversal) and the % improvement of disease-up and disease-down genes."""
    rows = ranking.iloc[::-1].reset_index(drop=True)
    height = max(2.5, 0.32 * len(rows) + 1.2)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, height), sharey=True)
    y = np.arange(len(rows))
    labels = [f"{r.signature}: {r.arm}" for r in rows.itertuples()]
    if rows.empty:
        left.text(0.5, 0.5, "no figures", ha="center", va="center")
    for ax, figures in (
        (left, [("slope", "o", "#4C72B0")]),
        (right, [("percent_improvement_up", "o", "#C44E52"), ("percent_improvement_down", "s",
                                                               "#4C72B0")]),
    ):  # fmt: skip
        offsets = np.linspace(-0.15, 0.15, len(figures)) if len(figures) > 1 else [0.0]
        for (name, marker, colour), offset in zip(figures, offsets, strict=True):
            value = pd.to_numeric(rows[name], errors="coerce").to_numpy(float)
            low = pd.to_numeric(rows.get(f"{name}_ci_low"), errors="coerce").to_numpy(float)
            high = pd.to_numeric(rows.get(f"{name}_ci_high"), errors="coerce").to_numpy(float)
            error = np.vstack([value - low, high - value])
            error = np.where(np.isfinite(error), error, 0.0).clip(min=0)
            ax.errorbar(
                value, y + offset, xerr=error, fmt=marker, color=colour, capsize=2, ms=5,
                label={"slope": "slope", "percent_improvement_up": "disease-up genes",
                       "percent_improvement_down": "disease-down genes"}[name],
            )  # fmt: skip
        ax.axvline(0, color="grey", lw=0.6)
    left.axvline(-1, color="black", ls="--", lw=0.8)
    right.axvline(100, color="black", ls="--", lw=0.8)
    # where "reverses" begins: the whole slope CI at or below this (the verdict rule)
    left.axvline(full_reversal_slope, color="#55A868", ls=":", lw=1.2)
    left.text(
        full_reversal_slope, 0.995, "← reverses ", transform=left.get_xaxis_transform(),
        color="#55A868", fontsize=7, ha="right", va="top",
    )  # fmt: skip
    left.set_yticks(y, labels, fontsize=7)
    left.set_xlabel("slope of treatment on disease effect (−1 = full reversal)")
    right.set_xlabel("% improvement (100 = back to control)")
    # below the panels, where it covers no interval
    right.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    left.set_title("Slope (95% CI)", fontsize=9)
    right.set_title("% improvement (95% CI)", fontsize=9)
    _save(fig, path)


def drug_connectivity(result, treatment: str, path: str | Path) -> None:
    """Every library compound's normalised connectivity (its best signature's), sorted, one
    panel per query: the
    most reversing (disease) and most alike (treatment) named, and the treatment's own
    placement drawn among the disease query's compounds."""
    queries = [q for q in ("disease", "treatment") if f"{q}_ncs" in result.compounds]
    fig, axes = plt.subplots(1, max(len(queries), 1), figsize=(5.2 * max(len(queries), 1), 4.2))
    axes = np.atleast_1d(axes)
    titles = {
        "disease": "Which compounds reverse the disease signature?",
        "treatment": f"What does {treatment} act like?",
    }
    placement = result.summary.get("placement") or {}
    for ax, query in zip(axes, queries, strict=False):
        table = result.compounds[["compound", f"{query}_ncs", f"{query}_fdr"]].dropna()
        table = table.sort_values(f"{query}_ncs", kind="mergesort", ignore_index=True)
        called = table[f"{query}_fdr"] < result.summary["fdr"]
        ax.scatter(
            table.index, table[f"{query}_ncs"], s=4, c=np.where(called, "#C44E52", "#9A9A9A")
        )
        # the five strongest on the question's side, listed in a box (names of neighbouring
        # points would overlap) and ringed on the curve
        side = table.head(5) if query == "disease" else table.tail(5)[::-1]
        ax.scatter(
            side.index, side[f"{query}_ncs"], s=30, facecolors="none", edgecolors="k", lw=0.6
        )
        listed = "\n".join(
            f"{n}. {_wrapped(row['compound'], 28)} ({row[f'{query}_ncs']:.2f})"
            for n, (_, row) in enumerate(side.iterrows(), start=1)
        )
        ax.text(  # top left: the curves rise from the left, so that corner is empty
            0.03,
            0.97,
            listed,
            transform=ax.transAxes,
            fontsize=6.5,
            ha="left",
            va="top",
            bbox={"facecolor": "white", "edgecolor": "#CCCCCC", "lw": 0.5},
        )
        if query == "disease" and placement.get("ncs") is not None:
            ax.axhline(placement["ncs"], c="#4C72B0", lw=1.0, ls="--")
            ax.annotate(
                f"{treatment}'s own signature: compound rank "
                f"{placement['compound_rank']} of {placement['compounds']}",
                (len(table) * 0.02, placement["ncs"]),
                xytext=(0, 4),
                textcoords="offset points",
                ha="left",
                fontsize=7,
                color="#4C72B0",
            )
        ax.axhline(0, c="grey", lw=0.5)
        ax.set_xlabel("compounds, sorted")
        ax.set_ylabel("normalised connectivity (NCS), best signature")
        ax.set_title(_wrapped(titles[query], 48), fontsize=9)
    fig.text(0.01, 0.005, f"red: FDR < {result.summary['fdr']}", fontsize=7)
    _save(fig, path)
