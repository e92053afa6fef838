"""Interactive pieces of the HTML report: packed data, plotly.js and table payloads.

Everything the browser needs travels inside the page (no CDN), so the report works offline.
To keep it small enough to e-mail, plotly.js and every table travel gzip-compressed and
base64-encoded in inert ``<script>`` elements and are unpacked by the browser's own
``DecompressionStream``; the volcano and MA plots are drawn from the same table payload the
searchable gene table uses, so no gene's numbers are embedded twice.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
from functools import cache

import pandas as pd
from plotly.offline import get_plotlyjs


def packed(text: str) -> str:
    """gzip (no timestamp, so the same text packs to the same bytes) then base64: safe inside
    any ``<script>`` element, whatever the text holds. Level 6: within 1% of level 9's size,
    at a fraction of its time."""
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)).decode()


def unpacked(data: str) -> str:
    """The inverse of ``packed`` (what the browser does)."""
    return gzip.decompress(base64.b64decode(data)).decode("utf-8")


@cache
def plotly_js() -> str:
    """plotly.js, packed (4.8 MB as text, ~1.9 MB packed)."""
    return packed(get_plotlyjs())


def table_payload(frame: pd.DataFrame, digits: int = 4) -> str:
    """The table as JSON for the report's table widget, column by column (compresses better
    than rows): numbers rounded to ``digits`` significant digits, NaN and infinite values
    (e.g. an unbounded interval) → null, and a column equal to an earlier one in every row
    (symbols of genes named by symbol) sent once, as ``{"copy": <that column>}``."""
    columns: list = []
    for number, name in enumerate(frame.columns):
        values = frame[name]
        twin = next(
            (
                earlier
                for earlier in frame.columns[:number]
                if values.dtype == object and values.astype(str).equals(frame[earlier].astype(str))
            ),
            None,
        )
        if twin is not None:
            columns.append({"copy": twin})
            continue
        if pd.api.types.is_float_dtype(values):
            spec = f".{digits}g"
            columns.append(
                [float(format(v, spec)) if math.isfinite(v) else None for v in values.tolist()]
            )
            continue
        columns.append(values.astype(object).where(values.notna(), None).tolist())
    return json.dumps(
        {"columns": list(frame.columns), "data": columns}, allow_nan=False, separators=(",", ":")
    )


def packed_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """``table_payload``, packed for the page."""
    return packed(table_payload(frame, digits))


def by_significance(table: pd.DataFrame, column: str = "padj") -> pd.DataFrame:
    """Rows most significant first (ties and NaN by p-value, then untested last), the order a
    reader scans a DE or enrichment table in."""
    keys = [c for c in (column, "pvalue") if c in table.columns]
    return table.sort_values(keys, na_position="last", kind="mergesort").reset_index(drop=True)
