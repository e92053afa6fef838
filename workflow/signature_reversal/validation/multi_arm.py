"""Multi-arm studies on the robustness families: each arm's own verdict and figures, and the
head-to-head difference's interval coverage and false "A differs from B" calls.

A study has control, disease and two treated arms (``families.generate`` with ``extra``): the
first arm reverses 70% of the disease signature, the second 70%, 30% or nothing. Each arm is
analysed as the pipeline does (DE over all groups, the other arm a nuisance mean; the reversal
statistics with their calibrated figures), then the two are compared head to head
(``reversal.head_to_head``). The truth of a difference is the difference of the two arms'
truths (``bootstrap.world_truth`` over the genes each arm's estimator used). Paired rows add
a strong patient effect shared by one sample of every group and fit ``~patient + condition``.
Run by ``benchmarks/multi_arm_study.py``; a fast subset is in the tests.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace

import anndata as ad
import pandas as pd

from ..reversal import head_to_head
from ..reversal.bootstrap import world_truth
from ..reversal.fast_figures import FIGURES
from ..settings import VerdictRule
from ..study import OTHER
from . import calibration, families

SCENARIOS = {
    "0.7/0.7": ("70% reversal", "70% reversal"),
    "0.7/0.3": ("70% reversal", "30% reversal"),
    "0.7/0": ("70% reversal", "no effect"),
}
FIRST = "nmn"
PATIENT_SD = 0.5  # log2 SD of the patient effect in paired rows (strong: ~1.4-fold)


def study_anndata(data, treated: str) -> ad.AnnData:
    """The dataset as the load step builds it for the arm of ``treated``: every group kept, the
    other treated groups as ``other:<label>``."""
    adata = calibration.as_anndata(data)  # control, disease and the first arm
    sheet = data.samples.set_index("sample")
    obs = sheet.drop(columns=["replicate"]).astype(str)
    base = {"control": "control", "eczema": "disease"}
    obs["role"] = [
        base.get(c, "treatment" if c == treated else f"{OTHER}{c}") for c in obs["condition"]
    ]
    counts = data.counts[obs.index].T
    study = ad.AnnData(
        X=counts.to_numpy().astype(float),
        obs=obs,
        var=pd.DataFrame({"symbol": counts.columns.astype(str)}, index=counts.columns.astype(str)),
    )
    study.layers["counts"] = counts.to_numpy()
    others = [c for c in dict.fromkeys(obs["condition"]) if c not in (*base, treated)]
    study.uns.update(
        conditions={"control": "control", "disease": "eczema", "treatment": treated},
        others=others,
        kind="counts",
        species=adata.uns["species"],
    )
    return study


def evaluate_study(
    family: str,
    scenario: str,
    n_per_group: int,
    seed: int,
    rule: VerdictRule,
    n_genes: int = 8000,
    paired: bool = False,
) -> list[dict]:
    """One two-arm-treated study: a row per arm (its own figures) and per head-to-head figure."""
    spec = families.FAMILIES[family]
    if paired:
        spec = replace(spec, patient_sd=PATIENT_SD)
    first, second = (families.TREATMENTS[t] for t in SCENARIOS[scenario])
    data = families.generate(spec, first, n_per_group, seed, n_genes, extra=(second,))
    labels = [FIRST, *families.extra_labels(1)]
    true_effects = {FIRST: "treatment_lfc", labels[1]: f"treatment_lfc_{labels[1]}"}
    common = {
        "family": family,
        "scenario": scenario,
        "n_per_group": n_per_group,
        "seed": seed,
        "paired": paired,
    }
    analyses, summaries, truths, rows = {}, {}, {}, []
    logging.disable(logging.INFO)
    try:
        for label in labels:
            analysis = calibration.analyse(data, rule, study_anndata(data, label))
            signature = analysis.signature(rule)
            analyses[label], summaries[label] = analysis, signature.to_dict()
            truth = data.truth.reindex(analysis.genes["gene"])
            selection = analysis.estimator_selection()
            truths[label] = {
                name: world_truth(
                    truth["disease_lfc"].to_numpy(),
                    truth[true_effects[label]].to_numpy(),
                    selection,
                    name,
                )
                if selection is not None
                else math.nan
                for name in FIGURES
            }
            row = {**common, "kind": "arm", "arm": label, "verdict": signature.verdict}
            for name in FIGURES:
                figure = getattr(signature, name)
                _record(
                    row, name, figure.estimate, figure.ci_low, figure.ci_high, truths[label][name]
                )
            rows.append(row)
    finally:
        logging.disable(logging.NOTSET)
    base = analyses[FIRST]
    row_of = {g: i for i, g in enumerate(base.genes["gene"].astype(str))}
    arms = [
        head_to_head.own_figures(
            label,
            {"treatment" if label == FIRST else f"{OTHER}{label}": 1.0, "disease": -1.0},
            summaries[label],
            analyses[label].genes,
            row_of,
        )
        for label in labels
    ]
    for comparison in head_to_head.pair(
        base.expression, base.design, arms[0], arms[1], head_to_head.OWN, {}
    ):
        truth = truths[FIRST][comparison.figure] - truths[labels[1]][comparison.figure]
        row = {**common, "kind": "difference", "arm": f"{FIRST} - {labels[1]}"}
        _record(
            row,
            comparison.figure,
            comparison.estimate,
            comparison.ci_low,
            comparison.ci_high,
            truth,
        )
        row[f"{comparison.figure}_p"] = comparison.p
        # the alternative: the raw estimator values' difference over the mean response
        raw = []
        for label in labels:
            calibration_line = summaries[label]["calibration"].get(comparison.figure, {})
            estimate = summaries[label][comparison.figure]["estimate"]
            intercept, response = (
                calibration_line.get("intercept"),
                calibration_line.get("response"),
            )
            raw.append((intercept, response, estimate))
        if all(v is not None for r in raw for v in r):
            values = [a + c * e for a, c, e in raw]
            mean_c = (raw[0][1] + raw[1][1]) / 2
            alt = (values[0] - values[1]) / mean_c
            half = (comparison.ci_high - comparison.ci_low) / 2
            row[f"{comparison.figure}_raw_estimate"] = alt
            row[f"{comparison.figure}_raw_covered"] = alt - half <= truth <= alt + half
        rows.append(row)
    return _merge_differences(rows)


def _record(row: dict, name: str, estimate: float, low: float, high: float, truth: float) -> None:
    row[f"{name}_estimate"] = estimate
    row[f"{name}_truth"] = truth
    row[f"{name}_ci_low"], row[f"{name}_ci_high"] = low, high
    covered = low <= truth <= high if all(map(math.isfinite, (low, high, truth))) else None
    row[f"{name}_covered"] = covered


def _merge_differences(rows: list[dict]) -> list[dict]:
    """One row per arm and one per study for the differences (all figures in one row)."""
    arms = [r for r in rows if r["kind"] == "arm"]
    merged: dict = {}
    for row in rows:
        if row["kind"] == "difference":
            merged.update(row)
    return [*arms, merged] if merged else arms


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, replicates and pairing: difference CI coverage per figure, how often a
    difference was called (p < 0.05; false when the arms are equal), and each arm's verdicts."""
    out = []
    keys = ["scenario", "n_per_group", "paired"]
    for key, group in rows.groupby(keys):
        differences = group[group["kind"] == "difference"]
        record = dict(zip(keys, key, strict=True))
        record["studies"] = len(differences)
        for name in FIGURES:
            covered = differences[f"{name}_covered"].dropna().astype(bool)
            record[f"{name}_coverage"] = covered.mean() if len(covered) else math.nan
            p = differences[f"{name}_p"].astype(float)
            record[f"{name}_called"] = float((p < 0.05).mean()) if len(p) else math.nan
        arm_rows = group[group["kind"] == "arm"]
        for arm, arm_group in arm_rows.groupby("arm"):
            record[f"{arm}_verdicts"] = "; ".join(
                f"{v} {c}" for v, c in arm_group["verdict"].value_counts().items()
            )
            covered = arm_group["slope_covered"].dropna().astype(bool)
            record[f"{arm}_slope_coverage"] = covered.mean() if len(covered) else math.nan
        out.append(record)
    return pd.DataFrame(out)
