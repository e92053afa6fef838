"""Checks of every configured input while the workflow is built, before any job runs.

A bad sample sheet, a missing file or a malformed gene-set file should cost the user seconds,
not a DE run, and leave nothing behind. This module imports only the standard library, so the
workflow can run it before any (conda) environment exists; the checks that need the data's
genes (do the gene sets overlap them?) run in the first job, the load step.

Every problem is one message naming the file, the row or column, the value and the fix.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Mapping
from pathlib import Path

from ..errors import InputError as PreflightError

REQUIRED_SHEET_COLUMNS = ("sample", "condition")
# reference-table column names as DESeq2, edgeR, limma, Seurat and common exports write them
REFERENCE_ALIASES = {
    "gene": (
        "gene",
        "gene_id",
        "gene_name",
        "symbol",
        "gene_symbol",
        "Geneid",
        "Gene",
        "SYMBOL",
        "ID",
        "feature",
        "external_gene_name",
        "hgnc_symbol",
        "mgi_symbol",
    ),
    "log2FC": ("log2FoldChange", "log2FC", "logFC", "log2fc", "avg_log2FC", "log2_fold_change"),
    "padj": ("padj", "adj.P.Val", "FDR", "qvalue", "q_value", "p_val_adj", "adj_pvalue"),
    "se": ("lfcSE", "se", "SE", "standard_error", "logFC_se"),
    "pvalue": ("pvalue", "P.Value", "PValue", "p_val", "p_value", "pval"),
    "stat": ("stat", "t", "z", "wald"),
}


def _plain(value: object) -> str:
    return repr(str(value))


def require_file(path: str, what: str, key: str, config_name: str) -> Path:
    """The path must name an existing, readable file (not a directory)."""
    file = Path(path)
    where = f"'{key}' in {config_name}"
    if file.is_dir():
        raise PreflightError(
            f"the {what} is a directory, not a file",
            source=str(file),
            fix=f"point {where} at the file itself",
        )
    if not file.is_file():
        raise PreflightError(
            f"the {what} does not exist",
            source=str(file),
            fix=f"check {where} (relative paths are taken from the directory snakemake runs "
            "in, then from the workflow's folder)",
        )
    return file


def open_text(path: Path) -> io.TextIOBase:
    """A text handle, gzip-aware, that drops a UTF-8 byte-order mark (Excel's "CSV UTF-8")."""
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def first_lines(path: Path, what: str, n: int = 2) -> list[str]:
    """The first ``n`` lines that are neither empty nor '#' comments."""
    lines: list[str] = []
    try:
        with open_text(path) as handle:
            for line in handle:
                if line.strip() and not line.startswith("#"):
                    lines.append(line.rstrip("\r\n"))
                    if len(lines) == n:
                        break
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise PreflightError(
            f"the {what} is a damaged gzip file ({err})",
            source=str(path),
            fix="download or compress it again (gzip -t checks a file)",
        ) from err
    except UnicodeDecodeError as err:
        raise PreflightError(
            f"the {what} is not UTF-8 text (byte {err.start})",
            source=str(path),
            fix="save it as UTF-8 text (in Excel: CSV UTF-8, or tab-delimited text)",
        ) from err
    return lines


def check_gzip(path: Path, what: str) -> None:
    """Read a gzip file to its end: a truncated download fails here, not in the middle of a job."""
    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(1 << 22):
                pass
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as err:
        raise PreflightError(
            f"the {what} is a damaged gzip file ({err})",
            source=str(path),
            fix="download or compress it again (gzip -t checks a file)",
        ) from err


def delimiter(path: Path, header: str) -> str:
    """Comma for .csv, else the delimiter the header line uses (tab by default)."""
    if ".csv" in [s.lower() for s in path.suffixes]:
        return ","
    return "\t" if "\t" in header or "," not in header else ","


def read_sheet(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a sample sheet (TSV or CSV, BOM, CRLF and '#' comments allowed)."""
    with open_text(path) as handle:
        text = [line for line in handle if line.strip() and not line.startswith("#")]
    if not text:
        raise PreflightError(
            "the sample sheet is empty",
            source=str(path),
            fix="write a header line 'sample<TAB>condition' and one line per sample",
        )
    reader = csv.reader(text, delimiter=delimiter(path, text[0]))
    rows = [[cell.strip() for cell in row] for row in reader]
    header = rows[0]
    while header and header[-1] == "":  # trailing tabs
        header = header[:-1]
    return header, rows[1:]


def check_sheet(path: str, key: str, config_name: str) -> list[str]:
    """The sheet's sample names, after checking columns, names and conditions."""
    file = require_file(path, "sample sheet", key, config_name)
    header, rows = read_sheet(file)
    missing = [c for c in REQUIRED_SHEET_COLUMNS if c not in header]
    if missing:
        raise PreflightError(
            f"no column {', '.join(map(_plain, missing))} in the header "
            f"({', '.join(map(_plain, header)) or 'empty'})",
            source=str(file),
            fix="start the sheet with a header line holding at least 'sample' and 'condition'",
        )
    if not rows:
        raise PreflightError(
            "the sample sheet has a header but no samples",
            source=str(file),
            fix="add one line per sample: its name (as in the data) and its condition",
        )
    sample_at, condition_at = header.index("sample"), header.index("condition")
    names: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        sample = row[sample_at] if sample_at < len(row) else ""
        condition = row[condition_at] if condition_at < len(row) else ""
        for column, value in (("sample", sample), ("condition", condition)):
            if not value:
                raise PreflightError(
                    f"row {number}: empty '{column}'",
                    source=str(file),
                    fix=f"fill in the {column} of every sample, or delete the row",
                )
        if any(ch.isspace() for ch in sample):
            raise PreflightError(
                f"row {number}: sample name {sample!r} contains white space",
                source=str(file),
                fix="use sample names without spaces or tabs, the same as the data's columns",
            )
        if sample in names:
            raise PreflightError(
                f"rows {names[sample]} and {number}: sample {sample!r} appears twice",
                source=str(file),
                fix="give every sample one row with a unique name",
            )
        names[sample] = number
    return list(names)


def check_table_header(path: str, key: str, config_name: str) -> None:
    """A counts/expression table: readable, and no sample column named twice (pandas would
    silently rename the second one)."""
    file = require_file(path, "expression file", key, config_name)
    if file.suffix == ".h5ad":
        return
    if file.suffix == ".gz":
        check_gzip(file, "expression file")
    lines = first_lines(file, "expression file")
    if not lines:
        raise PreflightError(
            "the expression file is empty",
            source=str(file),
            fix="provide a table with gene IDs in the first column and one column per sample",
        )
    header = next(csv.reader([lines[0]], delimiter=delimiter(file, lines[0])))
    seen: dict[str, int] = {}
    for position, name in enumerate((h.strip() for h in header), start=1):
        if name and name in seen:
            raise PreflightError(
                f"columns {seen[name]} and {position} are both named {name!r}",
                source=str(file),
                fix="give every sample column a unique name (and the sheet the same names)",
            )
        seen[name] = position


def check_gmt(path: str, key: str, config_name: str) -> None:
    """A GMT file: lines of name, description and at least one gene, names unique."""
    file = require_file(path, "gene-set file", key, config_name)
    names: dict[str, int] = {}
    try:
        with open_text(file) as handle:
            for number, line in enumerate(handle, start=1):
                fields = [f.strip() for f in line.rstrip("\r\n").split("\t")]
                if not any(fields):
                    continue
                if len(fields) < 3 or not any(fields[2:]):
                    raise PreflightError(
                        f"line {number} has {len(fields)} tab-separated field(s); a GMT line "
                        "needs a name, a description and at least one gene",
                        source=str(file),
                        fix="separate fields with tabs: NAME<TAB>DESCRIPTION<TAB>GENE1<TAB>…",
                    )
                if fields[0] in names:
                    raise PreflightError(
                        f"lines {names[fields[0]]} and {number}: set {fields[0]!r} appears twice",
                        source=str(file),
                        fix="give every set in the file a unique name",
                    )
                names[fields[0]] = number
    except (EOFError, gzip.BadGzipFile, zlib.error, UnicodeDecodeError) as err:
        raise PreflightError(
            f"the gene-set file cannot be read ({err})",
            source=str(file),
            fix="provide a GMT text file (optionally .gz)",
        ) from err
    if not names:
        raise PreflightError(
            "the gene-set file holds no set",
            source=str(file),
            fix="point the config at a GMT file with at least one set, or remove it",
        )


def check_config(config: Mapping, config_name: str) -> None:
    """Every input the config names: sheets, data files, gene sets, tables, references."""
    for name, dataset in config["datasets"].items():
        prefix = f"datasets.{name}"
        check_table_header(dataset["path"], f"{prefix}.path", config_name)
        if dataset.get("samples"):
            check_sheet(dataset["samples"], f"{prefix}.samples", config_name)
        elif not str(dataset["path"]).endswith(".h5ad"):
            raise PreflightError(
                "a table needs a sample sheet",
                source=f"{prefix} in {config_name}",
                fix=f"add 'samples: path/to/samples.tsv' under {prefix}",
            )
    gene_sets = config["gene_sets"]
    check_gmt(gene_sets["curated"]["path"], "gene_sets.curated.path", config_name)
    for number, extra in enumerate(gene_sets.get("extra") or []):
        check_gmt(extra["path"], f"gene_sets.extra[{number}].path", config_name)
    if gene_sets.get("orthologs"):
        require_file(gene_sets["orthologs"], "ortholog table", "gene_sets.orthologs", config_name)
    for name, reference in (config.get("reference_signatures") or {}).items():
        for key in ("up", "down"):
            if isinstance(reference.get(key), str):
                file = require_file(
                    reference[key],
                    f"{key} gene list",
                    f"reference_signatures.{name}.{key}",
                    config_name,
                )
                first_lines(file, f"{key} gene list", 1)
        if reference.get("path"):
            check_reference_table(name, reference, config_name)


def check_reference_table(name: str, reference: Mapping, config_name: str) -> None:
    """A reference DE table: readable, with a gene, a log2FC and a padj column (configured or
    found by their usual names)."""
    key = f"reference_signatures.{name}"
    file = require_file(reference["path"], "reference signature", f"{key}.path", config_name)
    if file.suffix == ".gz":
        check_gzip(file, "reference signature")
    lines = first_lines(file, "reference signature", 1)
    if not lines:
        raise PreflightError(
            "the reference signature is empty",
            source=str(file),
            fix="provide a table with one row per gene",
        )
    header = [h.strip() for h in next(csv.reader([lines[0]], delimiter=delimiter(file, lines[0])))]
    missing = []
    for role, option in (
        ("gene", "gene_column"),
        ("log2FC", "log2fc_column"),
        ("padj", "padj_column"),
    ):
        configured = reference.get(option)
        if configured and configured not in header:
            raise PreflightError(
                f"column {configured!r} ({key}.{option}) not found; the table has: "
                f"{', '.join(header)}",
                source=str(file),
                fix=f"set {key}.{option} to one of these",
            )
        if not configured and not any(alias in header for alias in REFERENCE_ALIASES[role]):
            missing.append((role, option))
    if missing:
        raise PreflightError(
            f"no column for {', '.join(role for role, _ in missing)}; the table has: "
            f"{', '.join(header)}",
            source=str(file),
            fix="name the columns in the config: "
            + ", ".join(f"{key}.{option}" for _, option in missing),
        )
