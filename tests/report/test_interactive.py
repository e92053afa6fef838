"""Interactive report pieces: packed payloads that round-trip exactly and the same every run,
table payloads without NaN, rows most significant first."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from signature_reversal.report import interactive

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


def test_table_payload_rounds_and_nulls():
    payload = json.loads(interactive.table_payload(TABLE, digits=3))
    assert payload["columns"] == list(TABLE.columns)
    gene, symbol, base_mean, log2fc, pvalue, _ = payload["data"]
    assert log2fc[2] is None and symbol[2] is None
    assert pvalue[0] == 1e-8 and base_mean == [100.0, 5.0, 50.0]


def test_table_payload_sends_a_repeated_column_once():
    table = TABLE.assign(symbol=TABLE["gene"], pi=[3.14159, 2.0, 1.0])
    payload = json.loads(interactive.table_payload(table, digits=3))
    assert payload["data"][1] == {"copy": "gene"}
    assert payload["data"][-1] == [3.14, 2.0, 1.0]


def test_packed_payload_round_trips_is_inert_and_deterministic():
    hostile = json.dumps({"name": "<!--<script>&</script>", "x": list(range(2000))})
    data = interactive.packed(hostile)
    assert interactive.unpacked(data) == hostile
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", data)  # nothing HTML can read as markup
    assert interactive.packed(hostile) == data  # no timestamp: same page every run
    assert len(data) < len(hostile) / 1.5  # compressed even after base64


def test_plotly_is_packed_to_under_half_its_size():
    from plotly.offline import get_plotlyjs

    code = get_plotlyjs()
    assert interactive.unpacked(interactive.plotly_js()) == code
    assert len(interactive.plotly_js()) < 0.5 * len(code)


def test_rows_most_significant_first_untested_last():
    ordered = interactive.by_significance(TABLE.iloc[[1, 2, 0]])
    assert list(ordered["gene"]) == ["ENSMUSG1", "G2", "G3"]
