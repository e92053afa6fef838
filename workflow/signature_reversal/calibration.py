"""Calibration and power of the verdicts on simulated data with a known answer.

Used by the simulation study (benchmarks/simulation_study.py) and the test suite. The fast
engine stands in for DESeq2 (Welch-free pooled t-tests on log2 normalized counts with BH) so
that thousands of datasets run in minutes; the study can also use the real DE step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

from . import simulate
from .reversal.gene_sets import gene_set_verdicts
from .reversal.genes import gene_table
from .reversal.relabelling import Groups, log_normalized, make_groups
from .reversal.signature import signature_verdict
from .roles import ROLES
from .settings import VerdictRule

LABELS = {"control": "control", "eczema": "disease", "nmn": "treatment"}
FOCUS_SET = "SKIN_JAK_STAT_AD_SIGNALING"

# name → (SimulationSpec overrides, per-set reversal probability or None for the spec's)
SCENARIOS: dict[str, tuple[dict, dict[str, float] | None]] = {
    "full reversal": ({"treatment": "reverse", "reversal_fraction": 1.0}, {}),
    "partial reversal": ({"treatment": "reverse", "reversal_fraction": 0.35}, {}),
    "no effect": ({"treatment": "none"}, None),
    "aggravation": ({"treatment": "aggravate"}, None),
    "one pathway only": ({"treatment": "reverse", "reversal_fraction": 0.0}, {FOCUS_SET: 1.0}),
}


def planted_sets(
    curated: Mapping[str, Sequence[str]], per_set: dict[str, float] | None
) -> dict[str, simulate.PlantedSet]:
    """The skin pattern with every set's reversal probability replaced as the scenario says."""
    planted = simulate.skin_planted_sets(curated)
    if per_set is None:
        return planted
    return {name: replace(s, reversal_fraction=per_set.get(name)) for name, s in planted.items()}


def fast_analysis(data: simulate.SimulatedData, rule: VerdictRule) -> tuple[pd.DataFrame, Groups]:
    """Gene table and groups from t-tests on log2 normalized counts (a quick DE stand-in)."""
    counts = data.counts[data.counts.mean(axis=1) >= 10]
    log_counts = np.log(counts.replace(0, np.nan))
    reference = log_counts.mean(axis=1)
    size_factors = np.exp(log_counts.sub(reference, axis=0).median(axis=0)).to_numpy()
    expression = log_normalized(counts.T.to_numpy(float), size_factors)
    labels = data.samples.set_index("sample").loc[counts.columns, "condition"]
    roles = labels.map(LABELS).to_numpy()
    by_role = {r: expression[:, roles == r] for r in ROLES}

    def table(num: str, den: str) -> pd.DataFrame:
        lfc = by_role[num].mean(axis=1) - by_role[den].mean(axis=1)
        test = stats.ttest_ind(by_role[num], by_role[den], axis=1)
        padj = stats.false_discovery_control(np.nan_to_num(test.pvalue, nan=1.0))
        return pd.DataFrame(
            {
                "gene": counts.index,
                "log2FC": lfc,
                "padj": padj,
                "stat": np.nan_to_num(test.statistic),
            }
        )

    genes = gene_table(
        table("disease", "control"),
        table("treatment", "disease"),
        table("treatment", "control"),
        rule,
    )
    return genes, make_groups(expression, roles)


def evaluate(
    curated: Mapping[str, Sequence[str]],
    scenario: str,
    n_per_group: int,
    seed: int,
    rule: VerdictRule,
    n_genes: int = 2000,
    **spec_overrides,
) -> dict:
    """Simulate one dataset of a scenario and return its overall and pathway verdicts."""
    overrides, per_set = SCENARIOS[scenario]
    planted = planted_sets(curated, per_set)
    named = [g for s in planted.values() for g in s.genes]
    spec = simulate.SimulationSpec(
        n_per_group=n_per_group, seed=seed, **{**overrides, **spec_overrides}
    )
    data = simulate.simulate(simulate.gene_universe(n_genes, named), planted, spec)
    genes, groups = fast_analysis(data, rule)
    signature = signature_verdict(genes, groups, rule)
    sets = {name: list(s.genes) for name, s in planted.items()}
    changed = pd.DataFrame({"gene_set": list(sets), "NES": 1.0, "fdr": 0.0})
    table = gene_set_verdicts(genes, groups, sets, changed, changed, rule)
    verdicts = table.set_index("gene_set")["verdict"]
    others = verdicts.drop(FOCUS_SET)
    return {
        "scenario": scenario,
        "n_per_group": n_per_group,
        "seed": seed,
        "verdict": signature.verdict,
        "slope": signature.slope,
        "focus_set_verdict": verdicts.get(FOCUS_SET, ""),
        "other_sets_reversed": float((others == "reverses").mean()),
    }
