"""A small simulated single-cell study shared by the single-cell tests."""

from __future__ import annotations

import pytest
from helpers import MOUSE_CURATED

from signature_reversal.inputs.gmt import read_gmt
from signature_reversal.validation import single_cell


def planted_genes() -> dict[str, list[str]]:
    sets = {s.name: s.genes for s in read_gmt(MOUSE_CURATED)}
    return {
        "up": [*sets["SKIN_JAK_STAT_AD_SIGNALING"], *sets["SKIN_ROS_OXIDATIVE_STRESS"]],
        "down": [*sets["SKIN_BARRIER_CORNIFIED_ENVELOPE"], *sets["SKIN_NRF2_ANTIOXIDANT_RESPONSE"]],
    }


@pytest.fixture(scope="session")
def cells_file(tmp_path_factory):
    """cells.h5ad of 3 × 3 mice, 200 cells each, and the planted truth."""
    adata, truth = single_cell.simulate_cells(
        planted_genes(), n_genes=1500, cells_per_sample=200, seed=5
    )
    folder = tmp_path_factory.mktemp("cells")
    return single_cell.write(adata, truth, folder), adata
