"""Shared fixtures: small simulated datasets with planted, known effects."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from signature_reversal import genesets, simulate

REPO = Path(__file__).resolve().parents[1]
MOUSE_CURATED = REPO / "config" / "genesets" / "mouse" / "skin_curated.gmt"
MOUSE_HALLMARK = REPO / "config" / "genesets" / "mouse" / "hallmark_v7.0.gmt"
ORTHOLOGS = REPO / "config" / "orthologs" / "human_mouse_orthologs.tsv.gz"
CONDITIONS = {"control": "control", "disease": "eczema", "treatment": "nmn"}


@pytest.fixture(scope="session")
def curated_sets() -> dict[str, tuple[str, ...]]:
    return {s.name: s.genes for s in genesets.read_gmt(MOUSE_CURATED)}


def simulate_skin(
    curated: dict[str, tuple[str, ...]],
    treatment: str = "reverse",
    n_genes: int = 1500,
    n_per_group: int = 4,
    seed: int = 7,
) -> simulate.SimulatedData:
    """Small mouse-skin dataset with the example's planted pattern."""
    planted = simulate.skin_planted_sets(curated)
    named = [g for s in planted.values() for g in s.genes]
    spec = simulate.SimulationSpec(n_per_group=n_per_group, seed=seed, treatment=treatment)
    return simulate.simulate(simulate.gene_universe(n_genes, named), planted, spec)


def write_dataset(data: simulate.SimulatedData, folder: Path) -> tuple[Path, Path]:
    """Write counts and sample sheet as the pipeline expects them."""
    folder.mkdir(parents=True, exist_ok=True)
    counts, samples = folder / "counts.tsv", folder / "samples.tsv"
    data.counts.to_csv(counts, sep="\t")
    data.samples.to_csv(samples, sep="\t", index=False)
    return counts, samples


@pytest.fixture
def small_dataset(tmp_path: Path, curated_sets) -> tuple[Path, Path, pd.DataFrame]:
    data = simulate_skin(curated_sets, n_genes=400, n_per_group=3)
    counts, samples = write_dataset(data, tmp_path / "input")
    return counts, samples, data.truth
