"""Signature-matrix libraries in clue.io's formats, read a block of signatures at a time.

- **GCTX** (HDF5; LINCS L1000 level 5): ``/0/DATA/0/matrix`` holds signatures × genes (each
  row of the dataset one signature's values over the genes), ``/0/META/ROW`` the genes'
  ``id`` and fields such as ``pr_gene_symbol``, ``/0/META/COL`` the signatures' ``id`` and
  fields such as ``pert_iname``, ``cell_id``, ``pert_idose``, ``pert_itime``, ``moa``
  (cmapPy's ``parse_gctx`` reads the same nodes). It is read in blocks of signatures, never
  whole: LINCS's 12,328 genes × 473,647 signatures are 23 GB.
- **GCT** 1.2 (``#1.2``; ``Name``, ``Description``, then one column per signature) and 1.3
  (``#1.3``; gene metadata columns, then signature metadata rows), as text: read whole.

Genes are named by their symbol field where the file has one (L1000's row ids are Entrez
IDs), else by their id; the signatures' annotation comes from the column fields, then from
the optional annotation table as for GMT libraries.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..inputs import text
from .library import ANNOTATION_COLUMNS, LibrarySpec, annotate, from_names

log = logging.getLogger(__name__)

DATA = "/0/DATA/0/matrix"
ROWS = "/0/META/ROW"
COLUMNS = "/0/META/COL"
SYMBOL_FIELDS = ("pr_gene_symbol", "gene_symbol", "symbol", "Description")
# clue.io's column fields, by the annotation column each fills
COLUMN_FIELDS = {
    "compound": ("pert_iname", "cmap_name", "compound"),
    "cell_line": ("cell_id", "cell_iname", "cell_line"),
    "dose": ("pert_idose", "dose"),
    "time": ("pert_itime", "time"),
    "moa": ("moa", "MOA"),
}
BLOCK_VALUES = 2**25  # float32 values per block read (128 MB)


@dataclass
class SignatureMatrix:
    """A matrix library: its genes, its signatures' annotation, and a reader of blocks."""

    name: str
    path: Path
    genes: pd.Index  # one name per matrix gene (symbol where the file has one)
    annotation: pd.DataFrame  # signature, compound, cell_line, dose, time, moa
    values: np.ndarray | None = None  # GCT: signatures × genes, in memory

    @property
    def n_signatures(self) -> int:
        return len(self.annotation)

    def blocks(self, size: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """(first signature, signatures × genes float32) blocks, in file order."""
        size = size or max(1, BLOCK_VALUES // max(1, len(self.genes)))
        if self.values is not None:
            for start in range(0, self.n_signatures, size):
                yield start, self.values[start : start + size]
            return
        import h5py

        with h5py.File(self.path, "r") as handle:
            data = handle[DATA]
            for start in range(0, self.n_signatures, size):
                yield start, np.asarray(data[start : start + size], dtype=np.float32)


def read_matrix(spec: LibrarySpec, key: str = "drug_libraries") -> SignatureMatrix:
    """The matrix library's genes and annotation (and, for a GCT, its values)."""
    where = f"{key}.{spec.name}.matrix"
    path = Path(text.require_file(spec.matrix, "signature matrix", where))
    if path.suffix.lower() == ".gctx":
        genes, columns, values = _gctx_meta(path, where)
    else:
        genes, columns, values = _gct(path, where)
    if genes.duplicated().any():
        duplicated = genes[genes.duplicated()].unique()
        log.warning(
            "%s: %d gene name(s) occur more than once (each copy keeps its own rank): %s",
            spec.name,
            len(duplicated),
            ", ".join(map(str, duplicated[:5])),
        )
    names = list(columns["id"])
    annotation = from_names(names)
    for column, fields in COLUMN_FIELDS.items():  # the file's own fields before the names'
        field = next((f for f in fields if f in columns.columns), None)
        if field is not None:
            given = columns[field].astype(str).replace({"-666": "", "nan": ""}).to_numpy()
            annotation.loc[given != "", column] = given[given != ""]
    annotation = annotate(names, spec, annotation)  # the annotation table has the last word
    log.info(
        "%s: %s signatures × %s genes (%s)",
        spec.name,
        f"{len(annotation):,}",
        f"{len(genes):,}",
        path.name,
    )
    return SignatureMatrix(spec.name, path, genes, annotation, values)


def _gctx_meta(path: Path, where: str) -> tuple[pd.Index, pd.DataFrame, None]:
    import h5py

    try:
        handle = h5py.File(path, "r")
    except OSError as error:
        raise InputError(
            f"not an HDF5 file ({error})",
            source=str(path),
            fix="give a GCTX file as clue.io writes it, or a text GCT with suffix .gct",
        ) from None
    with handle:
        missing = [node for node in (DATA, f"{ROWS}/id", f"{COLUMNS}/id") if node not in handle]
        if missing:
            raise InputError(
                f"the GCTX file has no {', '.join(missing)}",
                source=str(path),
                fix="write the file with cmapPy (write_gctx) or take it from clue.io",
            )
        rows = _fields(handle[ROWS])
        columns = _fields(handle[COLUMNS])
        shape = handle[DATA].shape
    if shape != (len(columns), len(rows)):
        raise InputError(
            f"{DATA} is {shape[0]} × {shape[1]}, but the file names {len(columns)} signatures "
            f"and {len(rows)} genes",
            source=str(path),
            fix="the matrix must hold one row per signature (column id) and one column per gene",
        )
    return _gene_names(rows), columns, None


def _fields(group) -> pd.DataFrame:
    """A metadata group's one-dimensional fields, as strings."""
    out = {}
    for name, node in group.items():
        if getattr(node, "ndim", 0) == 1:
            values = node[()]
            out[name] = [v.decode() if isinstance(v, bytes) else str(v) for v in values]
    return pd.DataFrame(out)


def _gene_names(rows: pd.DataFrame) -> pd.Index:
    """Each gene's symbol where the file gives one (not empty, "na" or -666), else its id."""
    field = next((f for f in SYMBOL_FIELDS if f in rows.columns), None)
    if field is None:
        return pd.Index(rows["id"].astype(str))
    symbol = rows[field].astype(str)
    given = ~symbol.str.lower().isin(["", "na", "nan", "-666"])
    return pd.Index(symbol.where(given, rows["id"]).astype(str))


def _gct(path: Path, where: str) -> tuple[pd.Index, pd.DataFrame, np.ndarray]:
    with text.open_text(path) as handle:
        version = handle.readline().strip()
        dims = handle.readline().rstrip("\n").split("\t")
    if version not in ("#1.2", "#1.3"):
        raise InputError(
            f"the first line is {version[:20]!r}, not #1.2 or #1.3",
            source=str(path),
            fix="give a GCT file (clue.io's text format) or a .gctx",
        )
    try:
        n_rows, n_cols, *meta = (int(d) for d in dims if d.strip())
    except ValueError:
        raise InputError(
            f"line 2 should give the numbers of genes and signatures, not {dims!r}",
            source=str(path),
            fix="write the file with cmapPy (write_gct)",
        ) from None
    n_row_meta, n_col_meta = (meta + [1, 0])[:2] if version == "#1.3" else (1, 0)
    table = pd.read_csv(path, sep="\t", skiprows=2, header=None, dtype=str, keep_default_na=False)
    header = table.iloc[0].tolist()
    first_data = 1 + n_col_meta
    ids = header[1 + n_row_meta :]
    if len(ids) != n_cols or len(table) - first_data != n_rows:
        raise InputError(
            f"line 2 announces {n_rows} genes × {n_cols} signatures; the file holds "
            f"{len(table) - first_data} × {len(ids)}",
            source=str(path),
            fix="correct the dimensions on line 2 (or rewrite the file with cmapPy)",
        )
    columns = pd.DataFrame({"id": ids})
    for i in range(n_col_meta):
        columns[str(table.iat[1 + i, 0])] = table.iloc[1 + i, 1 + n_row_meta :].tolist()
    body = table.iloc[first_data:]
    rows = pd.DataFrame({"id": body.iloc[:, 0].to_numpy()})
    for i in range(n_row_meta):
        rows[str(header[1 + i])] = body.iloc[:, 1 + i].to_numpy()
    raw = body.iloc[:, 1 + n_row_meta :]
    values = raw.apply(pd.to_numeric, errors="coerce")
    bad = values.isna() & ~raw.isin(["", "NA", "NaN", "nan", "-666"])
    if bad.any().any():
        row, col = np.argwhere(bad.to_numpy())[0]
        raise InputError(
            f"value {raw.iat[row, col]!r} of gene {rows['id'].iat[row]!r}, signature "
            f"{ids[col]!r} is not a number",
            source=str(path),
            fix="every value must be a number (or empty / NaN for missing)",
        )
    return _gene_names(rows), columns, values.to_numpy(np.float32).T.copy()


__all__ = ["ANNOTATION_COLUMNS", "SignatureMatrix", "read_matrix"]
