"""Reversal of an independent reference signature by a two-arm dataset (disease + treatment
only), on simulated data where the reference study shares the truth but not the samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signature_reversal.inputs import reference_signatures as references
from signature_reversal.inputs.gmt import GeneSet
from signature_reversal.reversal.reference_verdict import run_reference
from signature_reversal.settings import ReferenceSpec, VerdictRule
from signature_reversal.validation import calibration

RULE = VerdictRule.from_config(permutations=200)
CALLS = ("reverses", "partially reverses")


def _rows(curated, scenario, n, seeds):
    return pd.DataFrame(
        [
            calibration.evaluate_reference(curated, scenario, n, seed, RULE, n_genes=2000)
            for seed in seeds
        ]
    )


def test_null_treatment_does_not_reverse_the_reference(curated_sets):
    rows = _rows(curated_sets, "no effect", 3, range(5))
    assert not rows["verdict"].isin(CALLS).any()
    assert rows["slope_covered"].sum() >= 4
    assert (rows["slope_null_expected"].abs() < 1e-9).all()  # no shared samples: 0 exactly


def test_seventy_percent_reversal_of_the_reference_is_found_and_covered(curated_sets):
    rows = _rows(curated_sets, "70% reversal", 4, range(3))
    assert (rows["verdict"] == "reverses").all(), rows["verdict"].tolist()
    for name in ("slope", "percent_improvement_up", "percent_improvement_down"):
        assert rows[f"{name}_covered"].sum() >= 2, name


def test_a_gene_list_reference_gets_a_direction_only_verdict(curated_sets):
    data = calibration.simulate_scenario(curated_sets, "70% reversal", 4, 3, n_genes=2000)
    truth = data.truth
    spec = ReferenceSpec.from_config(
        "list",
        {
            "up": list(truth.index[truth["disease_lfc"] > 0]),
            "down": list(truth.index[truth["disease_lfc"] < 0]),
            "species": "mouse",
        },
    )
    outcome = _two_arm_against_reference(curated_sets, references.read_reference(spec), spec, data)
    assert outcome.verdict == "reverses" and "no effect sizes" in outcome.reason
    assert outcome.figures["slope"].estimate == pytest.approx(
        outcome.figures["slope"].observed
    )  # nothing to shrink
    summary = outcome.summary("nmn")
    assert summary["mapping"]["selected_mapped"] > 50
    assert summary["kind"] == "gene_list"


def _two_arm_against_reference(curated, reference: pd.DataFrame, spec: ReferenceSpec, data):
    adata = calibration.as_anndata(data, roles=("disease", "treatment"))
    result = calibration.de.run(adata, calibration.DESettings.from_config({}))
    symbols = pd.Series(adata.var_names, index=adata.var_names)
    mapped = references.map_to_data(reference, spec, symbols, "mouse", None)
    sets = [GeneSet(n, "", tuple(g)) for n, g in curated.items()]
    return run_reference(
        spec,
        mapped,
        result.tables["treatment_vs_disease"],
        adata,
        result.size_factors.set_index("sample")["size_factor"],
        sets,
        RULE,
    )


def test_reference_genes_without_a_usable_standard_error_are_left_out_and_counted(curated_sets):
    """A table whose selected genes carry a blank, 0 or infinite standard error once gave NaN
    weights, a NaN statistic, and p = 1/(n + 1) for reversal AND aggravation."""
    data = calibration.simulate_scenario(curated_sets, "no effect", 3, 2, n_genes=2000)
    independent = calibration.simulate_scenario(
        curated_sets, "no effect", 6, 2, n_genes=2000, noise_seed=1
    )
    spec = ReferenceSpec.from_config("study", {"path": "simulated", "species": "mouse"})
    reference = calibration.reference_from(independent, spec)
    broken = reference.index[reference["selected"]][:3]
    reference.loc[broken, "se"] = [np.nan, 0.0, np.inf]
    outcome = _two_arm_against_reference(curated_sets, reference, spec, data)
    summary = outcome.summary("nmn")
    assert summary["mapping"]["selected_no_usable_standard_error"] == 3
    statuses = outcome.mapping.set_index("reference_gene")["status"]
    assert (statuses[reference.loc[broken, "gene"]] == "no usable standard error").all()
    assert not outcome.genes["reference_gene"].isin(reference.loc[broken, "gene"]).any()
    assert np.isfinite(outcome.figures["slope"].estimate)
    assert outcome.p_reversal + outcome.p_aggravation > 1  # one tail each, not both tiny


def test_the_reference_null_stops_early_only_when_every_p_value_is_clearly_large(curated_sets):
    """Besag & Clifford, as for the dataset's own signature: a do-nothing treatment against an
    independent reference needs a few dozen draws (same verdict as all of them); a planted
    reversal keeps every draw and the null's smallest p."""
    spec = ReferenceSpec.from_config("study", {"path": "simulated", "species": "mouse"})

    def judged(scenario: str, n: int, exceedances: int):
        data = calibration.simulate_scenario(curated_sets, scenario, n, 4, n_genes=2000)
        independent = calibration.simulate_scenario(
            curated_sets, scenario, 6, 4, n_genes=2000, noise_seed=1
        )
        rule = VerdictRule.from_config(permutations=200, sequential_exceedances=exceedances)
        reference = calibration.reference_from(independent, spec)
        sets = [GeneSet(name, "", tuple(genes)) for name, genes in curated_sets.items()]
        adata = calibration.as_anndata(data, roles=("disease", "treatment"))
        de = calibration.de.run(adata, calibration.DESettings.from_config({}))
        symbols = pd.Series(adata.var_names, index=adata.var_names)
        return run_reference(
            spec,
            references.map_to_data(reference, spec, symbols, "mouse", None),
            de.tables["treatment_vs_disease"],
            adata,
            de.size_factors.set_index("sample")["size_factor"],
            sets,
            rule,
        )

    nothing = judged("no effect", 4, 20)
    assert nothing.null_draws_used < nothing.null.draws
    assert min(nothing.rotation_p_reversal, nothing.rotation_p_aggravation) > 0.05
    assert nothing.summary("nmn")["null"]["draws_used"] == nothing.null_draws_used
    assert nothing.summary("nmn")["null"]["p_reversal"] == nothing.rotation_p_reversal
    assert judged("no effect", 4, 0).verdict == nothing.verdict
    strong = judged("70% reversal", 4, 20)
    assert strong.null_draws_used == strong.null.draws
    assert strong.rotation_p_reversal == pytest.approx(1 / (strong.null.draws + 1))
    assert strong.verdict == "reverses" and strong.p_reversal < 1e-6  # from the interval
