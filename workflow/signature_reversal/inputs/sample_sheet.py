"""The sample sheet: one reader and one check, used both while the workflow is built and by
the load step (and for the per-sample ``obs`` of an h5ad), so they cannot disagree.

Columns ``sample`` and ``condition`` are required; any other column is a covariate. Only the
parsing is here (standard library); the load step turns the checked rows into a DataFrame.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from . import text

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("sample", "condition")


@dataclass
class Sheet:
    """A checked sheet: its columns and one row of cells per sample (file line numbers kept
    for messages), and what was left out of it."""

    columns: list[str]
    rows: list[list[str]]
    lines: list[int]
    source: str
    notes: list[str] = field(default_factory=list)

    @property
    def samples(self) -> list[str]:
        return self.column("sample")

    def column(self, name: str) -> list[str]:
        at = self.columns.index(name)
        return [row[at] for row in self.rows]

    def to_frame(self):
        """The sheet as a DataFrame indexed by sample (empty cells missing), notes logged."""
        import pandas as pd

        for note in self.notes:
            log.warning("%s: %s", self.source, note)
        frame = pd.DataFrame(self.rows, columns=self.columns, dtype=object)
        frame = frame.where(frame != "", None)
        return frame.set_index("sample")


def read(path: str | Path, key: str | None = None, config_name: str | None = None) -> Sheet:
    """Read and check a sample sheet file (TSV or CSV; BOM, CRLF and ``#`` lines allowed)."""
    file = text.require_file(path, "sample sheet", key, config_name)
    try:
        columns, numbered, _ = text.rows(file, "sample sheet")
    except InputError as err:
        if "is empty" in str(err):
            raise InputError(
                "the sample sheet is empty",
                source=str(file),
                fix="write a header line 'sample<TAB>condition' and one line per sample",
            ) from None
        raise
    return check(columns, [cells for _, cells in numbered], [n for n, _ in numbered], str(file))


def check(
    columns: Sequence[str], rows: Sequence[Sequence[str]], lines: Sequence[int], source: str
) -> Sheet:
    """Required columns present and filled, names unique and without white space; columns
    without a name are left out when empty and reported when they hold values (R's
    ``write.csv`` row numbers)."""
    columns = [str(c).strip() for c in columns]
    width = max([len(columns), *(len(r) for r in rows)])
    cells = [[str(c).strip() for c in r] + [""] * (width - len(r)) for r in rows]
    columns += [""] * (width - len(columns))
    notes: list[str] = []
    keep = []
    for position, name in enumerate(columns):
        if name:
            keep.append(position)
            continue
        values = [row[position] for row in cells if row[position]]
        if values:
            notes.append(
                f"column {position + 1} has no name and is not used (values such as "
                f"{values[0]!r}); name it in the header to use it as a covariate"
            )
    columns = [columns[p] for p in keep]
    cells = [[row[p] for p in keep] for row in cells]
    text.refuse_repeated_columns(columns, Path(source), "sheet column")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError(
            f"no column {', '.join(map(repr, missing))} in the header "
            f"({', '.join(map(repr, columns)) or 'empty'})",
            source=source,
            fix="start the sheet with a header line holding at least 'sample' and 'condition'",
        )
    if not cells:
        raise InputError(
            "the sample sheet has a header but no samples",
            source=source,
            fix="add one line per sample: its name (as in the data) and its condition",
        )
    sample_at, condition_at = columns.index("sample"), columns.index("condition")
    seen: dict[str, int] = {}
    for row, line in zip(cells, lines, strict=True):
        for column, at in (("sample", sample_at), ("condition", condition_at)):
            if not row[at]:
                raise InputError(
                    f"row {line}: empty '{column}'",
                    source=source,
                    fix=f"fill in the {column} of every sample, or delete the row",
                )
        sample = row[sample_at]
        if any(ch.isspace() for ch in sample):
            raise InputError(
                f"row {line}: sample name {sample!r} contains white space",
                source=source,
                fix="use sample names without spaces or tabs, the same as the data's columns",
            )
        if sample in seen:
            raise InputError(
                f"rows {seen[sample]} and {line}: sample {sample!r} appears twice",
                source=source,
                fix="give every sample one row with a unique name",
            )
        seen[sample] = line
    return Sheet(columns, cells, list(lines), source, notes)


def from_frame(frame, source: str) -> Sheet:
    """Check a per-sample table that did not come from a file (an h5ad's ``obs``): the same
    rules as a sheet file; rows are numbered as they would be in a file with a header."""
    columns = [str(c) for c in frame.columns]
    rows = [["" if _missing(v) else str(v) for v in values] for values in frame.to_numpy()]
    return check(columns, rows, list(range(2, len(rows) + 2)), source)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)
