"""Fixtures: small simulated datasets with planted, known effects (helpers in helpers.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from helpers import (
    EVIL_SAMPLE,
    HOSTILE_GENE,
    HOSTILE_SAMPLE,
    HOSTILE_SET,
    HOSTILE_TREATMENT,
    MOUSE_CURATED,
    STAGE_CONFIG,
    run_stages,
    simulate_skin,
    write_dataset,
)

from signature_reversal.inputs.gmt import read_gmt
from signature_reversal.layout import AnalysisLayout


@pytest.fixture(scope="session")
def curated_sets() -> dict[str, tuple[str, ...]]:
    return {s.name: s.genes for s in read_gmt(MOUSE_CURATED)}


@pytest.fixture
def small_dataset(tmp_path: Path, curated_sets) -> tuple[Path, Path, pd.DataFrame]:
    data = simulate_skin(curated_sets, n_genes=400, n_per_group=3)
    counts, samples = write_dataset(data, tmp_path / "input")
    return counts, samples, data.truth


@dataclasses.dataclass(frozen=True)
class EvilRun(AnalysisLayout):
    """The hostile-names run's files, and the configuration its report was rendered with."""

    config: dict = dataclasses.field(default_factory=dict)
    analysis: str = ""


@pytest.fixture(scope="session")
def evil_results(tmp_path_factory, curated_sets):
    """A full CLI run with HTML and comment openers in every field a user supplies: sample
    names, gene names, a condition label, a gene-set name, genes of interest, the analysis name
    and the title."""
    root = tmp_path_factory.mktemp("evil")
    data = simulate_skin(curated_sets, n_genes=500, n_per_group=3, seed=3)
    data.counts = data.counts.rename(
        columns={"nmn_1": EVIL_SAMPLE, "nmn_2": HOSTILE_SAMPLE},
        index={"Gene00001": "<b>bold</b>", "Gene00002": HOSTILE_GENE},
    )
    data.samples.loc[data.samples["sample"] == "nmn_1", "sample"] = EVIL_SAMPLE
    data.samples.loc[data.samples["sample"] == "nmn_2", "sample"] = HOSTILE_SAMPLE
    data.samples["condition"] = data.samples["condition"].replace("nmn", HOSTILE_TREATMENT)
    counts, samples = write_dataset(data, root / "input")
    gmt = root / "curated.gmt"
    gmt.write_text(MOUSE_CURATED.read_text().replace("SKIN_BARRIER_TIGHT_JUNCTION", HOSTILE_SET, 1))
    config = {
        **STAGE_CONFIG,
        "conditions": {**STAGE_CONFIG["conditions"], "treatment": HOSTILE_TREATMENT},
        "gene_sets": {"curated": {"path": str(gmt), "species": "mouse"}},
        "genes_of_interest": [*STAGE_CONFIG["genes_of_interest"], HOSTILE_GENE],
    }
    dataset = {"path": str(counts), "samples": str(samples)}
    files = run_stages(dataset, root / "results", config, "evil<b><!--")
    return EvilRun(files.root, {**config, "datasets": {"evil<b><!--": dataset}}, "evil<b><!--")
    data.samples.loc[data.samples["sample"] == "nmn_1", "sample"] = EVIL_SAMPLE
    counts, samples = write_dataset(data, root / "input")
    return run_stages(
        {"path": str(counts), "samples": str(samples)}, root / "results", STAGE_CONFIG, "evil<b>"
    )


# The longest files first (each a Snakemake run of its own, measured in CI): with two xdist
# workers, the many short unit tests then fill the other core while they run, instead of one
# worker finishing alone on a long file at the end.
LONGEST_FIRST = (
    "test_shipped_multi_arm.py",
    "test_input_formats.py",
    "test_shipped_single_cell.py",
    "test_pipeline.py",
    "test_shipped_gse248978.py",
    "test_shipped_example.py",
    "test_deployment.py",
    "test_user_paths.py",
    "test_multi_arm.py",
    "test_two_arm.py",
)


def pytest_collection_modifyitems(items):
    rank = {name: number for number, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(Path(str(item.fspath)).name, len(rank)))
