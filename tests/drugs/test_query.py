"""The drug queries find what was planted: a treatment built from one library compound's genes
is most like that compound, a disease built as a compound's inverse is most reversed by it, and
data with no link to the library make no call at FDR 5%."""

from __future__ import annotations

import numpy as np
import pandas as pd
from drug_data import three_groups

from signature_reversal.drugs.library import PreparedLibrary
from signature_reversal.drugs.query import (
    DrugSettings,
    place_treatment,
    query_design,
    run_query,
    treatment_ranking,
)

GENES, TAGS, COMPOUNDS = 1500, 40, 150
SETTINGS = DrugSettings(draws=100, seed=3)


def _library(seed: int = 0) -> PreparedLibrary:
    """Each compound measured twice (two cell lines) with mostly the same genes."""
    rng = np.random.default_rng(seed)
    up, down, rows = [], [], []
    for compound in range(COMPOUNDS):
        genes = rng.choice(GENES, 2 * TAGS, replace=False)
        for line in ("A", "B"):
            kept = genes.copy()
            swap = rng.random(len(kept)) < 0.2  # the other cell line shares 80% of the genes
            kept[swap] = rng.choice(GENES, swap.sum())
            up.append(np.unique(kept[:TAGS]))
            down.append(np.setdiff1d(np.unique(kept[TAGS:]), up[-1]))
            rows.append(
                {
                    "signature": f"c{compound}@{line}",
                    "compound": f"c{compound}",
                    "cell_line": line,
                    "dose": "",
                    "time": "",
                    "moa": "",
                }
            )
    return PreparedLibrary("test", pd.DataFrame(rows), up, down, "")


def _effects(library: PreparedLibrary, index: int, size: float) -> np.ndarray:
    effect = np.zeros(GENES)
    effect[library.up[index]] = size
    effect[library.down[index]] = -size
    return effect


def _random_effects(rng: np.random.Generator, size: float = 1.0) -> np.ndarray:
    effect = np.zeros(GENES)
    chosen = rng.choice(GENES, 150, replace=False)
    effect[chosen] = rng.choice([-size, size], len(chosen))
    return effect


def test_a_treatment_built_from_one_compound_is_most_like_it_and_placed_among_reversers():
    library = _library()
    rng = np.random.default_rng(1)
    disease = _effects(library, 20, 1.0)  # the disease is compound 10's signature …
    treatment = _effects(library, 60, 0.8)  # … the treatment is compound 30's
    expression, obs = three_groups(2, disease, treatment)
    like, _ = run_query(
        "treatment", expression, query_design(obs, "~condition", "treatment"), library, SETTINGS
    )
    top = like.compounds.sort_values("ncs", ascending=False).iloc[0]
    assert top["compound"] == "c30" and top["fdr"] < 0.05
    # the disease query: the inverse of the disease's own compound reverses it; a compound
    # planted as the disease's inverse is found as its strongest reverser
    inverse = _effects(library, 100, 1.0)
    expression, obs = three_groups(4, -inverse + 0 * _random_effects(rng), treatment)
    reversing, _ = run_query(
        "disease", expression, query_design(obs, "~condition", "disease"), library, SETTINGS
    )
    first = reversing.compounds.sort_values("ncs").iloc[0]
    assert first["compound"] == "c50" and first["ncs"] < 0 and first["fdr"] < 0.05
    # placement: a treatment that undoes the disease stands among the reversers
    expression, obs = three_groups(5, -inverse, inverse)
    design = query_design(obs, "~condition", "treatment")
    reversing, ranking = run_query(
        "disease", expression, query_design(obs, "~condition", "disease"), library, SETTINGS
    )
    placed = place_treatment(
        reversing, ranking, treatment_ranking(expression, design), library, SETTINGS
    )
    assert placed.ncs < 0 and placed.p < 0.05 and placed.compound_rank <= 3, placed


def test_a_treatment_that_does_nothing_is_not_placed_among_the_reversers():
    """Raw treatment and disease contrasts share the disease samples: ranked by the raw
    contrast, a do-nothing treatment's top genes are the disease's bottom genes by noise."""
    library = _library()
    ranks = []
    for seed in range(4):
        expression, obs = three_groups(10 + seed, -_effects(library, 100, 1.0), np.zeros(GENES))
        design = query_design(obs, "~condition", "treatment")
        reversing, ranking = run_query(
            "disease", expression, query_design(obs, "~condition", "disease"), library, SETTINGS
        )
        placed = place_treatment(
            reversing, ranking, treatment_ranking(expression, design), library, SETTINGS
        )
        ranks.append(placed.compound_rank)
        assert placed.p > 0.01, placed
    assert np.median(ranks) > 20, ranks  # of 150: not among the reversers


def test_data_with_no_link_to_the_library_make_no_call():
    library = _library()
    calls = 0
    for seed in range(10):
        rng = np.random.default_rng(100 + seed)
        expression, obs = three_groups(seed, _random_effects(rng), _random_effects(rng, 0.7))
        for query in ("disease", "treatment"):
            result, _ = run_query(
                query, expression, query_design(obs, "~condition", query), library, SETTINGS
            )
            calls += int((result.compounds["fdr"] < 0.05).any())
    assert calls <= 2, calls  # of 20 queries: about 1 expected at FDR 5%


def test_mechanisms_of_action_are_tested_as_sets_of_signatures():
    """With an annotated mechanism, the class whose members the treatment resembles leads."""
    library = _library()
    classes = [f"class{i % 10}" for i in range(COMPOUNDS)]
    library.annotation["moa"] = [classes[int(c[1:])] for c in library.annotation["compound"]]
    treatment = sum(_effects(library, 2 * c, 0.8) for c in (3, 13, 23))  # three of class3
    expression, obs = three_groups(21, np.zeros(GENES), treatment)
    like, _ = run_query(
        "treatment", expression, query_design(obs, "~condition", "treatment"), library, SETTINGS
    )
    mechanisms = like.mechanisms.sort_values("mean_ncs", ascending=False)
    assert mechanisms.iloc[0]["moa"] == "class3" and mechanisms.iloc[0]["fdr"] < 0.05
    assert (mechanisms.iloc[1:]["fdr"] > 0.05).all()


def test_a_co_regulated_module_a_signature_shares_is_not_a_link():
    """Genes that move together from mouse to mouse (a module) and that signatures share
    make those signatures' scores vary as one gene's: under the gene-permutation null alone
    they were called in every such dataset. Their variance inflation, read from the residuals,
    deflates them; on independent genes it stays near 1."""
    from signature_reversal.drugs.query import variance_inflation

    library = _library()
    calls, module_inflation, independent = 0, [], []
    for seed in range(6):
        rng = np.random.default_rng(200 + seed)
        expression, obs = three_groups(seed, np.zeros(GENES), np.zeros(GENES))
        modules = rng.choice(len(library.up), 8, replace=False)
        shifts = rng.normal(0, 0.5, (len(modules), 9))
        clean = expression.copy()
        for signature, shift in zip(modules, shifts, strict=True):
            expression[library.up[signature]] += shift
        design = query_design(obs, "~condition", "disease")
        independent.append(variance_inflation(clean, design, library))
        inflation = variance_inflation(expression, design, library)
        module_inflation += list(inflation[modules])
        for query in ("disease", "treatment"):
            result, _ = run_query(
                query, expression, query_design(obs, "~condition", query), library, SETTINGS
            )
            calls += int((result.compounds["fdr"] < 0.05).any())
    assert calls <= 1, calls  # of 12 queries
    assert np.median(module_inflation) > 5, module_inflation
    assert np.median(np.concatenate(independent)) < 1.3
