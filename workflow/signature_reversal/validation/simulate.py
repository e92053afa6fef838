"""Seeded negative-binomial simulation of control / disease / treatment skin RNA-seq counts.

Effects are planted so that tests and the bundled example have a known answer: disease changes
whole gene sets (e.g. JAK-STAT up, barrier down) plus a random background, and the treatment
either moves a known fraction of disease genes back to control, does nothing, or worsens them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

TreatmentMode = Literal["reverse", "none", "aggravate"]


@dataclass(frozen=True)
class PlantedSet:
    """A gene set that disease shifts in one direction."""

    genes: tuple[str, ...]
    direction: Literal[1, -1]
    fraction_affected: float = 0.7
    reversal_fraction: float | None = None  # overrides the global one for this set
    # every member at least this expressed (mean count at the average library size), so a
    # pathway the report asks about is tested rather than lost to the low-count filter
    min_base_mean: float = 0.0


@dataclass(frozen=True)
class SimulationSpec:
    """Everything that defines a simulated dataset; equal specs give identical data."""

    n_per_group: int = 5
    seed: int = 1
    treatment: TreatmentMode = "reverse"
    reversal_fraction: float = 0.7
    aggravation_factor: float = 0.6
    background_disease_fraction: float = 0.04
    treatment_only_fraction: float = 0.005
    lfc_min: float = 1.0
    lfc_extra_mean: float = 0.6
    log_mean_expression: float = 4.5
    sd_log_mean_expression: float = 2.0
    dispersion_asymptote: float = 0.05
    dispersion_extra: float = 1.0
    library_size: float = 2.0e7
    library_size_cv: float = 0.25
    # co-regulated genes: modules of this many genes share a per-sample log2 shift of this SD
    module_size: int = 0
    module_sd: float = 0.0
    # a batch effect: samples alternate between two batches within each group; batch 2 shifts
    # every gene by a log2 amount drawn with this SD (the sheet gets a 'batch' column)
    batch_sd: float = 0.0
    # draw the samples from their own stream: the same truth (planted effects, expression,
    # dispersions) with independent counts, e.g. for an independent reference study
    noise_seed: int | None = None
    labels: Mapping[str, str] = field(
        default_factory=lambda: {"control": "control", "disease": "eczema", "treatment": "nmn"}
    )
    # further treated arms (a multi-arm study): label → their effect as a multiple of the
    # treatment's (0.5: half of every treatment effect; 0: disease samples); drawn after the
    # three groups from their own stream, so those stay as they are; no sample structure
    further_arms: Mapping[str, float] = field(default_factory=dict)


@dataclass
class SimulatedData:
    """Counts (genes × samples), the sample sheet, and the per-gene truth."""

    counts: pd.DataFrame
    samples: pd.DataFrame
    truth: pd.DataFrame


def simulate(
    gene_names: Sequence[str],
    planted: Mapping[str, PlantedSet],
    spec: SimulationSpec = SimulationSpec(),
) -> SimulatedData:
    """Simulate a three-group count matrix with planted disease and treatment effects.

    ``truth`` has, per gene, the true log2 fold changes ``disease_lfc`` (disease vs control)
    and ``treatment_lfc`` (treatment vs disease), and the planted set it belongs to.
    """
    rng = np.random.default_rng(spec.seed)
    genes = pd.Index(gene_names, name="gene")
    if genes.has_duplicates:
        raise ValueError("gene_names must be unique")
    n_genes = len(genes)
    truth = pd.DataFrame(index=genes)
    truth["planted_set"] = ""
    truth["disease_lfc"] = 0.0

    def magnitudes(size: int) -> np.ndarray:
        return spec.lfc_min + rng.exponential(spec.lfc_extra_mean, size)

    reversal_fraction = pd.Series(spec.reversal_fraction, index=genes)
    for name, planted_set in planted.items():
        members = [g for g in planted_set.genes if g in genes and not truth.at[g, "planted_set"]]
        chosen = rng.permutation(members)[: round(planted_set.fraction_affected * len(members))]
        truth.loc[chosen, "planted_set"] = name
        truth.loc[chosen, "disease_lfc"] = planted_set.direction * magnitudes(len(chosen))
        if planted_set.reversal_fraction is not None:
            reversal_fraction[chosen] = planted_set.reversal_fraction

    free = truth.index[truth["planted_set"] == ""]
    n_background = round(spec.background_disease_fraction * n_genes)
    background = rng.choice(free, size=min(n_background, len(free)), replace=False)
    truth.loc[background, "disease_lfc"] = rng.choice([-1, 1], len(background)) * magnitudes(
        len(background)
    )

    disease_genes = truth.index[truth["disease_lfc"] != 0]
    truth["treatment_lfc"] = 0.0
    if spec.treatment == "reverse":
        reverted = rng.random(len(disease_genes)) < reversal_fraction[disease_genes].to_numpy()
        picked = disease_genes[reverted]
        truth.loc[picked, "treatment_lfc"] = -truth.loc[picked, "disease_lfc"]
    elif spec.treatment == "aggravate":
        truth.loc[disease_genes, "treatment_lfc"] = (
            spec.aggravation_factor * truth.loc[disease_genes, "disease_lfc"]
        )
    elif spec.treatment != "none":
        raise ValueError(f"unknown treatment mode {spec.treatment!r}")
    unaffected = truth.index[truth["disease_lfc"] == 0]
    n_own = round(spec.treatment_only_fraction * n_genes)
    own = rng.choice(unaffected, size=min(n_own, len(unaffected)), replace=False)
    truth.loc[own, "treatment_lfc"] = rng.choice([-1, 1], len(own)) * magnitudes(len(own))

    base_mean = np.exp(rng.normal(spec.log_mean_expression, spec.sd_log_mean_expression, n_genes))
    for planted_set in planted.values():
        if planted_set.min_base_mean > 0:
            members = genes.get_indexer([g for g in planted_set.genes if g in genes])
            scale = spec.library_size / base_mean.sum()  # mean count per unit of base_mean
            base_mean[members] = np.maximum(base_mean[members], planted_set.min_base_mean / scale)
    truth["base_mean"] = base_mean
    log2_effect = {
        "control": np.zeros(n_genes),
        "disease": truth["disease_lfc"].to_numpy(),
        "treatment": (truth["disease_lfc"] + truth["treatment_lfc"]).to_numpy(),
    }
    proportion = base_mean / base_mean.sum()
    dispersion = (spec.dispersion_asymptote + spec.dispersion_extra / base_mean) * np.exp(
        rng.normal(0, 0.3, n_genes)
    )

    size = 1.0 / dispersion
    if spec.noise_seed is not None:
        rng = np.random.default_rng([spec.seed, 2, spec.noise_seed])
    # sample-level structure draws from its own stream, so data without it stay as they were
    structure = _SampleStructure(spec, n_genes, 3 * spec.n_per_group)
    columns, rows = [], []
    for role in ("control", "disease", "treatment"):
        label = spec.labels[role]
        for replicate in range(1, spec.n_per_group + 1):
            sample = f"{label}_{replicate}"
            library = spec.library_size * np.exp(rng.normal(0, spec.library_size_cv))
            shift = structure.log2_shift(len(columns), replicate)
            mu = library * proportion * np.exp2(log2_effect[role] + shift)
            columns.append(rng.negative_binomial(size, size / (size + mu)))
            row = {"sample": sample, "condition": label, "replicate": replicate}
            if spec.batch_sd > 0:
                row["batch"] = structure.batch_of(replicate)
            rows.append(row)
    arm_rng = np.random.default_rng([spec.seed, 3, spec.noise_seed or 0])
    for label, scale in spec.further_arms.items():
        truth[f"treatment_lfc_{label}"] = scale * truth["treatment_lfc"]
        effect = truth["disease_lfc"].to_numpy() + truth[f"treatment_lfc_{label}"].to_numpy()
        for replicate in range(1, spec.n_per_group + 1):
            library = spec.library_size * np.exp(arm_rng.normal(0, spec.library_size_cv))
            mu = library * proportion * np.exp2(effect)
            columns.append(arm_rng.negative_binomial(size, size / (size + mu)))
            rows.append(
                {"sample": f"{label}_{replicate}", "condition": label, "replicate": replicate}
            )
    counts = pd.DataFrame(
        np.column_stack(columns), index=genes, columns=[r["sample"] for r in rows]
    )
    samples = pd.DataFrame(rows)
    return SimulatedData(counts=counts, samples=samples, truth=truth)


def write(data: SimulatedData, folder: Path) -> None:
    """counts.tsv.gz, samples.tsv and truth.tsv.gz in ``folder``, byte-reproducible (gzip
    without a time stamp)."""
    folder.mkdir(parents=True, exist_ok=True)
    gzip = {"method": "gzip", "mtime": 0}
    data.counts.to_csv(folder / "counts.tsv.gz", sep="\t", compression=gzip)
    data.samples.to_csv(folder / "samples.tsv", sep="\t", index=False)
    data.truth.to_csv(folder / "truth.tsv.gz", sep="\t", float_format="%.4g", compression=gzip)
    log.info(
        "simulated %d genes × %d samples into %s",
        data.counts.shape[0],
        data.counts.shape[1],
        folder,
    )


class _SampleStructure:
    """Co-regulated gene modules and a batch effect: per-sample log2 shifts of each gene."""

    def __init__(self, spec: SimulationSpec, n_genes: int, n_samples: int):
        rng = np.random.default_rng([spec.seed, 1])
        self.module_effect = np.zeros((n_genes, n_samples))
        if spec.module_size > 0 and spec.module_sd > 0:
            module_of = rng.permutation(n_genes) // spec.module_size
            shared = rng.normal(0, spec.module_sd, (module_of.max() + 1, n_samples))
            self.module_effect = shared[module_of]
        self.batch_effect = rng.normal(0, spec.batch_sd, n_genes) if spec.batch_sd > 0 else None

    @staticmethod
    def batch_of(replicate: int) -> str:
        return f"b{2 - replicate % 2}"

    def log2_shift(self, column: int, replicate: int) -> np.ndarray:
        shift = self.module_effect[:, column]
        if self.batch_effect is not None and self.batch_of(replicate) == "b2":
            shift = shift + self.batch_effect
        return shift


def gene_universe(n_genes: int, named: Sequence[str] = ()) -> list[str]:
    """``named`` genes first, then placeholder names ``Gene00001``… up to ``n_genes``."""
    names = list(dict.fromkeys(named))
    filler = (f"Gene{i:05d}" for i in range(1, n_genes + 1))
    names.extend(g for g in filler if len(names) < n_genes)
    return names[:n_genes]


# Planted pattern of the bundled example, after the NMN-in-eczema study: disease raises JAK-STAT
# and ROS genes and lowers antioxidant and barrier genes; the treatment restores each set with
# the given per-gene probability (other disease genes: SimulationSpec.reversal_fraction).
SKIN_PATTERN = {
    "SKIN_JAK_STAT_AD_SIGNALING": (1, 0.8),
    "SKIN_ROS_OXIDATIVE_STRESS": (1, 0.8),
    "SKIN_NRF2_ANTIOXIDANT_RESPONSE": (-1, 0.7),
    "SKIN_BARRIER_CORNIFIED_ENVELOPE": (-1, 0.6),
    "SKIN_BARRIER_TIGHT_JUNCTION": (-1, 0.5),
}


# The bundled example also plants the pathway that motivates NMN: eczema lowers NAD+
# metabolism genes, NMN restores them; the set is kept expressed enough to be tested (Nampt,
# a typical salvage gene, would otherwise often fall to the low-count filter).
EXAMPLE_NAD_SET = ("NAD_METABOLISM", -1, 0.7, 150.0)


def skin_planted_sets(
    gene_sets: Mapping[str, Sequence[str]], fraction_affected: float = 0.7
) -> dict[str, PlantedSet]:
    """The example's planted sets, taken from a curated GMT (sets it lacks are skipped)."""
    return {
        name: PlantedSet(tuple(gene_sets[name]), direction, fraction_affected, reversal)
        for name, (direction, reversal) in SKIN_PATTERN.items()
        if name in gene_sets
    }


def example_dataset(
    gene_sets_path: str,
    n_genes: int = 15000,
    n_per_group: int = 5,
    seed: int = 1,
    treatment: TreatmentMode = "reverse",
    gene_names: str | None = None,
    gene_column: str = "mouse",
    further_arms: Mapping[str, float] | None = None,
) -> SimulatedData:
    """A dataset like the bundled example: the skin pattern planted on a curated GMT's sets;
    ``further_arms``: more treated groups (label → effect relative to the treatment's).

    Gene names: every set's genes first, then (``gene_names``, a TSV) real symbols from its
    ``gene_column`` in seeded random order, then placeholders.
    """
    from ..inputs.gmt import read_gmt

    sets = {s.name: s.genes for s in read_gmt(gene_sets_path)}
    planted = skin_planted_sets(sets)
    name, direction, reversal, min_base_mean = EXAMPLE_NAD_SET
    if name in sets:
        planted[name] = PlantedSet(sets[name], direction, 0.7, reversal, min_base_mean)
    named = [g for s in planted.values() for g in s.genes] + [g for s in sets.values() for g in s]
    if gene_names:
        table = pd.read_csv(gene_names, sep="\t", usecols=[gene_column])
        real = sorted(set(table[gene_column].dropna().astype(str)))
        named += list(np.random.default_rng(seed).permutation(real))
    spec = SimulationSpec(
        n_per_group=n_per_group,
        seed=seed,
        treatment=treatment,
        further_arms=dict(further_arms or {}),
    )
    return simulate(gene_universe(n_genes, named), planted, spec)
