"""Interactive pieces of the HTML report: plotly figures and table payloads as JSON.

plotly.js is inlined once per report (no CDN), so the figures work offline; tables travel as
JSON and are searched, sorted, paged and downloaded by a few lines of JavaScript in the template.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs


def plotly_js() -> str:
    return get_plotlyjs()


def _hover(table: pd.DataFrame) -> list[str]:
    symbol = table["symbol"].fillna(table["gene"]).astype(str)
    return [
        f"{s} ({g})<br>log2FC {lfc:.2f}, padj {p:.2g}"
        if s != g
        else f"{s}<br>log2FC {lfc:.2f}, padj {p:.2g}"
        for s, g, lfc, p in zip(
            symbol,
            table["gene"].astype(str),
            table["log2FC"],
            table["padj"].fillna(1.0),
            strict=True,
        )
    ]


def _scatter(table: pd.DataFrame, x: np.ndarray, y: np.ndarray, alpha: float) -> list[go.Scattergl]:
    significant = (table["padj"] < alpha).to_numpy()
    hover = np.array(_hover(table), dtype=object)
    traces = []
    for mask, name, colour in (
        (~significant, f"padj ≥ {alpha}", "#AAAAAA"),
        (significant, f"padj < {alpha}", "#C44E52"),
    ):
        traces.append(
            go.Scattergl(
                x=np.round(x[mask], 4),
                y=np.round(y[mask], 4),
                mode="markers",
                name=name,
                text=hover[mask],
                hoverinfo="text",
                marker={"size": 4, "color": colour},
            )
        )
    return traces


def volcano(table: pd.DataFrame, alpha: float, title: str) -> str:
    """Volcano plot as plotly JSON: log2FC against −log10 p, gene names on hover."""
    data = table.dropna(subset=["log2FC", "pvalue"])
    y = -np.log10(data["pvalue"].clip(lower=1e-300).to_numpy())
    figure = go.Figure(_scatter(data, data["log2FC"].to_numpy(), y, alpha))
    figure.update_layout(
        title=title,
        xaxis_title="log2 fold change",
        yaxis_title="−log10 p-value",
        height=420,
        margin={"t": 40},
    )
    return figure.to_json()


def ma_plot(table: pd.DataFrame, alpha: float, title: str, kind: str) -> str:
    """MA plot as plotly JSON: log2FC against mean expression."""
    data = table.dropna(subset=["log2FC", "baseMean"])
    x = (
        np.log10(data["baseMean"].clip(lower=1e-3).to_numpy())
        if kind == "counts"
        else data["baseMean"].to_numpy()
    )
    figure = go.Figure(_scatter(data, x, data["log2FC"].to_numpy(), alpha))
    figure.update_layout(
        title=title,
        height=420,
        margin={"t": 40},
        yaxis_title="log2 fold change",
        xaxis_title="log10 mean normalized count" if kind == "counts" else "mean log2 expression",
    )
    return figure.to_json()


def table_payload(frame: pd.DataFrame, digits: int = 4) -> str:
    """Columns and rows as JSON for the report's table widget (numbers rounded; NaN and
    infinite values, e.g. an unbounded interval, → null)."""
    rounded = frame.copy()
    for column in rounded.columns:
        if pd.api.types.is_float_dtype(rounded[column]):
            rounded[column] = rounded[column].map(
                lambda v: float(f"{v:.{digits}g}") if np.isfinite(v) else None
            )
    rows = rounded.astype(object).where(rounded.notna(), None).to_numpy().tolist()
    return json.dumps({"columns": list(frame.columns), "rows": rows}, allow_nan=False)
