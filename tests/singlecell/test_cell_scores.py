"""Per-cell scores: the batched scoring equals scanpy's ``sc.tl.score_genes`` set by set, and
the planted disease programme scores higher in eczema keratinocytes than in control ones."""

from __future__ import annotations

import numpy as np
import scanpy as sc
from singlecell.conftest import planted_genes

from signature_reversal.singlecell import cell_scores, embedding


def normalised(cells):
    adata = cells[~cells.obs["low_quality"].to_numpy(bool)].copy()
    embedding.normalise(adata)
    return adata


def test_scores_equal_scanpys_score_genes(cells_file):
    _, cells = cells_file
    adata = normalised(cells)
    genes = planted_genes()
    sets = {
        "up": genes["up"],
        "down": genes["down"],
        "few_and_absent": [*genes["up"][:7], "NotAGene1", "NotAGene2"],
        "random": list(adata.var_names[np.random.default_rng(1).choice(adata.n_vars, 40)]),
    }
    for seed in (0, 3):
        ours = adata.copy()
        assert cell_scores.score_all(ours, sets, seed) == list(sets)
        for column, members in sets.items():
            theirs = adata.copy()
            sc.tl.score_genes(theirs, members, score_name=column, random_state=seed,
                              use_raw=False)  # fmt: skip
            # equal to the float32 matrix's precision (scanpy sums in its own order)
            assert np.allclose(ours.obs[column], theirs.obs[column], rtol=0, atol=2e-6)


def test_sets_with_too_few_genes_are_not_scored(cells_file):
    _, cells = cells_file
    adata = normalised(cells)
    assert cell_scores.score_all(adata, {"tiny": list(adata.var_names[:4])}, 0) == []
    assert "tiny" not in adata.obs


def test_disease_score_is_higher_in_eczema_keratinocytes(cells_file):
    _, cells = cells_file
    adata = normalised(cells)
    genes = planted_genes()
    assert cell_scores.disease_score(adata, genes["up"], genes["down"], 0) == "disease_score"
    keratinocytes = adata.obs[adata.obs["cell_type"] == "keratinocyte"]
    means = keratinocytes.groupby("condition")["disease_score"].mean()
    assert means["eczema"] > means["control"] + 0.2
    assert means["nmn"] < means["eczema"]
