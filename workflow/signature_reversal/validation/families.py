"""Families of data-generating processes for the robustness study, and plasmode data.

The reversal figures must hold on data whose shape nobody here chose, so the study does not
rest on one simulator. Each family changes one thing a real study has and the project's own
simulator lacks (``simulate`` plants every disease effect at |log2FC| ≥ 1 on a fixed
dispersion trend):

- effect sizes spread continuously through the selection threshold (gamma, normal mixture,
  heavy-tailed t), sparse and dense signatures, more up than down genes;
- dispersion–mean relations from near-Poisson to strongly overdispersed, with genes scattered
  around the trend; many low-count genes;
- a shift in library composition caused by disease, an unmodelled batch, one outlier sample,
  a disease group more variable than the others, co-regulated gene modules;
- **pseudobulk of few cells in unequal numbers** (single-cell studies): each sample the sum of
  5–80 cells of one type, so its depth and its technical noise vary sixteen-fold between
  samples (sum of c cells with negative-binomial noise of dispersion φ: dispersion φ / c);
- and **plasmode** data: real counts (GSE248978, 16 mouse skin samples) assigned at random to
  the three groups, with effects planted by binomial thinning (Gerard, BMC Bioinformatics 2020,
  "Data-based RNA-seq simulations by binomial thinning"; the seqgendiff package), so the real
  means, dispersions, library sizes and gene-gene correlation are kept as they are.

Every dataset is counts (genes × samples), a sample sheet and the per-gene truth
(``disease_lfc`` D and ``treatment_lfc`` T on the log2 scale), as ``simulate.SimulatedData``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .simulate import SimulatedData

LABELS = {"control": "control", "disease": "eczema", "treatment": "nmn"}
PLASMODE_COUNTS = Path(__file__).resolve().parents[3] / "data" / "gse248978"


@dataclass(frozen=True)
class Family:
    """One data-generating process. Defaults: a moderately overdispersed NB study whose
    disease effects (10% of genes) are gamma-distributed through the |log2FC| = 1 threshold."""

    name: str
    # disease signature: fraction of genes changed, size distribution, share going up
    de_fraction: float = 0.10
    effect: str = "gamma"  # gamma | mixture | t | exponential
    effect_scale: float = 0.55
    up_share: float = 0.6
    # expression and dispersion: log mean ~ N(log(mean_count), sd_log_mean); α = a0 + a1 / μ
    mean_count: float = 150.0
    sd_log_mean: float = 1.8
    dispersion_a0: float = 0.05
    dispersion_a1: float = 1.0
    dispersion_scatter: float = 0.5  # SD of log α around the trend
    library_cv: float = 0.3
    # awkward features (0 = absent)
    composition_shift: float = 0.0  # log2 rise of the 1% most expressed genes in disease
    batch_sd: float = 0.0  # unmodelled batch: two batches across all groups, per-gene log2 SD
    outlier_sd: float = 0.0  # one sample with per-gene log2 noise of this SD
    disease_dispersion_factor: float = 1.0  # the disease group's dispersion multiplied by this
    module_size: int = 0  # co-regulated modules sharing a per-sample log2 shift …
    module_sd: float = 0.0  # … of this SD
    reversal_spread: float = 0.0  # per-gene reversal fraction ~ Beta around the scenario's
    # paired samples: replicate i of every group is patient i, shifted by a per-gene log2
    # effect of this SD (the sheet gets a 'patient' column, the design ~patient + condition)
    patient_sd: float = 0.0
    # pseudobulk: each sample sums this many cells (log-uniform between the two), each cell's
    # counts negative binomial with dispersion cell_dispersion around the sample's profile
    # divided by cell_share (a cell holds about 1/30 of a bulk sample's counts)
    cells_per_sample: tuple[int, int] = (0, 0)
    cell_dispersion: float = 1.0
    cell_share: float = 30.0
    plasmode: bool = False
    # plasmode groups each mixing mice of different biological states (GSE248978's day × arm),
    # as heterogeneous real cohorts do, instead of a random draw of the 16 mice
    mixed_states: bool = False


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("gamma effects"),
        Family("normal-mixture effects", effect="mixture"),
        Family("heavy-tailed effects", effect="t", effect_scale=0.45),
        Family("sparse signature", de_fraction=0.02, effect_scale=0.7),
        Family("dense signature", de_fraction=0.35, effect="exponential", effect_scale=0.5),
        Family("near-Poisson", dispersion_a0=0.005, dispersion_a1=0.5, dispersion_scatter=0.2),
        Family("strongly overdispersed", dispersion_a0=0.3, dispersion_a1=2.0),
        Family("scattered dispersions", dispersion_scatter=1.0),
        Family("many low counts", mean_count=25.0, sd_log_mean=2.0),
        Family("composition shift", composition_shift=2.0),
        Family("unmodelled batch", batch_sd=0.35),
        Family("one outlier sample", outlier_sd=0.6),
        Family("variable disease group", disease_dispersion_factor=3.0),
        Family("correlated modules", module_size=50, module_sd=0.35),
        Family("unequal reversal across genes", reversal_spread=1.0),
        Family("pseudobulk, few unequal cells", cells_per_sample=(5, 80)),
        Family("plasmode GSE248978", plasmode=True),
        Family("plasmode GSE248978, mixed groups", plasmode=True, mixed_states=True),
    )
}


@dataclass(frozen=True)
class Treatment:
    """What the treatment does: reverse a fraction of every disease effect (0 = nothing),
    aggravate (negative fraction), and/or change genes disease left alone (off-signature)."""

    name: str
    reversal: float = 0.0
    off_signature_fraction: float = 0.0


TREATMENTS: dict[str, Treatment] = {
    t.name: t
    for t in (
        Treatment("no effect"),
        Treatment("off-signature", off_signature_fraction=0.05),
        Treatment("30% reversal", reversal=0.3),
        Treatment("70% reversal", reversal=0.7),
        Treatment("aggravation", reversal=-0.6),
    )
}


def _effects(family: Family, n_genes: int, rng: np.random.Generator) -> np.ndarray:
    """Disease log2 fold changes: most genes 0, the changed ones continuous through ±1."""
    changed = rng.random(n_genes) < family.de_fraction
    n = int(changed.sum())
    if family.effect == "gamma":
        size = rng.gamma(2.0, family.effect_scale, n)
    elif family.effect == "mixture":
        wide = rng.random(n) < 0.4
        size = np.abs(np.where(wide, rng.normal(0, 1.6, n), rng.normal(0, 0.6, n)))
    elif family.effect == "t":
        size = np.abs(rng.standard_t(3, n)) * family.effect_scale + 0.1
    elif family.effect == "exponential":
        size = rng.exponential(family.effect_scale, n)
    else:
        raise ValueError(f"unknown effect distribution {family.effect!r}")
    sign = np.where(rng.random(n) < family.up_share, 1.0, -1.0)
    effects = np.zeros(n_genes)
    effects[changed] = sign * size
    return effects


def _treatment_effects(
    disease: np.ndarray, family: Family, treatment: Treatment, rng: np.random.Generator
) -> np.ndarray:
    fraction = np.full(len(disease), treatment.reversal)
    if family.reversal_spread > 0 and treatment.reversal > 0:
        # per-gene fractions ~ Beta with the scenario's mean: some genes fully, some barely
        concentration = 2.0 / family.reversal_spread
        fraction = rng.beta(
            concentration * treatment.reversal,
            concentration * (1 - treatment.reversal),
            len(disease),
        )
    effects = -fraction * disease
    if treatment.off_signature_fraction:
        untouched = np.flatnonzero(disease == 0)
        hit = rng.choice(
            untouched, int(treatment.off_signature_fraction * len(disease)), replace=False
        )
        effects[hit] = rng.choice([-1, 1], len(hit)) * rng.gamma(2.0, 0.5, len(hit))
    return effects


def extra_labels(n_extra: int) -> list[str]:
    """Condition labels of further treated arms (a multi-arm study): drug_b, drug_c, …"""
    return [f"drug_{chr(ord('b') + i)}" for i in range(n_extra)]


def _sheet(n_per_group: int, n_extra: int = 0) -> pd.DataFrame:
    rows = [
        {"sample": f"{label}_{i + 1}", "condition": label, "replicate": i + 1}
        for label in [*LABELS.values(), *extra_labels(n_extra)]
        for i in range(n_per_group)
    ]
    return pd.DataFrame(rows)


def generate(
    family: Family,
    treatment: Treatment,
    n_per_group: int,
    seed: int,
    n_genes: int = 8000,
    noise_seed: int | None = None,
    extra: tuple[Treatment, ...] = (),
) -> SimulatedData:
    """One dataset of a family under a treatment scenario (seeded: same arguments, same data).
    ``noise_seed``: the same truth (effects, expression, dispersions) with independent samples,
    e.g. an independent reference study. ``extra``: further treated arms of a multi-arm study
    (labels ``extra_labels``; their effects in ``treatment_lfc_<label>`` of the truth)."""
    if family.plasmode:
        return plasmode(treatment, n_per_group, seed, n_genes, extra, family.mixed_states)
    rng = np.random.default_rng([seed, zlib.crc32(family.name.encode())])
    disease = _effects(family, n_genes, rng)
    treated = _treatment_effects(disease, family, treatment, rng)
    # further arms draw from their own stream, so a three-group dataset stays as it was
    extra_rng = np.random.default_rng([seed, zlib.crc32(family.name.encode()), 3])
    # an arm with the first's treatment has the same effects (equal arms: no true difference)
    others = [
        treated.copy() if arm == treatment else _treatment_effects(disease, family, arm, extra_rng)
        for arm in extra
    ]
    base = np.exp(rng.normal(np.log(family.mean_count), family.sd_log_mean, n_genes))
    if family.composition_shift:
        top = np.argsort(-base)[: max(1, n_genes // 100)]
        disease[top] += family.composition_shift
        treated[top] -= treatment.reversal * family.composition_shift
        for arm, effects in zip(extra, others, strict=True):
            effects[top] -= arm.reversal * family.composition_shift
    trend = family.dispersion_a0 + family.dispersion_a1 / base
    gene_dispersion = trend * np.exp(rng.normal(0, family.dispersion_scatter, n_genes))
    batch_effect = rng.normal(0, family.batch_sd, n_genes)
    modules = rng.integers(0, max(1, n_genes // max(family.module_size, 1)), n_genes)
    outlier_noise = rng.normal(0, family.outlier_sd, n_genes)
    # the samples: their own stream, so one truth can be sampled twice
    rng = np.random.default_rng([seed if noise_seed is None else noise_seed, n_per_group, 1])
    sheet = _sheet(n_per_group, len(extra))
    roles = np.repeat(np.arange(3 + len(extra)), n_per_group)
    groups = [np.zeros(n_genes), disease, disease + treated, *(disease + o for o in others)]
    log2_mean = np.log2(base)[:, None] + np.column_stack(groups)[:, roles]
    n_samples = len(roles)
    if family.batch_sd:
        batch = rng.permutation(np.arange(n_samples) % 2)
        log2_mean += batch_effect[:, None] * batch[None, :]
    if family.module_size:
        shifts = rng.normal(0, family.module_sd, (modules.max() + 1, n_samples))
        log2_mean += shifts[modules]
    if family.outlier_sd:
        log2_mean[:, rng.integers(n_samples)] += outlier_noise
    if family.patient_sd:
        patients = np.tile(np.arange(n_per_group), len(groups))
        patient_effect = rng.normal(0, family.patient_sd, (n_genes, n_per_group))
        log2_mean += patient_effect[:, patients]
        sheet["patient"] = [f"patient_{p + 1}" for p in patients]
    dispersion = np.repeat(gene_dispersion[:, None], n_samples, axis=1)
    dispersion[:, roles == 1] *= family.disease_dispersion_factor
    library = np.exp(rng.normal(0, family.library_cv, n_samples))
    mu = 2.0**log2_mean * library[None, :]
    if family.cells_per_sample[1]:
        counts = _pseudobulk(mu, dispersion, family, rng)
    else:
        counts = rng.negative_binomial(1 / dispersion, 1 / (1 + dispersion * mu))
    names = [f"Gene{i:05d}" for i in range(n_genes)]
    truth = pd.DataFrame(
        {
            "disease_lfc": disease,
            "treatment_lfc": treated,
            "base_mean": base,
            "dispersion": gene_dispersion,
            **{
                f"treatment_lfc_{label}": o
                for label, o in zip(extra_labels(len(extra)), others, strict=True)
            },
        },
        index=names,
    )
    return SimulatedData(
        counts=pd.DataFrame(counts, index=names, columns=sheet["sample"]),
        samples=sheet,
        truth=truth,
    )


def _pseudobulk(
    mu: np.ndarray, dispersion: np.ndarray, family: Family, rng: np.random.Generator
) -> np.ndarray:
    """Each sample's counts as the sum of its cells': the sample's biological profile (gamma
    around ``mu`` with the gene's dispersion), then c cells' negative-binomial counts around a
    cell's share of it — summed, NB with mean c × profile / cell_share and dispersion φ / c."""
    low, high = family.cells_per_sample
    n_samples = mu.shape[1]
    cells = np.round(np.exp(rng.uniform(np.log(low), np.log(high), n_samples)))
    profile = rng.gamma(1 / dispersion, mu * dispersion)
    mean = cells[None, :] * profile / family.cell_share
    size = np.broadcast_to(cells[None, :] / family.cell_dispersion, mean.shape)
    return rng.negative_binomial(size, size / (size + mean))


def _real_counts() -> pd.DataFrame:
    """The 16 GSE248978 samples (days 7 and 14, vehicle and anakinra), genes with a name."""
    tables = [
        pd.read_csv(PLASMODE_COUNTS / f"counts_{day}.tsv.gz", sep="\t") for day in ("d7", "d14")
    ]
    both = pd.concat([tables[0], tables[1].drop(columns=["gene_id", "gene_name"])], axis=1)
    both["gene"] = both["gene_id"].fillna(both["gene_name"])
    both = both.drop(columns=["gene_id", "gene_name"]).set_index("gene")
    return both.round().astype(np.int64)


def thin(counts: np.ndarray, log2_effect: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Plant log2 effects (genes × samples) on real counts by binomial thinning: a count is
    kept with probability 2^(effect − max effect of its gene), so every gene's relative means
    change by exactly the planted amounts and its real noise is kept (seqgendiff's thin_diff)."""
    keep = 2.0 ** (log2_effect - log2_effect.max(axis=1, keepdims=True))
    return rng.binomial(counts, keep)


def plasmode(
    treatment: Treatment,
    n_per_group: int,
    seed: int,
    n_genes: int = 8000,
    extra: tuple[Treatment, ...] = (),
    mixed_states: bool = False,
) -> SimulatedData:
    """Real counts, samples shuffled into three groups, effects planted by thinning.

    Genes are the ``n_genes`` most expressed of the real table (so thinning has counts to
    work on); disease effects follow the gamma family and are planted on a random 10% of them.
    At most 16 samples exist: 3 and 4 per group only (n_per_group ≤ 5). ``mixed_states``: each
    group takes its mice from as many different states (day × arm) as it has replicates.
    """
    real = _real_counts()
    n_groups = 3 + len(extra)
    if n_groups * n_per_group > real.shape[1]:
        raise ValueError(
            f"plasmode has {real.shape[1]} real samples: too few for {n_groups} groups of "
            f"{n_per_group}"
        )
    rng = np.random.default_rng([seed, n_per_group, 7919])
    expressed = real.loc[real.mean(axis=1).sort_values(ascending=False).index[:n_genes]]
    chosen = (
        _mixed_groups(expressed.columns, 3, n_per_group, rng)
        if mixed_states
        else rng.choice(expressed.columns, 3 * n_per_group, replace=False)
    )
    family = FAMILIES["gamma effects"]
    disease = _effects(family, n_genes, rng)
    treated = _treatment_effects(disease, family, treatment, rng)
    extra_rng = np.random.default_rng([seed, n_per_group, 7919, 3])
    # an arm with the first's treatment has the same effects (equal arms: no true difference)
    others = [
        treated.copy() if arm == treatment else _treatment_effects(disease, family, arm, extra_rng)
        for arm in extra
    ]
    if extra:  # the further arms' samples from the real samples not yet chosen
        rest = [c for c in expressed.columns if c not in set(chosen)]
        chosen = np.concatenate(
            [chosen, extra_rng.choice(rest, len(extra) * n_per_group, replace=False)]
        )
    roles = np.repeat(np.arange(n_groups), n_per_group)
    groups = [np.zeros(n_genes), disease, disease + treated, *(disease + o for o in others)]
    effect = np.column_stack(groups)[:, roles]
    counts = thin(expressed[chosen].to_numpy(), effect, rng)
    sheet = _sheet(n_per_group, len(extra))
    names = [f"Gene{i:05d}" for i in range(n_genes)]
    truth = pd.DataFrame(
        {
            "disease_lfc": disease,
            "treatment_lfc": treated,
            "base_mean": expressed.mean(axis=1).to_numpy(),
            "real_gene": expressed.index,
            **{
                f"treatment_lfc_{label}": o
                for label, o in zip(extra_labels(len(extra)), others, strict=True)
            },
        },
        index=names,
    )
    return SimulatedData(
        counts=pd.DataFrame(counts, index=names, columns=sheet["sample"]),
        samples=sheet,
        truth=truth,
    )


def _mixed_groups(
    samples: pd.Index, n_groups: int, n_per_group: int, rng: np.random.Generator
) -> np.ndarray:
    """Samples for ``n_groups`` groups in order, each group's mice from different states."""
    states = pd.read_csv(PLASMODE_COUNTS / "samples_both_days.tsv", sep="\t")
    pools = {
        state: list(rng.permutation(group["sample"].to_numpy()))
        for state, group in states[states["sample"].isin(samples)].groupby("condition")
    }
    if n_per_group > len(pools):
        raise ValueError(f"mixed plasmode groups: only {len(pools)} states for {n_per_group} mice")
    chosen = []
    for _ in range(n_groups):
        # the states with the most mice left, so that no state runs out before the last group
        order = sorted(pools, key=lambda s: (-len(pools[s]), rng.random()))
        chosen += [pools[state].pop() for state in order[:n_per_group]]
    return np.array(chosen)


def with_treatment(family: Family, **changes) -> Family:
    """A family with some knobs changed (for tests and ad-hoc rows)."""
    return replace(family, **changes)
