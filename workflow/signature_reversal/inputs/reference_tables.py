"""Reference signatures as files: which columns of a published DE table play which role, and
the genes of an up/down gene-list file. Standard library only: the workflow runs the same
functions before any job that the reference step reads with (``reference_signatures``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ..errors import InputError
from . import text

WHAT = "reference signature"
# column names as DESeq2, edgeR, limma, Seurat and common exports write them
ALIASES = {
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
REQUIRED = ("gene", "log2FC", "padj")
# config option naming each role's column
OPTIONS = {
    "gene": "gene_column",
    "log2FC": "log2fc_column",
    "padj": "padj_column",
    "se": "se_column",
}


def table_columns(
    path: str | Path,
    name: str,
    configured: Mapping[str, str | None],
    config_name: str | None = None,
) -> tuple[dict[str, str | None], str]:
    """Role → column of a reference table (gene, log2FC, padj required; se, pvalue, stat when
    present) and the table's delimiter. ``configured`` holds the config's ``*_column`` options
    (by option name); a configured column must exist, the others are found by their usual
    names."""
    key = f"reference_signatures.{name}"
    file = Path(path)
    header, sep = text.table_header(file, WHAT, key=f"{key}.path", config_name=config_name)
    found: dict[str, str | None] = {}
    for role, aliases in ALIASES.items():
        option = OPTIONS.get(role)
        chosen = configured.get(option) if option else None
        if chosen:
            if chosen not in header:
                raise InputError(
                    f"column {chosen!r} ({key}.{option}) not found; the table has: "
                    f"{', '.join(header)}",
                    source=str(file),
                    fix=f"set {key}.{option} to one of these",
                )
            found[role] = chosen
        else:
            found[role] = next((alias for alias in aliases if alias in header), None)
    missing = [role for role in REQUIRED if found[role] is None]
    if missing:
        raise InputError(
            f"no column for {', '.join(missing)}; the table has: {', '.join(header)}",
            source=str(file),
            fix="name the columns in the config: "
            + ", ".join(f"{key}.{OPTIONS[role]}" for role in missing),
        )
    return found, sep


_SEPARATORS = re.compile(r"[,;\t ]+")


def gene_list_file(path: str | Path, name: str, direction: str, config_name: str | None = None):
    """The genes of a gene-list file: one or more per line, separated by commas, semicolons,
    tabs or spaces; ``#`` starts a comment (gene names never hold one); a header line named
    ``gene``/``symbol`` is skipped."""
    what = f"{direction} gene list"
    file = text.require_file(path, what, f"reference_signatures.{name}.{direction}", config_name)
    genes: list[str] = []
    for _, line in text.numbered_lines(file, what):
        for gene in _SEPARATORS.split(line.split("#", 1)[0].strip()):
            if gene and gene.strip('"') and gene.strip('"').lower() not in ("gene", "symbol"):
                genes.append(gene.strip('"'))
    if not genes:
        raise InputError(
            f"the {what} holds no gene",
            source=str(file),
            fix="write one gene symbol per line (or several separated by commas)",
        )
    return list(dict.fromkeys(genes))


def check(name: str, reference: Mapping, config_name: str | None = None) -> None:
    """The checks the workflow runs before any job on one reference's files."""
    for direction in ("up", "down"):
        if isinstance(reference.get(direction), str):
            gene_list_file(reference[direction], name, direction, config_name)
    if reference.get("path"):
        table_columns(reference["path"], name, reference, config_name)
