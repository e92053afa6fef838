"""Read a counts matrix and a sample sheet, check them, and build the canonical AnnData.

Every later stage reads the one ``.h5ad`` written here, so all input checks live in this module:
a problem is reported once, early, naming the file, the row or column, and the fix.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd

from .errors import InputError
from .roles import ROLES

log = logging.getLogger(__name__)

REQUIRED_SHEET_COLUMNS = ("sample", "condition")


def _separator(path: Path) -> str:
    """Comma for ``.csv`` (optionally gzipped), tab otherwise."""
    suffixes = [s.lower() for s in path.suffixes]
    return "," if ".csv" in suffixes else "\t"


def _require_file(path: Path, what: str) -> None:
    if not path.is_file():
        raise InputError(
            f"{what} not found",
            source=str(path),
            fix=f"check the path to the {what} in config/config.yaml (relative paths are "
            "resolved from the directory you run snakemake in)",
        )


def read_counts(path: str | Path) -> pd.DataFrame:
    """Read a genes × samples count table whose first column holds gene IDs.

    Returns a DataFrame of integer counts (genes in rows). Raises :class:`InputError` for
    non-numeric, missing, negative or non-integer values and for duplicated IDs.
    """
    path = Path(path)
    _require_file(path, "counts file")
    try:
        table = pd.read_csv(path, sep=_separator(path), index_col=0, dtype={0: str})
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as err:
        raise InputError(
            f"cannot be read as a {'CSV' if _separator(path) == ',' else 'TSV'} table ({err})",
            source=str(path),
            fix="save the counts as a tab- or comma-separated text file (optionally .gz) with "
            "gene IDs in the first column and one column per sample",
        ) from err
    if table.shape[1] == 0 or table.shape[0] == 0:
        raise InputError(
            f"has {table.shape[0]} genes and {table.shape[1]} sample columns",
            source=str(path),
            fix="provide gene IDs in the first column and one column of counts per sample",
        )
    table.index = table.index.astype(str)
    table.index.name = "gene"
    _check_unique(table.columns, path, "sample column")
    _check_unique(table.index, path, "gene ID")
    numeric = table.apply(pd.to_numeric, errors="coerce")
    _report_bad_cells(table, numeric.isna() & table.notna(), path, "is not a number")
    _report_bad_cells(table, numeric.isna(), path, "is empty (NaN)")
    values = numeric.to_numpy(dtype=float)
    _report_bad_cells(
        table,
        pd.DataFrame(~np.isfinite(values), index=table.index, columns=table.columns),
        path,
        "is infinite",
    )
    _report_bad_cells(table, numeric < 0, path, "is negative")
    _report_bad_cells(
        table,
        numeric != np.round(numeric),
        path,
        "is not a whole number",
        fix="raw counts must be integers; for normalized expression values use a "
        "count matrix from your quantifier (e.g. featureCounts) instead",
    )
    return numeric.astype(np.int64)


def _check_unique(labels: pd.Index, path: Path, what: str) -> None:
    duplicated = labels[labels.duplicated()].unique()
    if len(duplicated):
        shown = ", ".join(map(str, duplicated[:5]))
        raise InputError(
            f"{len(duplicated)} duplicated {what}(s): {shown}",
            source=str(path),
            fix=f"make every {what} unique (sum or remove the duplicates)",
        )


def _report_bad_cells(
    table: pd.DataFrame, bad: pd.DataFrame, path: Path, problem: str, fix: str | None = None
) -> None:
    if not bad.to_numpy().any():
        return
    rows, cols = np.nonzero(bad.to_numpy())
    examples = "; ".join(
        f"gene {table.index[r]!r} (row {r + 2}), sample {table.columns[c]!r}: {table.iat[r, c]!r}"
        for r, c in list(zip(rows, cols, strict=True))[:3]
    )
    raise InputError(
        f"{len(rows)} value(s) {problem}, e.g. {examples}",
        source=str(path),
        fix=fix or "correct these cells so that every value is a non-negative whole number",
    )


def read_sample_sheet(path: str | Path) -> pd.DataFrame:
    """Read the sample sheet (``sample``, ``condition``, optional covariates) indexed by sample."""
    path = Path(path)
    _require_file(path, "sample sheet")
    sheet = pd.read_csv(path, sep=_separator(path), dtype=str, comment="#")
    missing = [c for c in REQUIRED_SHEET_COLUMNS if c not in sheet.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)} (found: {', '.join(sheet.columns)})",
            source=str(path),
            fix="add a header line with at least the columns 'sample' and 'condition'",
        )
    for column in REQUIRED_SHEET_COLUMNS:
        empty = sheet.index[sheet[column].isna()]
        if len(empty):
            raise InputError(
                f"empty '{column}' in row(s) {', '.join(str(i + 2) for i in empty[:5])}",
                source=str(path),
                fix=f"fill in the '{column}' of every sample",
            )
    sheet["sample"] = sheet["sample"].str.strip()
    sheet["condition"] = sheet["condition"].str.strip()
    _check_unique(pd.Index(sheet["sample"]), path, "sample name")
    return sheet.set_index("sample")


def assign_roles(
    sheet: pd.DataFrame, conditions: Mapping[str, str], sheet_path: str | Path
) -> pd.DataFrame:
    """Add a ``role`` column (control / disease / treatment) from the config's condition labels.

    Samples whose condition is none of the three labels are dropped with a logged warning.
    """
    labels = {role: str(conditions[role]) for role in ROLES}
    present = set(sheet["condition"])
    for role, label in labels.items():
        if label not in present:
            raise InputError(
                f"the {role} condition {label!r} (config 'conditions.{role}') does not appear in "
                f"the 'condition' column, which holds: {', '.join(sorted(present))}",
                source=str(sheet_path),
                fix=f"set conditions.{role} in config/config.yaml to one of the sheet's labels, "
                "or correct the sheet",
            )
    role_of = {label: role for role, label in labels.items()}
    sheet = sheet.copy()
    sheet["role"] = sheet["condition"].map(role_of)
    unused = sheet.index[sheet["role"].isna()]
    if len(unused):
        log.warning(
            "dropping %d sample(s) whose condition is not one of the config's %s: %s",
            len(unused),
            sorted(labels.values()),
            ", ".join(f"{s} ({sheet.at[s, 'condition']})" for s in unused),
        )
        sheet = sheet.loc[sheet["role"].notna()]
    return sheet


def check_replicates(sheet: pd.DataFrame, sheet_path: str | Path, minimum: int = 2) -> None:
    """Refuse groups with fewer than ``minimum`` samples: dispersion cannot be estimated."""
    sizes = sheet.groupby("role")["condition"].agg(["size", "first"])
    for role, (size, label) in sizes.iterrows():
        if size < minimum:
            raise InputError(
                f"the {role} group ({label!r}) has {size} sample(s); differential expression "
                f"needs at least {minimum} replicates per group to estimate variability",
                source=str(sheet_path),
                fix=f"add replicates for {label!r}",
            )


def match_samples(
    counts: pd.DataFrame, sheet: pd.DataFrame, counts_path: str | Path, sheet_path: str | Path
) -> pd.DataFrame:
    """Return the counts restricted to the sheet's samples, in sheet order.

    Sheet samples missing from the matrix are an error; matrix columns absent from the sheet
    are dropped with a logged warning.
    """
    missing = [s for s in sheet.index if s not in counts.columns]
    if missing:
        raise InputError(
            f"{len(missing)} sample(s) of the sample sheet {sheet_path} have no column in the "
            f"counts file: {', '.join(missing[:10])}",
            source=str(counts_path),
            fix="make the 'sample' names in the sheet match the counts file's column headers",
        )
    extra = [c for c in counts.columns if c not in sheet.index]
    if extra:
        log.warning(
            "counts columns not in the (role-filtered) sample sheet are not analysed: %s",
            ", ".join(map(str, extra)),
        )
    return counts.loc[:, list(sheet.index)]


def check_nonzero_samples(counts: pd.DataFrame, counts_path: str | Path) -> None:
    """An all-zero sample breaks size-factor estimation; refuse it by name."""
    zero = counts.columns[counts.sum(axis=0) == 0]
    if len(zero):
        raise InputError(
            f"sample(s) with zero counts in every gene: {', '.join(map(str, zero))}",
            source=str(counts_path),
            fix="remove these samples from the sample sheet (a failed library) or fix the file",
        )


def build_anndata(
    counts_path: str | Path,
    sheet_path: str | Path,
    conditions: Mapping[str, str],
    min_replicates: int = 2,
) -> ad.AnnData:
    """Load and validate inputs into samples × genes AnnData, raw counts in ``layers['counts']``.

    ``obs`` carries the sample sheet plus ``role``; ``uns['conditions']`` the role → label map.
    """
    sheet = assign_roles(read_sample_sheet(sheet_path), conditions, sheet_path)
    check_replicates(sheet, sheet_path, min_replicates)
    counts = match_samples(read_counts(counts_path), sheet, counts_path, sheet_path)
    check_nonzero_samples(counts, counts_path)
    obs = sheet.copy()
    for column in obs.columns:
        obs[column] = obs[column].astype("category")
    obs["condition"] = pd.Categorical(
        obs["condition"].astype(str), categories=[str(conditions[r]) for r in ROLES]
    )
    matrix = counts.T.to_numpy(dtype=np.int64)
    adata = ad.AnnData(
        X=matrix.copy(),
        obs=obs,
        var=pd.DataFrame(index=counts.index.astype(str)),
    )
    adata.layers["counts"] = matrix
    adata.uns["conditions"] = {role: str(conditions[role]) for role in ROLES}
    adata.uns["inputs"] = {"counts": str(counts_path), "samples": str(sheet_path)}
    log.info(
        "loaded %d samples × %d genes (%s)",
        adata.n_obs,
        adata.n_vars,
        ", ".join(f"{r}={int((obs['role'] == r).sum())}" for r in ROLES),
    )
    return adata
