"""Interactive report pieces: plotly JSON with gene names on hover, table payloads without NaN."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd

from signature_reversal import interactive

TABLE = pd.DataFrame(
    {
        "gene": ["ENSMUSG1", "G2", "G3"],
        "symbol": ["Jak2", "G2", None],
        "baseMean": [100.0, 5.0, 50.0],
        "log2FC": [2.0, -0.1, np.nan],
        "pvalue": [1e-8, 0.5, np.nan],
        "padj": [1e-6, 0.9, np.nan],
    }
)


def values(column) -> np.ndarray:
    """Plotly JSON stores numeric arrays base64-encoded (``bdata``) or as lists."""
    if isinstance(column, dict):
        return np.frombuffer(base64.b64decode(column["bdata"]), dtype=column["dtype"])
    return np.asarray(column)


def test_volcano_splits_significant_genes_and_names_them_on_hover():
    figure = json.loads(interactive.volcano(TABLE, 0.05, "disease vs control"))
    grey, red = figure["data"]
    assert len(values(red["x"])) == 1 and len(values(grey["x"])) == 1  # NaN row left out
    assert values(red["y"])[0] == 8.0  # −log10 p
    assert red["text"][0].startswith("Jak2 (ENSMUSG1)")
    assert figure["layout"]["xaxis"]["title"]["text"] == "log2 fold change"


def test_ma_plot_uses_log10_mean_for_counts():
    figure = json.loads(interactive.ma_plot(TABLE, 0.05, "t", "counts"))
    xs = sorted(x for trace in figure["data"] for x in values(trace["x"]))
    assert np.allclose(xs, sorted(np.log10([100.0, 5.0])), atol=1e-4)


def test_table_payload_rounds_and_nulls():
    payload = json.loads(interactive.table_payload(TABLE, digits=3))
    assert payload["columns"] == list(TABLE.columns)
    assert payload["rows"][2][3] is None and payload["rows"][2][1] is None
    assert payload["rows"][0][4] == 1e-8
