"""Drug-signature libraries in the formats people have, in the data's genes.

- a **GMT pair** (``up:`` and ``down:`` files with the same signature names), as CMap's top-100
  lists, cogena and Enrichr's LINCS libraries ship them;
- one **GMT** whose set names end in ``_up`` / ``_down`` (or ``_dn``, `` up`` / `` down``).

Each signature's annotation (compound, cell line, dose, time, mechanism of action) comes from
an optional table (column ``signature`` plus any of those), else from CMap's naming,
``compound@cellline#dose_instance`` (e.g. ``dexamethasone@MCF7#1e-06M_123``). Genes are mapped
onto the data as gene-set collections are (through orthologs when the species differ); a
signature with no gene left on a side keeps it empty and scores NaN, counted in the log.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from ..inputs import text
from ..inputs.gene_sets import prepare_for_data
from ..inputs.gmt import GeneSet, read_gmt

log = logging.getLogger(__name__)

ANNOTATION_COLUMNS = ("compound", "cell_line", "dose", "time", "moa")
SUFFIX = re.compile(r"^(?P<name>.+?)[_ ](?P<side>up|down|dn)$", re.IGNORECASE)
CMAP_NAME = re.compile(r"^(?P<compound>[^@]+)@(?P<cell_line>[^#]+)#(?P<dose>.+)_(?P<id>[^_]+)$")


@dataclass(frozen=True)
class LibrarySpec:
    """One entry of config ``drug_libraries``."""

    name: str
    species: str
    up: str | None = None
    down: str | None = None
    gmt: str | None = None
    matrix: str | None = None  # GCT / GCTX
    tags: int = 100  # matrix libraries: the user's genes on each side of a query
    annotation: str | None = None
    description: str = ""
    licence: str = ""

    @classmethod
    def from_config(cls, name: str, section: dict) -> LibrarySpec:
        known = {f for f in cls.__dataclass_fields__ if f != "name"}
        return cls(name=name, **{k: v for k, v in section.items() if k in known})


@dataclass
class Library:
    """Signatures (rows of ``annotation``, in order) and their up and down gene lists."""

    name: str
    annotation: pd.DataFrame  # signature, compound, cell_line, dose, time, moa
    up: list[tuple[str, ...]]
    down: list[tuple[str, ...]]


def read_library(spec: LibrarySpec, key: str = "drug_libraries") -> Library:
    """The library's signatures and annotation, from whichever format the config names."""
    where = f"{key}.{spec.name}"
    if spec.up and spec.down:
        up = {s.name: s.genes for s in read_gmt(spec.up, f"{where}.up")}
        down = {s.name: s.genes for s in read_gmt(spec.down, f"{where}.down")}
    elif spec.gmt:
        up, down = _split_sides(read_gmt(spec.gmt, f"{where}.gmt"), spec.gmt)
    else:
        raise InputError(
            f"drug library {spec.name!r} names no signature file",
            source=where,
            fix="give 'up:' and 'down:' GMT files, or one 'gmt:' whose set names end in _up "
            "or _down",
        )
    names = list(dict.fromkeys([*up, *down]))
    one_sided = [n for n in names if n not in up or n not in down]
    if one_sided:
        log.warning(
            "%s: %d signature(s) have only one side (scored NaN): %s",
            spec.name,
            len(one_sided),
            ", ".join(one_sided[:5]),
        )
    annotation = annotate(names, spec)
    return Library(
        spec.name,
        annotation,
        [tuple(up.get(n, ())) for n in names],
        [tuple(down.get(n, ())) for n in names],
    )


def _split_sides(sets: list[GeneSet], path: str) -> tuple[dict, dict]:
    up, down, unmatched = {}, {}, []
    for gene_set in sets:
        match = SUFFIX.match(gene_set.name)
        if not match:
            unmatched.append(gene_set.name)
            continue
        side = up if match["side"].lower() == "up" else down
        side[match["name"]] = gene_set.genes
    if unmatched:
        raise InputError(
            f"{len(unmatched)} set name(s) do not end in _up or _down, e.g. {unmatched[0]!r}",
            source=path,
            fix="name each signature's sets NAME_up and NAME_down, or give 'up:' and 'down:' files",
        )
    return up, down


def from_names(names: list[str]) -> pd.DataFrame:
    """The annotation CMap's names carry (compound@cell_line#dose_id); else the name is the
    compound."""
    rows = []
    for name in names:
        match = CMAP_NAME.match(name)
        row = {"signature": name, **dict.fromkeys(ANNOTATION_COLUMNS, "")}
        if match:
            row.update(compound=match["compound"], cell_line=match["cell_line"], dose=match["dose"])
        else:
            row["compound"] = name
        rows.append(row)
    return pd.DataFrame(rows, columns=["signature", *ANNOTATION_COLUMNS])


def annotate(names: list[str], spec: LibrarySpec, table: pd.DataFrame | None = None):
    """``table`` (else what the names carry), overwritten by the library's annotation table
    for the signatures it lists."""
    table = from_names(names) if table is None else table
    if spec.annotation:
        file = text.require_file(spec.annotation, "annotation table", f"drug_libraries.{spec.name}")
        given = pd.read_csv(file, sep=None, engine="python", dtype=str).fillna("")
        if "signature" not in given.columns:
            raise InputError(
                "the annotation table has no 'signature' column (it has: "
                f"{', '.join(given.columns)})",
                source=str(file),
                fix="name the column of signature names 'signature'",
            )
        given = given.drop_duplicates("signature").set_index("signature")
        known = table["signature"].isin(given.index)
        for column in ANNOTATION_COLUMNS:
            if column in given.columns:
                table.loc[known, column] = table.loc[known, "signature"].map(given[column])
        log.info("%s: annotation for %d of %d signatures", spec.name, known.sum(), len(table))
    return table


@dataclass
class PreparedLibrary:
    """The library on the data's tested genes: per signature, indices into ``genes``."""

    name: str
    annotation: pd.DataFrame
    up: list[np.ndarray]
    down: list[np.ndarray]
    coverage: str  # one line for the log and the report


def on_own_genes(library: Library) -> tuple[PreparedLibrary, pd.Index]:
    """The library on its own genes (every gene any signature lists), for rankings already in
    its species and IDs: a published signature's, or a simulation's."""
    genes = pd.Index(sorted({g for side in (library.up, library.down) for s in side for g in s}))
    index = {g: i for i, g in enumerate(genes)}
    sides = [
        [np.array([index[g] for g in s], int) for s in side] for side in (library.up, library.down)
    ]
    return PreparedLibrary(library.name, library.annotation, *sides, ""), genes


def matrix_gene_ids(
    matrix,
    species: str,
    data_species: str,
    symbols: pd.Series,
    orthologs: pd.DataFrame | None,
) -> list[tuple[str, ...]]:
    """Per gene of a matrix library (in its order): the data's gene IDs it maps to (through
    orthologs, symbols or IDs, as gene sets are mapped)."""
    mapped, _ = prepare_for_data(
        [GeneSet(g, "", (g,)) for g in matrix.genes],
        species,
        data_species,
        symbols,
        orthologs,
        f"drug library {matrix.name}",
    )
    return [one.genes for one in mapped]


def prepare(
    library: Library,
    species: str,
    data_species: str,
    symbols: pd.Series,
    genes: pd.Index,
    orthologs: pd.DataFrame | None,
) -> PreparedLibrary:
    """Map every signature onto the data's tested genes (``genes``; ``symbols`` by gene ID).

    Each distinct library gene is mapped once, as a one-gene set through the gene-set mapping
    (orthologs, symbols, IDs; and its error when nothing matches), and the signatures are
    assembled from those: 12,200 lists of 100 genes share about 13,000 distinct genes."""
    index = {g: i for i, g in enumerate(genes.astype(str))}
    distinct = list(
        dict.fromkeys(g for side in (library.up, library.down) for s in side for g in s)
    )
    mapped, _ = prepare_for_data(
        [GeneSet(g, "", (g,)) for g in distinct],
        species,
        data_species,
        symbols,
        orthologs,
        f"drug library {library.name}",
    )
    lookup = {one.name: [index[g] for g in one.genes if g in index] for one in mapped}
    sides = [
        [np.array(list(dict.fromkeys(i for g in s for i in lookup[g])), int) for s in side]
        for side in (library.up, library.down)
    ]
    given = sum(len(s) for s in library.up + library.down)
    kept = sum(len(s) for s in sides[0] + sides[1])
    coverage = (
        f"{len(library.annotation):,} signatures of "
        f"{library.annotation['compound'].nunique():,} compounds; {kept:,} of {given:,} "
        "signature genes are among the data's tested genes"
    )
    log.info("%s: %s", library.name, coverage)
    return PreparedLibrary(library.name, library.annotation, sides[0], sides[1], coverage)
