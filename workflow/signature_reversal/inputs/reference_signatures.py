"""Reference disease signatures: a published DE table or an up/down gene list, read in whatever
columns it has and mapped onto the dataset's genes (across species through orthologs).

A reference lets a study without a healthy arm (disease + vehicle vs disease + drug) ask
whether the drug moves the disease back, and lets a mouse study ask whether it moves the
*human* disease back. Every reference gene is accounted for: mapped one-to-one, ambiguous
(several orthologs either way), without ortholog, or absent from the tested genes.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputError, require_file
from ..settings import ReferenceSpec
from .geneids import strip_versions
from .preflight import REFERENCE_ALIASES as ALIASES

log = logging.getLogger(__name__)

COLUMNS = ("gene", "log2FC", "se", "padj", "selected")


def _separator(path: Path) -> str:
    return "," if ".csv" in [s.lower() for s in path.suffixes] else "\t"


def _find(
    table: pd.DataFrame, role: str, configured: str | None, spec: ReferenceSpec
) -> str | None:
    """The column playing ``role``: the configured name, else the first alias present."""
    if configured:
        if configured not in table.columns:
            raise InputError(
                f"column {configured!r} (reference_signatures.{spec.name}.{role}_column) not "
                f"found; the table has: {', '.join(map(str, table.columns))}",
                source=spec.path,
                fix=f"set reference_signatures.{spec.name}.{role}_column to one of these",
            )
        return configured
    return next((name for name in ALIASES[role] if name in table.columns), None)


def read_table(spec: ReferenceSpec) -> pd.DataFrame:
    """A published DE table as gene, log2FC, se, padj, selected (by the spec's thresholds).

    The standard error comes from a standard-error column, else from the statistic, else from
    the p-value (|log2FC| / z); without any of them it is missing and effects are not shrunk.
    """
    path = Path(spec.path)
    require_file(path, "reference signature", f"reference_signatures.{spec.name}.path")
    try:
        table = pd.read_csv(path, sep=_separator(path), encoding="utf-8-sig", comment="#")
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as err:
        raise InputError(
            f"cannot be read as a {'CSV' if _separator(path) == ',' else 'TSV'} table ({err})",
            source=str(path),
            fix="save the table as comma- (.csv) or tab-separated (.tsv/.txt) text, optionally .gz",
        ) from err
    found = {
        "gene": _find(table, "gene", spec.gene_column, spec),
        "log2FC": _find(table, "log2FC", spec.log2fc_column, spec),
        "padj": _find(table, "padj", spec.padj_column, spec),
    }
    missing = [role for role, column in found.items() if column is None]
    if missing:
        raise InputError(
            f"no column for {', '.join(missing)}; the table has: "
            f"{', '.join(map(str, table.columns))}",
            source=str(path),
            fix="name the columns in the config: "
            + ", ".join(
                f"reference_signatures.{spec.name}.{role.lower()}_column" for role in missing
            ),
        )
    out = pd.DataFrame(
        {
            "gene": strip_versions(table[found["gene"]].astype(str).str.strip()),
            "log2FC": pd.to_numeric(table[found["log2FC"]], errors="coerce"),
            "padj": pd.to_numeric(table[found["padj"]], errors="coerce"),
        }
    )
    out["se"] = _standard_errors(table, out["log2FC"], spec)
    empty = (out["gene"].isin(["", "nan"])) | out["log2FC"].isna()
    if empty.any():
        log.info("%s: %d rows without a gene or a log2FC left out", spec.name, int(empty.sum()))
    out = out[~empty]
    out["padj"] = out["padj"].fillna(1.0)  # DESeq2's filtered genes: not significant
    duplicated = out["gene"].duplicated(keep=False)
    if duplicated.any():
        log.info(
            "%s: %d genes appear more than once; the row with the smallest padj is kept",
            spec.name,
            int(out.loc[duplicated, "gene"].nunique()),
        )
        out = out.sort_values("padj", kind="stable").drop_duplicates("gene")
    out["selected"] = (out["padj"] < spec.padj) & (out["log2FC"].abs() >= spec.min_abs_log2fc)
    return out.reset_index(drop=True)[list(COLUMNS)]


def _standard_errors(table: pd.DataFrame, log2fc: pd.Series, spec: ReferenceSpec) -> pd.Series:
    column = _find(table, "se", spec.se_column, spec)
    if column:
        return pd.to_numeric(table[column], errors="coerce")
    stat = _find(table, "stat", None, spec)
    if stat:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (log2fc / pd.to_numeric(table[stat], errors="coerce")).abs()
    pvalue = _find(table, "pvalue", None, spec)
    if pvalue:
        z = stats.norm.isf(pd.to_numeric(table[pvalue], errors="coerce").clip(1e-300, 1) / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (log2fc.abs() / z).where(z > 0)
    log.warning(
        "%s: no standard error, statistic or p-value column: disease effects are not shrunk",
        spec.name,
    )
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
    return table[list(COLUMNS)]


def _list(entry, spec: ReferenceSpec, direction: str) -> list[str]:
    if entry is None:
        return []
    if isinstance(entry, list):
        return list(dict.fromkeys(str(g).strip() for g in entry if str(g).strip()))
    path = Path(entry)
    require_file(path, f"{direction} gene list", f"reference_signatures.{spec.name}.{direction}")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return list(dict.fromkeys(line.split("\t")[0].strip() for line in lines if line.strip()))


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

STATUSES = (
    "mapped",
    "ambiguous ortholog",
    "no ortholog",
    "not among the tested genes",
)


@dataclass
class MappedReference:
    """The reference on the data's genes, and what happened to every reference gene."""

    signature: pd.DataFrame  # data gene, reference gene, log2FC, se, padj, selected
    mapping: pd.DataFrame  # reference gene, data gene, status (one row per reference gene)

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
        pairs = orthologs[[spec.species, data_species]].drop_duplicates()
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
    result = MappedReference(signature=signature, mapping=mapping)
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
    if not math.isfinite(counts["selected_mapped"]) or counts["selected_mapped"] == 0:
        raise InputError(
            f"none of the {counts['selected_genes']} selected reference genes maps to a tested "
            f"gene of the data ({counts['selected_no_ortholog']} without ortholog, "
            f"{counts['selected_ambiguous_ortholog']} ambiguous, "
            f"{counts['selected_not_among_the_tested_genes']} not tested)",
            source=f"reference_signatures.{spec.name}",
            fix="check the reference's species and gene column, or set orthologs: any",
        )
    return result
