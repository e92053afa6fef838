"""Simulated three-group data for the drug-query tests: Gaussian log2 expression with planted
disease and treatment effects, 3 samples per group (shared by the set- and matrix-library
tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def three_groups(
    seed: int, disease: np.ndarray, treatment: np.ndarray
) -> tuple[np.ndarray, pd.DataFrame]:
    """Genes × 9 samples (control, disease, treatment; noise SD 0.4) and their roles."""
    rng = np.random.default_rng(seed)
    genes = len(disease)
    means = np.column_stack([np.zeros(genes), disease, disease + treatment])
    expression = 6 + means[:, np.repeat([0, 1, 2], 3)] + rng.normal(0, 0.4, (genes, 9))
    obs = pd.DataFrame(
        {"role": np.repeat(["control", "disease", "treatment"], 3)},
        index=[f"s{i}" for i in range(9)],
    )
    return expression, obs
