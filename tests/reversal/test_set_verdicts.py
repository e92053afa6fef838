"""Gene-set reversal verdicts follow the plant, hold their FDR over sets the treatment leaves
alone, skip sets disease did not change, and say when a call rests on shared genes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers import RULE, all_changed, analysed, reversal_data

from signature_reversal.reversal.set_verdicts import fieller
from signature_reversal.validation import simulate

CALLS = ("reverses", "partially reverses", "aggravates")


@pytest.fixture(scope="module")
def curated(curated_sets):
    return curated_sets


def test_fieller_interval():
    low, high = fieller(2.0, 4.0, 0.01, 0.01, 0.0, 1.96)
    assert low < 0.5 < high and high - low < 0.15  # delta method: ±1.96 × 0.028
    assert fieller(2.0, 0.1, 0.01, 1.0, 0.0, 1.96) == (-math.inf, math.inf)


def _planted(curated):
    return {name: list(s.genes) for name, s in simulate.skin_planted_sets(curated).items()}


def test_gene_set_verdicts_follow_the_plant(curated):
    covered = 0
    for seed in range(4):
        data = reversal_data(curated, "reverse", 9 + seed, n_per_group=4)
        analysis = analysed(data)
        sets = _planted(curated)
        table = analysis.gene_sets(sets, RULE).set_index("gene_set")
        jak = table.loc["SKIN_JAK_STAT_AD_SIGNALING"]
        assert jak["verdict"] in ("reverses", "partially reverses") and jak["fdr"] < 0.05
        members = [
            g for g in sets["SKIN_JAK_STAT_AD_SIGNALING"] if g in set(analysis.genes["gene"])
        ]
        truth = data.truth.loc[members]
        restored = -truth["treatment_lfc"].sum() / truth["disease_lfc"].sum()
        covered += jak["fraction_restored_ci_low"] <= restored <= jak["fraction_restored_ci_high"]
    assert covered >= 3


def test_gene_set_calls_hold_their_fdr_when_only_one_pathway_is_treated(curated):
    """Only JAK-STAT reversed: calls on sets sharing no treated gene are false calls."""
    sets = {name: list(genes) for name, genes in curated.items()}
    false_calls = calls = 0
    for seed in range(8):
        planted = simulate.skin_planted_sets(curated)
        planted = {
            name: simulate.PlantedSet(
                s.genes,
                s.direction,
                s.fraction_affected,
                1.0 if name == "SKIN_JAK_STAT_AD_SIGNALING" else 0.0,
            )
            for name, s in planted.items()
        }
        named = [g for s in planted.values() for g in s.genes]
        spec = simulate.SimulationSpec(n_per_group=4, seed=500 + seed, reversal_fraction=0.0)
        data = simulate.simulate(simulate.gene_universe(2000, named), planted, spec)
        analysis = analysed(data)
        table = analysis.gene_sets(sets, RULE)
        treated = set(data.truth.index[data.truth["treatment_lfc"] != 0])
        untouched = {n for n, genes in sets.items() if not set(genes) & treated}
        called = table[table["verdict"].isin(CALLS)]
        calls += len(called)
        false_calls += int(called["gene_set"].isin(untouched).sum())
        assert "SKIN_JAK_STAT_AD_SIGNALING" in set(called["gene_set"])
    assert false_calls / max(calls, 1) <= 0.1, (false_calls, calls)


def test_gene_set_not_changed_by_disease_is_not_judged(curated):
    analysis = analysed(reversal_data(curated, "reverse", 2))
    sets = {"SKIN_JAK_STAT_AD_SIGNALING": list(curated["SKIN_JAK_STAT_AD_SIGNALING"])}
    gsea = pd.DataFrame({"gene_set": list(sets), "NES": 0.3, "fdr": 0.6})
    from signature_reversal.reversal.set_verdicts import gene_set_verdicts

    table = gene_set_verdicts(
        analysis.genes,
        analysis.effects,
        analysis.expression,
        analysis.design,
        sets,
        gsea,
        gsea,
        RULE,
    )
    assert table["verdict"].tolist() == ["not changed by disease"]
    assert np.isnan(table["fdr"].iloc[0])


def test_a_call_carried_by_shared_genes_says_so(curated):
    analysis = analysed(reversal_data(curated, "reverse", 12))
    jak = list(curated["SKIN_JAK_STAT_AD_SIGNALING"])
    unchanged = [g for g in analysis.genes["gene"] if g.startswith("Gene")][:40]
    sets = {"JAK": jak, "MOSTLY_UNCHANGED_PLUS_JAK": unchanged + jak[:15]}
    from signature_reversal.reversal.set_verdicts import gene_set_verdicts

    table = gene_set_verdicts(
        analysis.genes,
        analysis.effects,
        analysis.expression,
        analysis.design,
        sets,
        all_changed(sets),
        all_changed(sets),
        RULE,
    ).set_index("gene_set")
    row = table.loc["MOSTLY_UNCHANGED_PLUS_JAK"]
    if row["verdict"] in CALLS:
        assert row["shared_with"] == "JAK" and "driven by genes shared with JAK" in row["reason"]
    assert table.loc["JAK", "shared_with"] == ""


def _set_family(shift: float, seed: int, n_sets: int = 60, per_group: int = 3):
    """Gaussian log expression of 60 sets of 15 genes, each set a module (a shared per-sample
    shift), treatment shifting every set by ``shift``; the design of control/disease/nmn."""
    from signature_reversal.reversal import linear_model

    rng = np.random.default_rng(seed)
    size, samples = 15, 3 * per_group
    genes = n_sets * size
    roles = np.repeat(["control", "disease", "treatment"], per_group)
    module = rng.normal(0, 0.3, (n_sets, samples)).repeat(size, axis=0)
    expression = 8 + module + rng.normal(0, 0.5, (genes, samples))
    expression[:, roles == "treatment"] += shift
    membership = np.kron(np.eye(n_sets), np.ones(size))
    obs = pd.DataFrame({"role": roles}, index=[f"s{i}" for i in range(samples)])
    return expression, membership, linear_model.Design.from_formula(obs, "~condition")


def test_set_variances_are_borrowed_across_the_family_without_losing_the_level():
    """At 3 replicates a set score's group variance has 2 df: moderated across the family's
    sets (limma's F prior on the variance inflation), the test keeps its level under no effect
    and gains power on a planted shift."""
    from signature_reversal.reversal.set_verdicts import SetScores

    false, raw_false, total = 0, 0, 0
    for seed in range(10):
        expression, membership, design = _set_family(0.0, seed)
        scores = SetScores(expression, membership, design)
        assert np.all(scores.df > 6)  # borrowed: more than the 2 + 2 of Welch's test
        p_rev, p_agg = scores.pvalues_against(np.ones(len(membership)))
        raw = SetScores(expression, membership[:1], design)  # one set: nothing to borrow
        assert raw.df[0] < 5
        false += int((p_rev < 0.025).sum() + (p_agg < 0.025).sum())
        total += len(membership)
        raw_false += int(min(p_rev[0], p_agg[0]) < 0.025)
    assert 0.02 <= false / total <= 0.08  # two-sided 5% level
    powered = []
    for moderated in (True, False):
        found = 0
        for seed in range(20):
            expression, membership, design = _set_family(0.6, 100 + seed)
            rows = membership if moderated else membership[:1]
            p_rev, _ = SetScores(expression, rows, design).pvalues_against(-np.ones(len(rows)))
            found += int(p_rev[0] < 0.025)
        powered.append(found)
    assert powered[0] >= powered[1] + 4, powered  # the first set, with and without the family
