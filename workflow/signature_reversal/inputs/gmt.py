"""GMT gene-set files: the one reader (standard library only; the workflow runs it before any
job, the stages read the same way) and the writer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from . import text


@dataclass(frozen=True)
class GeneSet:
    """A named gene set, its provenance note, and its member genes (in file order)."""

    name: str
    description: str
    genes: tuple[str, ...]


def read_gmt(
    path: str | Path, key: str = "gene_sets", config_name: str | None = None
) -> list[GeneSet]:
    """Every set of a GMT file (name, description, genes… per tab-separated line; optionally
    gzipped). A line without a gene, a repeated set name, an empty file and text that is not
    UTF-8 are refused with the line and the fix."""
    file = text.require_file(path, "gene-set file", key, config_name)
    sets: dict[str, GeneSet] = {}
    lines: dict[str, int] = {}
    for number, line in text.numbered_lines(file, "gene-set file"):
        fields = [f.strip() for f in line.split("\t")]
        if not any(fields):
            continue
        genes = tuple(dict.fromkeys(g for g in fields[2:] if g))
        if len(fields) < 3 or not genes:
            raise InputError(
                f"line {number} has {len(fields)} tab-separated field(s) and "
                f"{len(genes)} gene(s); a GMT line needs a name, a description and at least "
                "one gene",
                source=str(file),
                fix="separate fields with tabs: NAME<TAB>DESCRIPTION<TAB>GENE1<TAB>GENE2…",
            )
        name = fields[0]
        if name in sets:
            raise InputError(
                f"lines {lines[name]} and {number}: set {name!r} appears twice",
                source=str(file),
                fix="give every set in the file a unique name",
            )
        sets[name], lines[name] = GeneSet(name, fields[1], genes), number
    if not sets:
        raise InputError(
            "the gene-set file holds no set",
            source=str(file),
            fix="point the config at a GMT file with at least one set, or remove it",
        )
    return list(sets.values())


def write_gmt(sets: Iterable[GeneSet], path: str | Path) -> None:
    """Write sets as GMT, one line each."""
    with Path(path).open("w", encoding="utf-8") as handle:
        for gene_set in sets:
            handle.write("\t".join([gene_set.name, gene_set.description, *gene_set.genes]) + "\n")
