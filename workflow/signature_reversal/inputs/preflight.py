"""Checks of every configured input while the workflow is built, before any job runs.

A bad sample sheet, a missing file or a malformed gene-set file should cost the user seconds,
not a DE run, and leave nothing behind. Every check here is the reader of its file kind (or
the part of it that needs no data): the job reads the file with the same functions, so a file
that passes here cannot fail there for a reason this could have seen. Everything imported
here uses the standard library only, so the workflow can run it before any (conda)
environment exists; the checks that need the data's genes (do the gene sets overlap them?)
run in the first job, the load step.

Every problem is one message naming the file, the row or column, the value and the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from ..errors import InputError
from ..errors import InputError as PreflightError
from ..study import study_of
from . import gmt, orthologs, reference_tables, sample_sheet, text

__all__ = ["PreflightError", "check_config"]


def check_config(config: Mapping, config_name: str) -> None:
    """Every input the config names: sheets, data files, gene sets, tables, references."""
    for name, dataset in config["datasets"].items():
        prefix = f"datasets.{name}"
        path = str(dataset["path"])
        if path.endswith(".h5ad"):
            text.require_file(path, "expression file", f"{prefix}.path", config_name)
            header = None
        else:
            header, _ = text.table_header(
                path, "expression file", "sample column", f"{prefix}.path", config_name
            )
        if dataset.get("samples"):
            sheet = sample_sheet.read(dataset["samples"], f"{prefix}.samples", config_name)
            own = "conditions" in dataset
            conditions = dataset["conditions"] if own else config.get("conditions")
            if conditions:
                key = f"{prefix}.conditions" if own else "conditions"
                check_labels_in_sheet(sheet, conditions, key, config_name)
                if header is not None and dataset.get("orientation", "auto") != "samples_by_genes":
                    check_sheet_against_header(sheet, header, conditions, path)
        elif not path.endswith(".h5ad"):
            raise InputError(
                "a table needs a sample sheet",
                source=f"{prefix} in {config_name}",
                fix=f"add 'samples: path/to/samples.tsv' under {prefix}",
            )
    gene_sets = config["gene_sets"]
    gmt.read_gmt(gene_sets["curated"]["path"], "gene_sets.curated.path", config_name)
    for number, extra in enumerate(gene_sets.get("extra") or []):
        gmt.read_gmt(extra["path"], f"gene_sets.extra[{number}].path", config_name)
    if gene_sets.get("orthologs"):
        orthologs.check(gene_sets["orthologs"], config_name)
    for name, reference in (config.get("reference_signatures") or {}).items():
        reference_tables.check(name, reference, config_name)
    for name, library in (config.get("drug_libraries") or {}).items():
        check_drug_library(name, library, config_name)


def check_drug_library(name: str, library: Mapping, config_name: str) -> None:
    """A library names its signatures one way (a GMT pair, one GMT, or a GCT/GCTX matrix),
    and each file exists."""
    key = f"drug_libraries.{name}"
    given = [
        form
        for form, present in (
            ("up/down", library.get("up") and library.get("down")),
            ("gmt", library.get("gmt")),
            ("matrix", library.get("matrix")),
        )
        if present
    ]
    if len(given) != 1:
        raise InputError(
            "a drug library needs its signature files"
            if not given
            else f"a drug library names its signatures one way, not {' and '.join(given)}",
            source=f"{key} in {config_name}",
            fix="give 'up:' and 'down:' GMT files, or one 'gmt:' whose set names end in _up "
            "or _down, or one 'matrix:' (.gct or .gctx)",
        )
    for part in ("up", "down", "gmt", "matrix", "annotation"):
        if library.get(part):
            text.require_file(library[part], "drug library file", f"{key}.{part}", config_name)


def check_sheet_against_header(
    sheet: sample_sheet.Sheet, header: list[str], conditions: Mapping, path: str
) -> None:
    """Every sample the analysis uses (its condition plays a role) is a column of the table.

    A table whose header holds none of the sheet's names may be samples × genes
    (``orientation: auto``): the load step decides that from its first column.
    """
    labels = set(study_of(conditions).labels)
    used = [
        sample
        for sample, condition in zip(sheet.samples, sheet.column("condition"), strict=True)
        if condition in labels
    ]
    columns = set(header[1:])
    missing = [s for s in used if s not in columns]
    if not missing or len(missing) == len(used) and not columns.intersection(sheet.samples):
        return
    hints = []
    for sample in missing[:5]:
        close = difflib.get_close_matches(sample, header[1:], n=1)
        hints.append(f"'{sample}'" + (f" (the table has '{close[0]}')" if close else ""))
    raise InputError(
        f"{len(missing)} sample(s) of the sample sheet {sheet.source} are not columns of the "
        f"table: {', '.join(hints)}{' …' if len(missing) > 5 else ''}",
        source=path,
        fix="make the sheet's 'sample' names equal to the table's column headers (or remove "
        "those rows from the sheet)",
    )


def condition_keys(conditions: Mapping, key: str) -> list[tuple[str, str]]:
    """(config key, label) of every condition label: conditions.control, …treatment[1],
    …pairs.day7.disease."""
    found = []
    for role, value in conditions.items():
        if role in ("ordered", "placebo"):
            continue
        if role == "pairs":
            for pair, labels in value.items():
                found += [(f"{key}.pairs.{pair}.{r}", str(v)) for r, v in labels.items()]
        elif isinstance(value, list):
            found += [(f"{key}.{role}[{i}]", str(v)) for i, v in enumerate(value)]
        else:
            found.append((f"{key}.{role}", str(value)))
    return found


def check_labels_in_sheet(
    sheet: sample_sheet.Sheet, conditions: Mapping, key: str, config_name: str
) -> None:
    """Every configured condition label is a condition of the sheet: a typo costs seconds."""
    found = sorted(set(sheet.column("condition")))
    for where, label in condition_keys(conditions, key):
        if label not in found:
            close = difflib.get_close_matches(label, found, n=1)
            raise InputError(
                f"{where} is {label!r} in the config, but no sample of {sheet.source} has "
                "that condition" + (f" (the sheet has {close[0]!r})" if close else ""),
                source=config_name,
                fix=f"use one of the sheet's conditions: {', '.join(found)}",
            )
