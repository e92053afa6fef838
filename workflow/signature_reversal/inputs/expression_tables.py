"""Read expression tables in the shapes users bring them: plain TSV/CSV (optionally gzipped),
genes × samples or samples × genes, featureCounts output, tximport-style estimated counts, with
optional annotation columns. The result is one numeric genes × samples frame plus symbols.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from . import text
from .geneids import strip_versions

log = logging.getLogger(__name__)

FEATURECOUNTS_ANNOTATION = ("Chr", "Start", "End", "Strand", "Length")
SYMBOL_COLUMN_NAMES = ("symbol", "gene_symbol", "gene_name", "genename", "external_gene_name")
_BAM_SUFFIXES = re.compile(r"(\.Aligned\.sortedByCoord\.out|\.sorted|\.sortedByCoord)?\.bam$")


@dataclass
class ExpressionTable:
    """Numeric values (genes × samples), optional symbols per gene, and where they came from."""

    values: pd.DataFrame
    symbols: pd.Series | None
    source: str


def read_raw_table(path: Path, numeric_columns: Collection[str] = ()) -> pd.DataFrame:
    """Read a delimited text table as strings by the shared text rules (``text``): whole-line
    ``#`` comments skipped (featureCounts' header), delimiter from the extension or the header,
    byte-order mark dropped; a damaged gzip file and a repeated column name are refused.

    Headers among ``numeric_columns`` (the sheet's samples) are parsed as numbers by the
    reader itself, several times faster than strings converted afterwards and the same floats
    (pandas' parser either way); a cell that is not a number sends the whole table back to
    strings, so ``_to_numeric`` can name it."""
    path = Path(path)
    names, sep = text.table_header(path, "expression file", "sample column", "datasets.<name>.path")
    # index_col=False: a line ending in a delimiter (Excel's trailing tab) must not make pandas
    # take the gene IDs for an index and shift every column
    fix = (
        "save the table as tab- or comma-separated text (optionally .gz) with gene IDs in the "
        "first column and one column per sample"
    )
    numeric = set(numeric_columns).intersection(names)
    table = None
    if numeric:
        types = {name: float if name in numeric else str for name in names}
        try:
            table = text.read_frame(
                path, "expression file", sep, fix=fix, dtype=types, index_col=False
            )
        except InputError:
            table = None  # a cell that is not a number: read as strings below
    if table is None:
        table = text.read_frame(path, "expression file", sep, fix=fix, index_col=False)
    table = table.loc[
        :, [not (str(c).startswith("Unnamed:") and table[c].isna().all()) for c in table.columns]
    ]  # empty columns from trailing delimiters
    if table.shape[0] == 0 or table.shape[1] < 2:
        raise InputError(
            f"has {table.shape[0]} rows and {table.shape[1]} columns",
            source=str(path),
            fix="provide gene IDs in the first column and one column of values per sample",
        )
    return table


def is_featurecounts(table: pd.DataFrame) -> bool:
    return table.columns[0] == "Geneid" and all(
        c in table.columns for c in FEATURECOUNTS_ANNOTATION
    )


def _sample_name_from_bam(column: str) -> str:
    return _BAM_SUFFIXES.sub("", Path(column).name)


def read_expression_table(
    path: str | Path,
    samples: list[str],
    orientation: str = "auto",
    gene_id_column: str | None = None,
    symbol_column: str | None = None,
) -> ExpressionTable:
    """Read any supported table and return it as genes × samples with the sheet's sample names.

    ``orientation`` is ``auto`` (decided by where the sheet's sample names appear),
    ``genes_by_samples`` or ``samples_by_genes``.
    """
    path = Path(path)
    table = read_raw_table(path, samples)
    if is_featurecounts(table):
        log.info(
            "featureCounts table: dropping annotation columns %s",
            ", ".join(FEATURECOUNTS_ANNOTATION),
        )
        table = table.drop(columns=list(FEATURECOUNTS_ANNOTATION))
        renamed = {c: _sample_name_from_bam(c) for c in table.columns[1:]}
        changed = {k: v for k, v in renamed.items() if k != v}
        if changed:
            log.info(
                "featureCounts sample columns renamed to BAM base names: %s",
                "; ".join(f"{k} → {v}" for k, v in list(changed.items())[:10]),
            )
        table = table.rename(columns=renamed)
    orientation = _decide_orientation(table, samples, orientation, path)
    if orientation == "samples_by_genes":
        table = _transpose(table, path)
    id_column = gene_id_column or table.columns[0]
    if id_column not in table.columns:
        raise InputError(
            f"gene ID column {id_column!r} not found (columns: {', '.join(table.columns[:8])}…)",
            source=str(path),
            fix="set gene_id_column in the dataset's config to one of the table's columns",
        )
    symbol_column = symbol_column or next(
        (
            c
            for c in table.columns
            if c.lower() in SYMBOL_COLUMN_NAMES and c not in samples and c != id_column
        ),
        None,
    )
    if symbol_column is not None and symbol_column not in table.columns:
        raise InputError(
            f"symbol column {symbol_column!r} not found",
            source=str(path),
            fix="set symbol_column to an existing column or remove it from the config",
        )
    ids = table[id_column].where(table[id_column].astype(str).str.strip() != "")
    if ids.isna().any() and symbol_column is not None:
        # annotation exports leave the Ensembl ID empty for some genes that have a symbol
        filled = ids.isna() & table[symbol_column].notna()
        ids = ids.where(~filled, table[symbol_column])
        log.warning(
            "%d rows have no gene ID in %r; their symbol from %r is used instead (e.g. %s)",
            int(filled.sum()),
            id_column,
            symbol_column,
            ", ".join(map(str, table.loc[filled, symbol_column].head(3))),
        )
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna())[0]) + 2
        raise InputError(
            f"empty gene ID in row {row} (column {id_column!r})",
            source=str(path),
            fix="give every row a gene ID, delete the row, or name a column of gene symbols to "
            "fall back on with symbol_column in the dataset's config",
        )
    stripped = strip_versions(ids)
    n_stripped = sum(a != b for a, b in zip(ids, stripped, strict=True))
    if n_stripped:
        log.info("stripped Ensembl version suffixes from %d gene IDs", n_stripped)
    table = table.drop(columns=[id_column])
    table.index = pd.Index(stripped, name="gene")

    symbols = None
    if symbol_column is not None:
        symbols = table[symbol_column].rename("symbol")
        log.info("gene symbols taken from column %r", symbol_column)
    others = [c for c in table.columns if c not in samples]
    numeric = [c for c in others if pd.to_numeric(table[c], errors="coerce").notna().all()]
    if numeric:
        log.warning(
            "numeric columns not in the sample sheet are not analysed: %s", ", ".join(numeric)
        )
    annotation = [c for c in others if c not in numeric]
    if annotation:
        log.info("annotation columns (not samples): %s", ", ".join(annotation))
    sample_columns = [c for c in table.columns if c in samples]
    return ExpressionTable(
        values=_to_numeric(table[sample_columns], path), symbols=symbols, source=str(path)
    )


def _decide_orientation(
    table: pd.DataFrame, samples: list[str], orientation: str, path: Path
) -> str:
    if orientation != "auto":
        return orientation
    in_columns = sum(s in table.columns for s in samples)
    in_first_column = table.iloc[:, 0].isin(samples).sum()
    if in_columns == 0 and in_first_column == 0:
        raise InputError(
            "none of the sample sheet's sample names appear as a column header or in the first "
            f"column (first headers: {', '.join(map(str, table.columns[:6]))})",
            source=str(path),
            fix="make the 'sample' names in the sheet equal to the table's sample headers",
        )
    if in_first_column > in_columns:
        log.info(
            "table is samples × genes (%d sample names in the first column); transposing",
            in_first_column,
        )
        return "samples_by_genes"
    return "genes_by_samples"


def _transpose(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    first = table.columns[0]
    _refuse_duplicates(table[first], path, "sample name")
    flipped = table.set_index(first).T
    flipped.index.name = "gene"
    return flipped.reset_index()


def _refuse_duplicates(labels: pd.Series | pd.Index, path: Path, what: str) -> None:
    labels = pd.Index(labels)
    duplicated = labels[labels.duplicated()].unique()
    if len(duplicated):
        raise InputError(
            f"{len(duplicated)} duplicated {what}(s): {', '.join(map(str, duplicated[:5]))}",
            source=str(path),
            fix=f"make every {what} unique",
        )


def _to_numeric(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Convert to float, naming the first cells that are not numbers or not finite."""
    _refuse_duplicates(table.columns, path, "sample column")
    numeric = table.apply(pd.to_numeric, errors="coerce")
    report_bad_cells(table, numeric.isna() & table.notna(), path, "is not a number")
    report_bad_cells(
        table,
        numeric.isna(),
        path,
        "is empty (NaN)",
        fix="fill in the missing values (0 for a gene with no reads)",
    )
    values = numeric.to_numpy(dtype=float)
    report_bad_cells(
        table,
        pd.DataFrame(np.isinf(values), index=table.index, columns=table.columns),
        path,
        "is infinite",
    )
    return numeric.astype(float)


def report_bad_cells(
    table: pd.DataFrame, bad: pd.DataFrame, path: Path | str, problem: str, fix: str | None = None
) -> None:
    """Raise naming how many cells are bad and the first three (gene, row, sample, value)."""
    mask = bad.to_numpy()
    if not mask.any():
        return
    rows, cols = np.nonzero(mask)
    examples = "; ".join(
        f"gene {str(table.index[r])!r} (row {r + 2}), sample {str(table.columns[c])!r}: "
        f"{_plain(table.iat[r, c])}"
        for r, c in list(zip(rows, cols, strict=True))[:3]
    )
    raise InputError(
        f"{len(rows)} value(s) {problem}, e.g. {examples}",
        source=str(path),
        fix=fix or "correct these cells so that every value is a number",
    )


def _plain(value) -> str:
    """A cell as the user wrote it: 5.0, not np.float64(5.0)."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value) if isinstance(value, str) else str(value)


def resolve_duplicate_genes(
    values: pd.DataFrame, symbols: pd.Series | None, policy: str, path: str
) -> tuple[pd.DataFrame, pd.Series | None]:
    """Duplicated gene IDs: ``refuse`` (default) or ``sum`` their rows, logging which."""
    duplicated = values.index[values.index.duplicated()].unique()
    if not len(duplicated):
        return values, symbols
    if policy != "sum":
        raise InputError(
            f"{len(duplicated)} duplicated gene ID(s): {', '.join(map(str, duplicated[:5]))}",
            source=path,
            fix="make gene IDs unique, or set duplicate_genes: sum in the dataset's config to "
            "add up their rows",
        )
    log.warning(
        "summing the rows of %d duplicated gene IDs (e.g. %s)",
        len(duplicated),
        ", ".join(map(str, duplicated[:5])),
    )
    summed = values.groupby(level=0, sort=False).sum()
    if symbols is not None:
        symbols = symbols.groupby(level=0, sort=False).first()
    return summed, symbols
