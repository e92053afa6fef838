"""The cell types' verdicts side by side: one row per cell type from its pseudobulk analysis's
reversal summary, or why it was not judged. Kept apart from the cell-level view so the view
(the long step) need not wait for every cell type's analysis."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

FIGURES = ("slope", "percent_improvement_up", "percent_improvement_down")
COLUMNS = ["cell_type", "verdict", "not_judged", "reason", "disease_genes"] + [
    f"{figure}{end}" for figure in FIGURES for end in ("", "_ci_low", "_ci_high")
]


def table(summaries: Mapping[str, dict], not_judged: Mapping[str, str]) -> pd.DataFrame:
    """Per cell type: the pseudobulk analysis's verdict and figures (or why it was not judged:
    too few genes, or too few samples to be analysed at all)."""
    rows = [
        {"cell_type": c, "verdict": "not judged", "not_judged": "too few samples", "reason": why}
        for c, why in not_judged.items()
    ]
    for cell_type, summary in summaries.items():
        signature = summary.get("signature", {})
        row = {
            "cell_type": cell_type,
            "verdict": signature.get("verdict"),
            "not_judged": signature.get("not_judged"),
            "reason": signature.get("reason"),
            "disease_genes": signature.get("n_disease_genes"),
        }
        for figure in FIGURES:
            entry = signature.get(figure) or {}
            row[figure] = entry.get("estimate")
            row[f"{figure}_ci_low"] = entry.get("ci_low")
            row[f"{figure}_ci_high"] = entry.get("ci_high")
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def write(verdicts: pd.DataFrame, out: Path) -> None:
    """cell_types.tsv and the forest plot of the cell types' figures in ``out``."""
    from ..layout import SingleCellLayout
    from ..report.plots import forest

    files = SingleCellLayout(str(out))
    out.mkdir(parents=True, exist_ok=True)
    verdicts.to_csv(files.cell_types, sep="\t", index=False)
    ranking = verdicts.rename(columns={"cell_type": "arm"}).assign(signature="cell type")
    forest(ranking, files.forest)
