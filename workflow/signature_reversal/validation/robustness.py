"""The robustness study: verdicts, estimates and interval coverage across families of
data-generating processes (``families``), plasmode data included.

Each dataset goes through the pipeline's own DE step (the vectorized DESeq2 engine) and its
reversal statistics (``reversal.signature.signature_verdict``, the headline figures calibrated
by the parametric bootstrap); the truth of each figure is computed from the planted effects
over the genes the estimator used (``bootstrap.world_truth``). Reference rows judge a two-arm
dataset (disease + treatment only) against an independent study of the same family (6
replicates per group, its own noise) read as a DE table. Run by
``benchmarks/robustness_study.py``; a fast subset is in the tests.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from ..de import stage as de
from ..inputs.gmt import GeneSet
from ..inputs.reference_signatures import map_to_data
from ..reversal import linear_model
from ..reversal.bootstrap import world_truth
from ..reversal.fast_figures import FIGURES, FastStatistic
from ..reversal.reference_verdict import run_reference
from ..settings import DESettings, ReferenceSpec, VerdictRule
from . import calibration, families

CALLS = ("reverses", "partially reverses")
EXPECTED = {
    "no effect": "no evidence",
    "off-signature": "no evidence",
    "30% reversal": "partially reverses",
    "70% reversal": "reverses",
    "aggravation": "aggravates",
}


def evaluate(
    family: str,
    treatment: str,
    n_per_group: int,
    seed: int,
    rule: VerdictRule,
    n_genes: int = 8000,
) -> dict:
    """One dataset of a family: simulate, analyse as the pipeline does, score the answer."""
    data = families.generate(
        families.FAMILIES[family], families.TREATMENTS[treatment], n_per_group, seed, n_genes
    )
    analysis = calibration.analyse(data, rule)
    logging.disable(logging.INFO)
    try:
        signature = analysis.signature(rule)
    finally:
        logging.disable(logging.NOTSET)
    row = _row(family, treatment, n_per_group, seed, signature.verdict, signature.p_reversal)
    row["n_disease_genes"] = signature.n_disease_genes
    truth = data.truth.reindex(analysis.genes["gene"])
    big_d, big_t = truth["disease_lfc"].to_numpy(), truth["treatment_lfc"].to_numpy()
    if signature.not_judged == "too few genes":
        return row
    # the truth over the genes the estimator used (the fast model's n most significant)
    estimator = FastStatistic.estimator(
        analysis.expression, analysis.design, signature.n_disease_genes
    )
    _, selection = estimator.evaluate(
        *linear_model.least_squares(analysis.expression, analysis.design)
    )
    for name in FIGURES:
        figure = getattr(signature, name)
        _record(row, name, figure, world_truth(big_d, big_t, selection, name))
    return row


def evaluate_reference(
    family: str,
    treatment: str,
    n_per_group: int,
    seed: int,
    rule: VerdictRule,
    n_genes: int = 8000,
) -> dict:
    """A two-arm dataset judged against an independent study of the same truth."""
    spec_family = families.FAMILIES[family]
    plan = families.TREATMENTS[treatment]
    data = families.generate(spec_family, plan, n_per_group, seed, n_genes)
    # the reference: the same truth (genes, effects, dispersions), 6 samples per group of
    # its own
    independent = families.generate(spec_family, plan, 6, seed, n_genes, noise_seed=seed + 10_000)
    spec = ReferenceSpec.from_config("independent study", {"path": "simulated", "species": "mouse"})
    reference = calibration.reference_from(independent, spec)
    adata = calibration.as_anndata(data, roles=("disease", "treatment"))
    logging.disable(logging.INFO)
    try:
        result = de.run(adata, DESettings.from_config({}))
        symbols = pd.Series(adata.var_names, index=adata.var_names)
        mapped = map_to_data(reference, spec, symbols, "mouse", None)
        outcome = run_reference(
            spec,
            mapped,
            result.tables["treatment_vs_disease"],
            adata,
            result.size_factors.set_index("sample")["size_factor"],
            [GeneSet(name, "", ()) for name in ()],
            rule,
        )
    finally:
        logging.disable(logging.NOTSET)
    row = _row(
        f"reference: {family}", treatment, n_per_group, seed, outcome.verdict, outcome.p_reversal
    )
    genes = outcome.genes
    selected = genes["reference_selected"].to_numpy(bool)
    row["n_disease_genes"] = int(selected.sum())
    truth = data.truth.reindex(genes["gene"])
    big_d, big_t = truth["disease_lfc"].to_numpy(), truth["treatment_lfc"].to_numpy()
    d = genes["reference_log2FC"].to_numpy(float)
    for name, mask, scale in (
        ("slope", selected, 1.0),
        ("percent_improvement_up", selected & (d > 0), -100.0),
        ("percent_improvement_down", selected & (d < 0), -100.0),
    ):
        denominator = float(big_d[mask] @ big_d[mask])
        true_value = scale * float(big_d[mask] @ big_t[mask]) / denominator if denominator else 0.0
        _record(row, name, outcome.figures[name], true_value)
    return row


def _row(family, treatment, n, seed, verdict, p) -> dict:
    return {
        "family": family,
        "treatment": treatment,
        "n_per_group": n,
        "seed": seed,
        "verdict": verdict,
        "expected": EXPECTED[treatment],
        "p_reversal": p,
    }


def _record(row: dict, name: str, figure, truth: float) -> None:
    row[f"{name}_truth"] = truth
    row[f"{name}_observed"] = figure.observed
    row[f"{name}_null_expected"] = figure.null_expected
    row[f"{name}_estimate"] = figure.estimate
    row[f"{name}_ci_low"] = figure.ci_low
    row[f"{name}_ci_high"] = figure.ci_high
    row[f"{name}_note"] = getattr(figure, "note", None) or ""
    covered = figure.ci_low <= truth <= figure.ci_high
    row[f"{name}_covered"] = bool(covered) if math.isfinite(figure.ci_low) else math.nan


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Per family × treatment × replicates: verdict rates (%), mean truth, mean estimate and
    its bias, CI coverage (%), the interval's implied SE over the estimates' spread, and how
    often a figure was marked not to be trusted."""
    keys = ["family", "treatment", "n_per_group"]
    out = []
    for key, group in rows.groupby(keys, sort=False):
        record = dict(zip(keys, key, strict=True))
        record["datasets"] = len(group)
        for verdict in ("reverses", "partially reverses", "no evidence", "aggravates"):
            record[verdict] = 100 * float((group["verdict"] == verdict).mean())
        for name in FIGURES:
            if f"{name}_estimate" not in group:
                continue
            error = group[f"{name}_estimate"] - group[f"{name}_truth"]
            half = (group[f"{name}_ci_high"] - group[f"{name}_ci_low"]) / 2 / 1.96
            record[f"{name} truth"] = float(group[f"{name}_truth"].mean())
            record[f"{name} estimate"] = float(group[f"{name}_estimate"].mean())
            record[f"{name} bias"] = float(error.mean())
            record[f"{name} coverage"] = 100 * float(group[f"{name}_covered"].mean())
            spread = float(error.std(ddof=1)) if len(group) > 1 else math.nan
            record[f"{name} width ratio"] = float(half.median()) / spread if spread else math.nan
            flagged = group[f"{name}_note"].fillna("") != ""
            record[f"{name} flagged"] = 100 * float(flagged.mean())
        out.append(record)
    return pd.DataFrame(out)


def grid(
    family_names, treatment_names, replicates, seeds, reference: bool = False, own: bool = True
) -> list[tuple]:
    """Every (kind, family, treatment, n, seed) of a study; plasmode only up to 5 per group."""
    jobs = []
    for family in family_names:
        for treatment in treatment_names:
            for n in replicates:
                if families.FAMILIES[family].plasmode and n > 5:
                    continue
                for seed in seeds:
                    if own:
                        jobs.append(("own", family, treatment, n, seed))
                    # plasmode has too few real samples for an independent reference study
                    plasmode = families.FAMILIES[family].plasmode
                    if reference and treatment != "aggravation" and not plasmode:
                        jobs.append(("reference", family, treatment, n, seed))
    return jobs


def run_job(job: tuple, rule: VerdictRule, n_genes: int) -> dict:
    kind, family, treatment, n, seed = job
    function = evaluate if kind == "own" else evaluate_reference
    np.seterr(all="ignore")
    return function(family, treatment, n, seed, rule, n_genes)
