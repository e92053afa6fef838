"""Typed settings of each stage, built once from the validated config.

The config schema (``workflow/schemas/config.schema.yaml``) is the one source of defaults:
Snakemake's ``validate`` fills them into the config, and ``from_config`` fills the same
defaults for a section given by hand (tests, a stage run from the command line), so no default
is restated in code.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "config.schema.yaml"


@functools.cache
def _schema() -> dict:
    return yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))


def _node(*path: str) -> dict:
    node = _schema()
    for key in path:
        node = node["additionalProperties"] if key == "*" else node["properties"][key]
    return node


def schema_defaults(*path: str) -> dict[str, Any]:
    """The defaults the schema declares for the object at ``path``.

    Parameters
    ----------
    path
        Keys from the top of the config, ``"*"`` standing for any entry of a mapping
        (e.g. ``("datasets", "*", "single_cell")``).
    """
    properties = _node(*path).get("properties", {})
    return {k: v["default"] for k, v in properties.items() if "default" in v}


def refuse_unknown_keys(section: Mapping[str, Any] | None, *path: str) -> None:
    """A key the schema does not know is a typo (``permutation`` for ``permutations``) that
    would otherwise be ignored without a word: refuse it, naming the valid keys."""
    known = _node(*path).get("properties", {})
    unknown = sorted(set(section or {}) - set(known))
    if unknown:
        where = ".".join("<name>" if key == "*" else key for key in path) or "the config"
        raise InputError(
            f"unknown key(s) {', '.join(map(repr, unknown))} in {where}",
            source="the settings given to the stage",
            fix=f"use the keys of {where} in workflow/schemas/config.schema.yaml: "
            + ", ".join(sorted(known)),
        )


def _build(cls, section: Mapping[str, Any] | None, *path: str):
    """``cls`` from a config section, missing keys taken from the schema's defaults; keys the
    schema does not know are refused."""
    refuse_unknown_keys(section, *path)
    values = {**schema_defaults(*path), **(section or {})}
    return cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})


@dataclass(frozen=True)
class DESettings:
    """Differential expression (config ``de``; a dataset's ``design`` overrides the design)."""

    design: str
    alpha: float
    min_count: int
    min_samples: int | None
    engine: str
    fit: str  # joint | per_contrast

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> DESettings:
        return _build(cls, section, "de")


@dataclass(frozen=True)
class EnrichmentSettings:
    """Preranked GSEA and over-representation (config ``enrichment``)."""

    rank_by: str
    permutations: int
    ora_padj: float
    ora_min_abs_log2fc: float
    min_size: int
    max_size: int
    seed: int
    engine: str  # vectorized | gseapy
    multilevel: bool = True  # fgsea's multilevel p-values where permutations are too coarse
    multilevel_sample_size: int = 101
    multilevel_eps: float = 1e-50

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> EnrichmentSettings:
        return _build(cls, section, "enrichment")


@dataclass(frozen=True)
class GeneSetCollection:
    """One GMT file: its short name, path and the species of its gene symbols."""

    name: str
    path: str
    species: str


@dataclass(frozen=True)
class GeneSetSettings:
    """Gene-set collections (curated first), the ortholog table and the annotation folder."""

    collections: tuple[GeneSetCollection, ...]
    orthologs: str | None
    annotation_dir: str | None

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> GeneSetSettings:
        refuse_unknown_keys(section, "gene_sets")
        curated = section["curated"]
        collections = [GeneSetCollection("curated", curated["path"], curated["species"])]
        collections += [
            GeneSetCollection(e["name"], e["path"], e["species"])
            for e in section.get("extra") or []
        ]
        return cls(tuple(collections), section.get("orthologs"), section.get("annotation_dir"))

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.collections]


@dataclass(frozen=True)
class VerdictRule:
    """Thresholds of the reversal verdict (config ``reversal``); printed in the report."""

    alpha: float
    disease_padj: float
    disease_min_abs_log2fc: float
    min_disease_genes: int
    full_reversal_slope: float
    full_reversal_fraction: float
    negligible_slope: float  # |slope| below this is not worth a word
    negligible_fraction: float  # |fraction restored| below this is not worth a word
    gene_set_disease_fdr: float
    null_method: str  # auto | rotation | relabelling
    permutations: int  # null draws
    calibration_worlds: int  # bootstrap worlds per value of the truth
    seed: int
    sequential_exceedances: int = 20  # Besag-Clifford: stop the null once each tail has this many

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None = None, **overrides) -> VerdictRule:
        """The rule from a config section; ``overrides`` replace single thresholds."""
        return _build(cls, {**(section or {}), **overrides}, "reversal")


@dataclass(frozen=True)
class ReportSettings:
    """Title, the note shown on simulated data, and the questions the verdict answers."""

    title: str
    simulated_note: str
    questions: dict[str, list[str]] | None = None

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> ReportSettings:
        return _build(cls, section, "report")


@dataclass(frozen=True)
class SingleCellSettings:
    """How to read a cells × genes AnnData (config ``datasets.<name>.single_cell``)."""

    sample_column: str
    condition_column: str
    cell_type_column: str | None
    min_cells: int
    counts_layer: str | None  # None: 'counts' layer, then .raw, then X if integer
    qc: Mapping[str, Any] = field(default_factory=dict)  # cell QC thresholds (cell_qc)
    max_embedded_cells: int = 50_000  # UMAP and per-cell scores on a subsample above this

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> SingleCellSettings:
        return _build(cls, section, "datasets", "*", "single_cell")


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset's input settings (config ``datasets.<name>``)."""

    path: str
    samples: str | None
    kind: str  # counts | normalized
    species: str
    orientation: str  # auto | genes_by_samples | samples_by_genes
    gene_id_column: str | None
    symbol_column: str | None
    duplicate_genes: str  # refuse | sum
    non_integer_counts: str  # refuse | round (tximport/salmon estimated counts)
    log_transform: str  # normalized data: auto | always | never
    single_cell: SingleCellSettings
    single_cell_configured: bool  # a single_cell section forces pseudobulk

    @classmethod
    def from_config(cls, entry: Mapping[str, Any]) -> DatasetSpec:
        refuse_unknown_keys(entry, "datasets", "*")
        values = {
            "samples": None,
            "gene_id_column": None,
            "symbol_column": None,
            **schema_defaults("datasets", "*"),
            **entry,
        }
        values["single_cell"] = SingleCellSettings.from_config(entry.get("single_cell"))
        values["single_cell_configured"] = bool(entry.get("single_cell"))
        return cls(**{f.name: values[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class LoadSettings:
    """What the load stage needs: the dataset, the role labels, and how to check it."""

    dataset: DatasetSpec
    conditions: dict[str, str]
    min_replicates: int
    cell_type: str | None  # one cell type of a single-cell dataset, or None
    annotation_dir: str | None  # Ensembl → symbol tables
    others: tuple[str, ...] = ()  # a multi-arm study's other groups, kept in the model

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> LoadSettings:
        """From ``{"dataset", "conditions", "min_replicates", "cell_type", "annotation_dir"}``."""
        unknown = sorted(set(section) - {f.name for f in fields(cls)})
        if unknown:
            raise InputError(
                f"unknown key(s) {', '.join(map(repr, unknown))} in the load settings",
                source="the settings given to the load stage",
                fix="use: " + ", ".join(f.name for f in fields(cls)),
            )
        return cls(
            dataset=DatasetSpec.from_config(section["dataset"]),
            conditions=dict(section["conditions"]),
            min_replicates=section.get("min_replicates", schema_defaults()["min_replicates"]),
            cell_type=section.get("cell_type"),
            annotation_dir=section.get("annotation_dir"),
            others=tuple(section.get("others", ())),
        )


@dataclass(frozen=True)
class ReferenceSpec:
    """A reference disease signature (config ``reference_signatures.<name>``): a published DE
    table, or up/down gene lists, with its own thresholds."""

    name: str
    kind: str  # table | gene_list
    path: str | None
    up: str | list | None
    down: str | list | None
    species: str
    gene_column: str | None
    log2fc_column: str | None
    padj_column: str | None
    se_column: str | None
    padj: float
    min_abs_log2fc: float
    orthologs: str  # one_to_one | any
    description: str

    @classmethod
    def from_config(cls, name: str, entry: Mapping[str, Any]) -> ReferenceSpec:
        refuse_unknown_keys(entry, "reference_signatures", "*")
        values = {
            "name": name,
            "path": None,
            "up": None,
            "down": None,
            "gene_column": None,
            "log2fc_column": None,
            "padj_column": None,
            "se_column": None,
            **schema_defaults("reference_signatures", "*"),
            **entry,
        }
        values["kind"] = "gene_list" if entry.get("up") or entry.get("down") else "table"
        return cls(**{f.name: values[f.name] for f in fields(cls)})
