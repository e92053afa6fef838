"""Reference disease signatures: a published DE table or an up/down gene list, read in whatever
columns it has and mapped onto the dataset's genes (across species through orthologs).

A reference lets a study without a healthy arm (disease + vehicle vs disease + drug) ask
whether the drug moves the disease back, and lets a mouse study ask whether it moves the
*human* disease back. Every reference gene is accounted for: mapped one-to-one, ambiguous
(several orthologs either way), without ortholog, or absent from the tested genes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputError
from ..settings import ReferenceSpec
from . import orthologs as orthologs_reader
from . import reference_tables, text
from .geneids import strip_versions
from .reference_tables import OPTIONS, WHAT

log = logging.getLogger(__name__)

COLUMNS = ("gene", "log2FC", "se", "padj", "selected")


def read_table(spec: ReferenceSpec) -> pd.DataFrame:
    """A published DE table as gene, log2FC, se, padj, selected (by the spec's thresholds).

    Columns are found by ``reference_tables.table_columns`` (the check the workflow ran before
    any job). The standard error comes from a standard-error column, else from the statistic,
    else from the p-value (|log2FC| / z); without any of them it is missing and effects are
    not shrunk. What was done to any row is logged and kept in ``attrs["notes"]``.
    """
    path = Path(spec.path)
    columns, sep = reference_tables.table_columns(
        path, spec.name, {option: getattr(spec, option) for option in OPTIONS.values()}
    )
    table = text.read_frame(
        path,
        WHAT,
        sep,
        fix="save the table as comma- (.csv) or tab-separated (.tsv/.txt) text, optionally .gz",
        index_col=False,
        usecols=list(dict.fromkeys(c for c in columns.values() if c)),
    )
    notes: list[str] = []
    out = pd.DataFrame(
        {
            "gene": strip_versions(table[columns["gene"]].fillna("").astype(str).str.strip()),
            "log2FC": _numbers(table, columns["log2FC"], path),
            "padj": _numbers(table, columns["padj"], path),
        }
    )
    out["se"] = _standard_errors(table, columns, out["log2FC"], path, notes)
    empty = (out["gene"].isin(["", "nan"])) | out["log2FC"].isna()
    if empty.any():
        notes.append(f"{int(empty.sum())} rows without a gene or a log2FC left out")
    out = out[~empty]
    out["padj"] = out["padj"].fillna(1.0)  # DESeq2's filtered genes: not significant
    duplicated = out["gene"].duplicated(keep=False)
    if duplicated.any():
        notes.append(
            f"{int(out.loc[duplicated, 'gene'].nunique())} genes appear more than once; the row "
            "with the smallest padj is kept"
        )
        out = out.sort_values("padj", kind="stable").drop_duplicates("gene")
    out["selected"] = (out["padj"] < spec.padj) & (out["log2FC"].abs() >= spec.min_abs_log2fc)
    for note in notes:
        log.info("%s: %s", spec.name, note)
    out = out.reset_index(drop=True)[list(COLUMNS)]
    out.attrs["notes"] = notes
    return out


_DECIMAL_COMMA = re.compile(r"^[-+]?\d*,\d+([eE][-+]?\d+)?$")


def _numbers(table: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """A numeric column; cells that are neither numbers nor blank/NA are refused by name (a
    decimal comma would otherwise turn every value into "missing")."""
    values = table[column]
    parsed = pd.to_numeric(values, errors="coerce")
    bad = values.notna() & parsed.isna()
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        value = str(values.iloc[first])
        comma = bool(_DECIMAL_COMMA.match(value.strip()))
        raise InputError(
            f"{int(bad.sum())} value(s) in column {column!r} are not numbers, e.g. row "
            f"{first + 2}: {value!r}" + (" (a decimal comma)" if comma else ""),
            source=str(path),
            fix="write numbers with a decimal point (1.5, not 1,5): in a spreadsheet, export "
            "with English number format"
            if comma
            else "leave a missing value blank or NA, and write every other value as a number",
        )
    return parsed.astype(float)


def _standard_errors(
    table: pd.DataFrame,
    columns: dict[str, str | None],
    log2fc: pd.Series,
    path: Path,
    notes: list[str],
) -> pd.Series:
    if columns["se"]:
        return _numbers(table, columns["se"], path)
    if columns["stat"]:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (log2fc / _numbers(table, columns["stat"], path)).abs()
    if columns["pvalue"]:
        p = _numbers(table, columns["pvalue"], path)
        zero = p == 0
        if zero.any():
            # published p = 0: below the table's precision. Taken at the smallest positive p
            # the table prints, the standard error |log2FC| / z is an upper bound
            smallest = float(p[p > 0].min()) if (p > 0).any() else 1e-300
            p = p.where(~zero, smallest)
            notes.append(
                f"{int(zero.sum())} rows with p = 0 (below the table's precision) were given "
                f"the smallest p in the table, {smallest:.3g}, so their standard errors "
                "(|log2FC| / z) are upper bounds"
            )
        z = stats.norm.isf(p.clip(upper=1) / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (log2fc.abs() / z).where(z > 0)
    notes.append("no standard error, statistic or p-value column: disease effects are not shrunk")
    return pd.Series(np.nan, index=table.index)


def read_gene_list(spec: ReferenceSpec) -> pd.DataFrame:
    """An up/down gene list as a signature of ±1 effects (no magnitudes, no standard errors)."""
    genes = {"up": _list(spec.up, spec, "up"), "down": _list(spec.down, spec, "down")}
    both = set(genes["up"]) & set(genes["down"])
    if both:
        raise InputError(
            f"{len(both)} gene(s) are in both the up and the down list: "
            f"{', '.join(sorted(both)[:5])}",
            source=f"reference_signatures.{spec.name}",
            fix="put every gene in one direction only",
        )
    rows = [(g, 1.0) for g in genes["up"]] + [(g, -1.0) for g in genes["down"]]
    table = pd.DataFrame(rows, columns=["gene", "log2FC"])
    table["se"], table["padj"], table["selected"] = np.nan, 0.0, True
    table = table[list(COLUMNS)]
    table.attrs["notes"] = []
    return table


def _list(entry, spec: ReferenceSpec, direction: str) -> list[str]:
    if entry is None:
        return []
    if isinstance(entry, list):
        return list(dict.fromkeys(str(g).strip() for g in entry if str(g).strip()))
    return reference_tables.gene_list_file(entry, spec.name, direction)


def read_reference(spec: ReferenceSpec) -> pd.DataFrame:
    """The reference as gene, log2FC, se, padj, selected — from a table or a gene list."""
    table = read_table(spec) if spec.kind == "table" else read_gene_list(spec)
    if not table["selected"].any():
        raise InputError(
            f"no gene passes padj < {spec.padj} and |log2FC| ≥ {spec.min_abs_log2fc}",
            source=f"reference_signatures.{spec.name}",
            fix="loosen reference_signatures.<name>.padj or .min_abs_log2fc",
        )
    return table


# --- onto the data's genes ----------------------------------------------------------------------

NO_STANDARD_ERROR = "no usable standard error"  # set by the reversal step (blank, 0 or inf)
STATUSES = (
    "mapped",
    "ambiguous ortholog",
    "no ortholog",
    "not among the tested genes",
    NO_STANDARD_ERROR,
)


@dataclass
class MappedReference:
    """The reference on the data's genes, and what happened to every reference gene."""

    signature: pd.DataFrame  # data gene, reference gene, log2FC, se, padj, selected
    mapping: pd.DataFrame  # reference gene, data gene, status (one row per reference gene)
    notes: list[str] = field(default_factory=list)  # what reading did to rows (logged, reported)

    def counts(self) -> dict[str, int]:
        """Reference genes (all and selected) by what happened to them."""
        out = {"reference_genes": len(self.mapping)}
        selected = self.mapping["selected"]
        out["selected_genes"] = int(selected.sum())
        for status in STATUSES:
            key = status.replace(" ", "_")
            out[key] = int((self.mapping["status"] == status).sum())
            out[f"selected_{key}"] = int((selected & (self.mapping["status"] == status)).sum())
        return out


def map_to_data(
    reference: pd.DataFrame,
    spec: ReferenceSpec,
    data_symbols: pd.Series,
    data_species: str,
    orthologs: pd.DataFrame | None,
) -> MappedReference:
    """Reference genes → data gene IDs: through one-to-one orthologs when the species differ
    (``spec.orthologs: any`` also keeps one-to-many pairs), then by symbol or gene ID.

    ``data_symbols`` maps the tested genes' IDs to symbols.
    """
    names = reference["gene"].tolist()
    translated: dict[str, str | None] = {}
    status: dict[str, str] = {}
    if spec.species != data_species:
        if orthologs is None:
            raise InputError(
                f"a {spec.species} reference on {data_species} data needs an ortholog table",
                source=f"reference_signatures.{spec.name}",
                fix="set gene_sets.orthologs",
            )
        pairs = orthologs_reader.pairs(
            orthologs, spec.species, data_species, f"reference_signatures.{spec.name}"
        )
        forward = pairs.groupby(spec.species)[data_species].agg(list).to_dict()
        backward = pairs.groupby(data_species)[spec.species].nunique().to_dict()
        for name in names:
            targets = forward.get(name, [])
            one_to_one = len(targets) == 1 and backward.get(targets[0], 0) == 1
            if not targets:
                status[name] = "no ortholog"
            elif one_to_one or spec.orthologs == "any":
                translated[name] = targets[0]
            else:
                status[name] = "ambiguous ortholog"
    else:
        translated = {name: name for name in names}
    by_symbol: dict[str, str] = {}
    for gene_id, symbol in data_symbols.items():
        by_symbol.setdefault(str(symbol), str(gene_id))
        by_symbol.setdefault(str(gene_id), str(gene_id))
    data_gene = {}
    for name, target in translated.items():
        gene = by_symbol.get(target) if target else None
        if gene is None:
            status[name] = "not among the tested genes"
        else:
            data_gene[name] = gene
            status[name] = "mapped"
    mapping = pd.DataFrame(
        {
            "reference_gene": names,
            "data_gene": [data_gene.get(n, "") for n in names],
            "status": [status[n] for n in names],
            "selected": reference["selected"].to_numpy(),
        }
    )
    signature = reference.assign(data_gene=mapping["data_gene"].to_numpy())
    signature = signature[mapping["status"].to_numpy() == "mapped"]
    # two reference genes on one data gene (possible with orthologs: any): keep the stronger
    signature = signature.sort_values("padj", kind="stable").drop_duplicates("data_gene")
    signature = signature.rename(columns={"gene": "reference_gene"}).reset_index(drop=True)
    result = MappedReference(signature, mapping, list(reference.attrs.get("notes", [])))
    counts = result.counts()
    log.info(
        "%s: %d reference genes (%d selected): %d mapped, %d ambiguous orthologs, %d without "
        "ortholog, %d not among the tested genes",
        spec.name,
        counts["reference_genes"],
        counts["selected_genes"],
        counts["mapped"],
        counts["ambiguous_ortholog"],
        counts["no_ortholog"],
        counts["not_among_the_tested_genes"],
    )
    if counts["selected_mapped"] == 0:
        raise InputError(
            f"none of the {counts['selected_genes']} selected reference genes maps to a tested "
            f"gene of the data ({counts['selected_no_ortholog']} without ortholog, "
            f"{counts['selected_ambiguous_ortholog']} ambiguous, "
            f"{counts['selected_not_among_the_tested_genes']} not tested)",
            source=f"reference_signatures.{spec.name}",
            fix="check the reference's species and gene column, or set orthologs: any",
        )
    return result
