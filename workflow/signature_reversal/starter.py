"""``signature-reversal init``: a starter config and sample sheet from a count table.

A new user has a table (nf-core/rnaseq's ``salmon.merged.gene_counts.tsv``, a GEO GeneID
table, featureCounts output, …) and knows which groups are healthy, diseased and treated. This
writes what the workflow needs from that — a sample sheet and a commented config that runs as
written — so the first run does not start with the schema. Species, gene-ID kind, value kind
(integer counts, estimated counts, normalized) and the symbol column are read off the table;
groups come from a sample sheet or from the sample names (``ctrl_1, ctrl_2`` → ``ctrl``); the
roles of the groups are the user's to say (``--control/--disease/--treatment``).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .inputs import expression_tables, sample_sheet
from .inputs.geneids import annotation_file, read_annotation

SHIPPED_ANNOTATION = Path(__file__).resolve().parents[2] / "config" / "annotation"
REPLICATE_SUFFIX = re.compile(r"([_.\- ]?(rep|r|replicate|s|sample)?[_.\- ]?\d+)$", re.IGNORECASE)


@dataclass
class TableFacts:
    """What the table says about itself."""

    samples: list[str]
    id_column: str
    symbol_column: str | None
    id_kind: str  # ensembl | entrez | symbol
    species: str
    kind: str  # counts | normalized
    non_integer: bool
    featurecounts: bool


def read_table(path: Path) -> tuple[pd.DataFrame, bool]:
    """The table as strings, featureCounts' annotation dropped and its BAM columns renamed
    as the load step renames them."""
    table = expression_tables.read_raw_table(path)
    featurecounts = expression_tables.is_featurecounts(table)
    if featurecounts:
        table = table.drop(columns=list(expression_tables.FEATURECOUNTS_ANNOTATION))
        table = table.rename(
            columns={c: expression_tables._sample_name_from_bam(c) for c in table.columns[1:]}
        )
    return table, featurecounts


def numeric_columns(table: pd.DataFrame) -> list[str]:
    """Columns whose every cell is a number: the samples."""
    return [c for c in table.columns[1:] if pd.to_numeric(table[c], errors="coerce").notna().all()]


def detect_species(
    ids: pd.Series, symbols: pd.Series | None, annotation_dir: Path, given: str | None = None
) -> tuple[str, str]:
    """(ID kind, species) from the IDs (Ensembl prefix, NCBI GeneIDs looked up in the shipped
    tables, symbol case); ``given`` (the user's --species) skips the look-up."""
    sample = ids.astype(str).head(5000)
    if sample.str.match(r"^ENSMUSG\d").mean() > 0.5:
        return "ensembl", "mouse"
    if sample.str.match(r"^ENSG\d").mean() > 0.5:
        return "ensembl", "human"
    if sample.str.fullmatch(r"\d+").mean() > 0.5:
        if given:
            return "entrez", given
        hits = {}
        for species in ("mouse", "human"):
            table = annotation_file(annotation_dir, species, "entrez")
            known = (
                set(read_annotation(table, "entrez").index.astype(str)) if table.exists() else set()
            )
            hits[species] = sample.isin(known).mean()
        species = max(hits, key=hits.get)
        if hits[species] < 0.2:
            raise InputError(
                "the gene IDs are numbers but few are mouse or human NCBI GeneIDs",
                source="the table's first column",
                fix="give the table gene symbols or Ensembl IDs, or pass --species",
            )
        return "entrez", species
    names = symbols.astype(str).head(5000) if symbols is not None else sample
    upper = names.str.fullmatch(r"[A-Z][A-Z0-9-]+").mean()
    capitalised = names.str.fullmatch(r"[A-Z][a-z0-9-]+[a-z0-9]*").mean()
    return "symbol", "human" if upper > capitalised else "mouse"


def describe_table(
    path: Path, annotation_dir: Path = SHIPPED_ANNOTATION, species: str | None = None
) -> TableFacts:
    table, featurecounts = read_table(path)
    samples = numeric_columns(table)
    if len(samples) < 4:
        raise InputError(
            f"found {len(samples)} numeric sample columns ({', '.join(samples) or 'none'})",
            source=str(path),
            fix="give a genes × samples table: gene IDs first, one numeric column per sample",
        )
    id_column = str(table.columns[0])
    symbol_column = next(
        (
            c
            for c in table.columns[1:]
            if c not in samples and c.lower() in expression_tables.SYMBOL_COLUMN_NAMES
        ),
        None,
    )
    symbols = table[symbol_column] if symbol_column else None
    id_kind, detected = detect_species(table[id_column], symbols, annotation_dir, species)
    species = species or detected
    values = table[samples].apply(pd.to_numeric).to_numpy(dtype=float)
    integer = bool(np.all(values == np.round(values)))
    negative = bool((values < 0).any())
    high = float(np.nanmax(values)) if values.size else 0.0
    counts = not negative and (integer or high > 1000)
    return TableFacts(
        samples=samples,
        id_column=id_column,
        symbol_column=symbol_column,
        id_kind=id_kind,
        species=species,
        kind="counts" if counts else "normalized",
        non_integer=counts and not integer,
        featurecounts=featurecounts,
    )


def groups_from_names(samples: Sequence[str]) -> dict[str, str]:
    """sample → group, by dropping a replicate number from the end of each name."""
    groups = {s: REPLICATE_SUFFIX.sub("", s) or s for s in samples}
    sizes = Counter(groups.values())
    if max(sizes.values()) < 2:
        raise InputError(
            "the sample names do not show the groups (no two names share a stem once a "
            f"trailing replicate number is removed: {', '.join(list(samples)[:6])} …)",
            source="the table's sample columns",
            fix="write a sample sheet (columns sample, condition) and pass it with --samples",
        )
    return groups


@dataclass
class Roles:
    control: str | None
    disease: str
    treatments: list[str]


def check_roles(roles: Roles | None, groups: dict[str, str]) -> Roles:
    """The roles named on the command line, each an existing group."""
    sizes = Counter(groups.values())
    listed = ", ".join(f"{g} ({n})" for g, n in sizes.items())
    if roles is None:
        raise InputError(
            f"groups found: {listed}. Say which is which",
            source="signature-reversal init",
            fix="add --control <healthy group> --disease <untreated disease group> "
            "--treatment <treated group> [more treated groups] (--control may be left out "
            "for a study without healthy samples)",
        )
    for label in [roles.control, roles.disease, *roles.treatments]:
        if label is not None and label not in sizes:
            close = difflib.get_close_matches(label, list(sizes), n=1)
            raise InputError(
                f"no group {label!r}" + (f" (did you mean {close[0]!r}?)" if close else ""),
                source="signature-reversal init",
                fix=f"use the groups found: {listed}",
            )
    return roles


def sheet_rows(groups: dict[str, str]) -> str:
    lines = ["sample\tcondition"] + [f"{s}\t{g}" for s, g in groups.items()]
    return "\n".join(lines) + "\n"


def config_text(
    name: str, table: Path, sheet: Path, facts: TableFacts, roles: Roles, groups: dict[str, str]
) -> str:
    """The starter config: what was detected, the roles, and the next things to edit."""
    sizes = Counter(groups.values())
    ids = {"ensembl": "Ensembl gene IDs", "entrez": "NCBI GeneIDs", "symbol": "gene symbols"}
    treatment = (
        roles.treatments[0]
        if len(roles.treatments) == 1
        else "[" + ", ".join(roles.treatments) + "]"
    )
    conditions = ([f"control: {roles.control}"] if roles.control else []) + [
        f"disease: {roles.disease}",
        f"treatment: {treatment}",
    ]
    unused = [g for g in sizes if g not in {roles.control, roles.disease, *roles.treatments}]
    dataset = [
        f"    path: {table}",
        f"    samples: {sheet}",
        f"    species: {facts.species} # detected from the {ids[facts.id_kind]}",
        f"    kind: {facts.kind}"
        + (" # integer counts" if facts.kind == "counts" and not facts.non_integer else ""),
    ]
    if facts.non_integer:
        dataset[-1] += " # estimated counts (salmon/RSEM): rounded, as DESeq2 needs"
        dataset.append("    non_integer_counts: round")
    if facts.symbol_column:
        dataset.append(f"    symbol_column: {facts.symbol_column} # symbols for gene sets")
    lines = [
        f"# Starter config for {table}, written by `signature-reversal init`.",
        "# Run:  snakemake --cores 2 --configfile <this file>",
        "# Every other key has a default (README 'Your own data'; all keys with their defaults:",
        "# workflow/schemas/config.schema.yaml).",
        "",
        "datasets:",
        f"  {name}:",
        *dataset,
        "",
        f"# groups in {sheet}: " + ", ".join(f"{g} ({n} samples)" for g, n in sizes.items()),
    ]
    if unused:
        lines.append(f"# not analysed (no role): {', '.join(unused)}")
    if not roles.control:
        lines.append(
            "# no control: a two-arm study; add reference_signatures for its disease signature"
        )
    lines += [
        "conditions:",
        *(f"  {c}" for c in conditions),
        "",
        "# Gene sets judged one by one (default: MSigDB Hallmark, 50 sets, human symbols mapped",
        "# to the data's species). Your own pathways, and questions the report answers first:",
        "# gene_sets:",
        "#   curated: {path: my_pathways.gmt, species: human}",
        "# report:",
        "#   title: My disease and my drug",
        "#   questions:",
        "#     fibrosis: [HALLMARK_EPITHELIAL_MESENCHYMAL_TRANSITION, HALLMARK_TGF_BETA_SIGNALING]",
        "",
        "# A published disease signature to judge the treatment against as well:",
        "# reference_signatures:",
        "#   my_reference: {path: published_deseq2_table.tsv.gz, species: human}",
        "",
    ]
    return "\n".join(lines)


def write_starter(
    table: Path,
    out: Path,
    roles: Roles | None,
    samples: Path | None = None,
    name: str | None = None,
    species: str | None = None,
) -> tuple[Path, Path]:
    """Write the starter config (and, without ``samples``, a sheet); return both paths."""
    facts = describe_table(table, species=species)
    if samples is not None:
        sheet = sample_sheet.read(samples)
        groups = dict(zip(sheet.samples, sheet.column("condition"), strict=True))
        sheet_path = samples
    else:
        groups = groups_from_names(facts.samples)
        sheet_path = out.with_name(out.stem + "_samples.tsv")
    roles = check_roles(roles, groups)
    name = name or re.sub(r"[^A-Za-z0-9_-]+", "_", table.name.split(".")[0]).strip("_") or "my_data"
    for path in {out, sheet_path} if samples is None else {out}:
        if path.exists():
            raise InputError(
                "exists already; not overwritten",
                source=str(path),
                fix="remove it, or choose another name with --out",
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    if samples is None:
        sheet_path.write_text(sheet_rows(groups))
    out.write_text(config_text(name, table, sheet_path, facts, roles, groups))
    return out, sheet_path
