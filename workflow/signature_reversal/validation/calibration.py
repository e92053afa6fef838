"""Calibration and power of the verdicts, and coverage of their intervals, on simulated data
with a known answer.

Used by the simulation study (benchmarks/simulation_study.py) and the test suite. Each
simulated dataset goes through the pipeline's own DE step (pydeseq2, vectorized engine) and
reversal statistics; gene sets are judged when their set score changes with disease (a t-test
of the score, BH across sets) instead of by GSEA, which would add seconds per dataset. The
truth of each figure is computed from the planted effects over the genes the pipeline selected.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import anndata as ad
import numpy as np
import pandas as pd
from scipy import stats

from ..de import stage as de
from ..inputs.gmt import GeneSet
from ..inputs.reference_signatures import map_to_data
from ..reversal import bootstrap, linear_model, nulls
from ..reversal.fast_figures import FastStatistic, Selection
from ..reversal.genes import gene_table
from ..reversal.reference_verdict import run_reference
from ..reversal.set_verdicts import gene_set_verdicts, membership_matrix, set_scores
from ..reversal.signature import FIGURES, signature_verdict
from ..reversal.stage import world_of
from ..reversal.verdicts import CALLS, VERDICTS
from ..settings import DESettings, ReferenceSpec, VerdictRule
from . import simulate

LABELS = {"control": "control", "eczema": "disease", "nmn": "treatment"}
CONDITIONS = {"control": "control", "disease": "eczema", "treatment": "nmn"}
FOCUS_SET = "SKIN_JAK_STAT_AD_SIGNALING"


@dataclass(frozen=True)
class Scenario:
    """A planted treatment: SimulationSpec overrides and per-set reversal probabilities
    (None: the skin pattern's own; {}: every disease gene reverts with reversal_fraction)."""

    spec: Mapping
    per_set: Mapping[str, float] | None
    truth: str  # the verdict a perfect analysis would give


SCENARIOS: dict[str, Scenario] = {
    "no effect": Scenario({"treatment": "none"}, None, "no meaningful reversal"),
    "off-signature": Scenario(
        {"treatment": "none", "treatment_only_fraction": 0.05}, None, "no meaningful reversal"
    ),
    "30% reversal": Scenario(
        {"treatment": "reverse", "reversal_fraction": 0.3}, {}, "partially reverses"
    ),
    "70% reversal": Scenario({"treatment": "reverse", "reversal_fraction": 0.7}, {}, "reverses"),
    "aggravation": Scenario({"treatment": "aggravate"}, None, "aggravates"),
    "one pathway only": Scenario(
        # the whole signature moves by a slope of about −0.09, inside the negligible band; the
        # pathway itself is called among the gene sets
        {"treatment": "reverse", "reversal_fraction": 0.0},
        {FOCUS_SET: 1.0},
        "no meaningful reversal",
    ),
}
# gene-gene correlation and a batch effect, as in real experiments
STRUCTURES: dict[str, dict] = {
    "independent genes": {},
    "modules + batch": {"module_size": 40, "module_sd": 0.25, "batch_sd": 0.3},
}


def planted_sets(
    curated: Mapping[str, Sequence[str]], per_set: Mapping[str, float] | None
) -> dict[str, simulate.PlantedSet]:
    """The skin pattern with every set's reversal probability replaced as the scenario says."""
    planted = simulate.skin_planted_sets(curated)
    if per_set is None:
        return planted
    return {name: replace(s, reversal_fraction=per_set.get(name)) for name, s in planted.items()}


def simulate_scenario(
    curated: Mapping[str, Sequence[str]],
    scenario: str,
    n_per_group: int,
    seed: int,
    n_genes: int = 5000,
    structure: str = "independent genes",
    noise_seed: int | None = None,
) -> simulate.SimulatedData:
    """One simulated dataset of a scenario (``noise_seed``: same truth, independent counts)."""
    plan = SCENARIOS[scenario]
    planted = planted_sets(curated, plan.per_set)
    named = [g for s in planted.values() for g in s.genes]
    spec = simulate.SimulationSpec(
        n_per_group=n_per_group,
        seed=seed,
        noise_seed=noise_seed,
        **{**plan.spec, **STRUCTURES[structure]},
    )
    return simulate.simulate(simulate.gene_universe(n_genes, named), planted, spec)


def as_anndata(
    data: simulate.SimulatedData, roles=("control", "disease", "treatment")
) -> ad.AnnData:
    """The canonical AnnData the load step would build from a simulated dataset, keeping the
    samples of ``roles`` (disease and treatment only: a two-arm study)."""
    sheet = data.samples.set_index("sample")
    sheet = sheet[sheet["condition"].map(LABELS).isin(roles)]
    data = simulate.SimulatedData(data.counts[sheet.index], sheet.reset_index(), data.truth)
    obs = sheet.drop(columns=["replicate"]).astype(str)
    obs["role"] = obs["condition"].map(LABELS)
    counts = data.counts.T
    adata = ad.AnnData(
        X=counts.to_numpy().astype(float),
        obs=obs,
        var=pd.DataFrame({"symbol": counts.columns.astype(str)}, index=counts.columns.astype(str)),
    )
    adata.layers["counts"] = counts.to_numpy()
    conditions = {role: label for role, label in CONDITIONS.items() if role in roles}
    adata.uns.update(conditions=conditions, kind="counts", species="mouse")
    return adata


def disease_gate(
    expression: np.ndarray,
    design: linear_model.Design,
    genes: pd.Series,
    gene_sets: Mapping[str, list[str]],
) -> pd.DataFrame:
    """A GSEA-like table (gene_set, NES, fdr) from the t-test of each set score's disease shift."""
    names, membership = membership_matrix(genes, gene_sets)
    scores = set_scores(expression, membership)
    d, _ = linear_model.contrasts_of(scores, design)
    pooled = linear_model.residual_variance(scores, design)
    stat = d / np.sqrt(pooled * design.variance_factor(design.disease, design.disease))
    p = 2 * stats.t.sf(np.abs(stat), design.df_residual)
    return pd.DataFrame(
        {"gene_set": names, "NES": np.sign(stat), "fdr": stats.false_discovery_control(p)}
    )


@dataclass
class Analysis:
    """A simulated dataset analysed as the pipeline does, up to the reversal statistics."""

    data: simulate.SimulatedData
    genes: pd.DataFrame
    effects: object  # estimates.CorrectedEffects
    expression: np.ndarray
    design: linear_model.Design
    plan: nulls.NullPlan
    world: bootstrap.World

    def signature(self, rule: VerdictRule):
        return signature_verdict(
            self.genes, self.effects, self.expression, self.design, self.plan, rule, self.world
        )

    def estimator_selection(self) -> Selection | None:
        """The genes the headline figures use: the fast model's n most significant, n = the
        DE step's disease genes (None when there are too few to judge)."""
        n_top = int(self.genes["disease_gene"].sum())
        if n_top < 3:
            return None
        estimator = FastStatistic.estimator(self.expression, self.design, n_top)
        return estimator.evaluate(*linear_model.least_squares(self.expression, self.design))[1]

    def estimator_genes(self) -> tuple[np.ndarray, np.ndarray]:
        """``estimator_selection`` as a mask over the genes, and which of them go up."""
        mask, up = np.zeros(len(self.genes), bool), np.zeros(len(self.genes), bool)
        selection = self.estimator_selection()
        if selection is not None:
            mask[selection.rows] = True
            up[selection.rows] = selection.up
        return mask, up

    def gene_sets(self, sets: Mapping[str, list[str]], rule: VerdictRule) -> pd.DataFrame:
        """Per-set verdicts, sets judged by the t-test of their disease shift."""
        gate = disease_gate(self.expression, self.design, self.genes["gene"], sets)
        return gene_set_verdicts(
            self.genes, self.effects, self.expression, self.design, sets, gate, gate, rule
        )


def analyse(
    data: simulate.SimulatedData, rule: VerdictRule, adata: ad.AnnData | None = None
) -> Analysis:
    """DE (pydeseq2, vectorized engine; ~batch + condition when there are batches, ~patient +
    condition for paired samples), the gene table with corrected effects, log2 expression, the
    linear model's design and the null. ``adata``: the dataset as loaded, when it is not the
    three groups of ``data`` (one arm of a multi-arm study)."""
    adata = as_anndata(data) if adata is None else adata
    blocks = [c for c in ("batch", "patient") if c in adata.obs]
    formula = "~" + " + ".join([*blocks, "condition"])
    logging.disable(logging.INFO)
    try:
        result = de.run(adata, DESettings.from_config({"design": formula}))
    finally:
        logging.disable(logging.NOTSET)
    genes, effects = gene_table(
        result.tables["disease_vs_control"],
        result.tables["treatment_vs_disease"],
        result.tables["treatment_vs_control"],
        rule,
    )
    tested = adata[:, genes["gene"].to_numpy()]
    size_factors = result.size_factors.set_index("sample")["size_factor"]
    expression = linear_model.log_expression(tested, size_factors.loc[tested.obs_names].to_numpy())
    covariates = tested.obs[blocks] if blocks else None
    design = linear_model.Design.from_samples(tested.obs["role"].to_numpy(), covariates)
    plan = nulls.plan(design, rule.null_method, rule.permutations)
    dispersions = result.dispersions.set_index("gene")
    world = world_of(tested, expression, size_factors, design, dispersions, effects)
    return Analysis(data, genes, effects, expression, design, plan, world)


def evaluate(
    curated: Mapping[str, Sequence[str]],
    scenario: str,
    n_per_group: int,
    seed: int,
    rule: VerdictRule,
    n_genes: int = 5000,
    structure: str = "independent genes",
) -> dict:
    """Simulate one dataset, analyse it as the pipeline does, and score the answer."""
    data = simulate_scenario(curated, scenario, n_per_group, seed, n_genes, structure)
    analysis = analyse(data, rule)
    logging.disable(logging.INFO)
    try:
        signature = analysis.signature(rule)
        sets = {name: list(s.genes) for name, s in planted_sets(curated, None).items()}
        sets.update({name: list(members) for name, members in curated.items()})
        table = analysis.gene_sets(sets, rule)
    finally:
        logging.disable(logging.NOTSET)
    genes = analysis.genes
    truth = data.truth.reindex(genes["gene"])
    row = {
        "scenario": scenario,
        "structure": structure,
        "n_per_group": n_per_group,
        "seed": seed,
        "verdict": signature.verdict,
        "expected": SCENARIOS[scenario].truth,
        "null": analysis.plan.method,
        "p_reversal": signature.p_reversal,
        "p_connectivity": signature.connectivity.get("p", math.nan),
        "n_disease_genes": signature.n_disease_genes,
    }
    row.update(_figure_truths(genes, truth, signature, analysis.estimator_genes()))
    row.update(_set_scores(table, truth, sets, genes))
    return row


def _figure_truths(
    genes: pd.DataFrame,
    truth: pd.DataFrame,
    signature,
    used: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict:
    """Each headline figure: observed, estimate, truth over the genes it used (``used``: mask
    and up-direction of the estimator's genes; default the selected disease genes), covered?"""
    if used is None:
        selected = genes["disease_gene"].to_numpy()
        up = genes["disease_log2FC"].to_numpy() > 0
    else:
        selected, up = used
    big_d, big_t = truth["disease_lfc"].to_numpy(), truth["treatment_lfc"].to_numpy()
    masks = {
        "slope": (selected, 1.0),
        "percent_improvement_up": (selected & up, -100.0),
        "percent_improvement_down": (selected & ~up, -100.0),
    }
    row = {}
    for name in FIGURES:
        mask, scale = masks[name]
        denominator = float(big_d[mask] @ big_d[mask])
        true_value = scale * float(big_d[mask] @ big_t[mask]) / denominator if denominator else 0.0
        figure = getattr(signature, name)
        row[f"{name}_truth"] = true_value
        row[f"{name}_observed"] = figure.observed
        row[f"{name}_null_expected"] = figure.null_expected
        row[f"{name}_estimate"] = figure.estimate
        row[f"{name}_ci_low"] = figure.ci_low
        row[f"{name}_ci_high"] = figure.ci_high
        row[f"{name}_covered"] = bool(figure.ci_low <= true_value <= figure.ci_high)
    return row


def _set_scores(
    table: pd.DataFrame, truth: pd.DataFrame, sets: Mapping[str, list[str]], genes: pd.DataFrame
) -> dict:
    """Gene-set calls on sets the treatment truly leaves alone (no gene with a treatment
    effect), and the focus set's verdict."""
    tested = set(genes["gene"])
    treated = truth.index[truth["treatment_lfc"] != 0]
    unchanged = {name for name, members in sets.items() if not set(members) & tested & set(treated)}
    calls = table[table["verdict"].isin(CALLS)]
    verdicts = table.set_index("gene_set")["verdict"]
    return {
        "set_calls": len(calls),
        "set_false_calls": int(calls["gene_set"].isin(unchanged).sum()),
        "focus_set_verdict": verdicts.get(FOCUS_SET, ""),
    }


def verdict_rates(group: pd.DataFrame) -> dict:
    """The number of datasets of a study row and the % given each verdict."""
    record = {"datasets": len(group)}
    for verdict in VERDICTS:
        record[verdict] = 100 * float((group["verdict"] == verdict).mean())
    return record


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Per scenario × structure × replicates: verdict rates (%), median estimate vs truth and
    CI coverage (%) of each figure, gene-set FDR (% false among calls, averaged over datasets)
    and calls per dataset, connectivity p < 0.05 (%)."""
    keys = ["scenario", "structure", "n_per_group"]
    out = []
    for key, group in rows.groupby(keys, sort=False):
        record = dict(zip(keys, key, strict=True))
        record.update(verdict_rates(group))
        for name in FIGURES:
            record[f"{name} truth"] = float(group[f"{name}_truth"].median())
            record[f"{name} estimate"] = float(group[f"{name}_estimate"].median())
            record[f"{name} observed"] = float(group[f"{name}_observed"].median())
            record[f"{name} coverage"] = 100 * float(group[f"{name}_covered"].mean())
        # FDR = E[false calls / max(calls, 1)] over datasets
        proportion = group["set_false_calls"] / group["set_calls"].clip(lower=1)
        record["set FDR"] = 100 * float(proportion.mean())
        record["set calls per dataset"] = float(group["set_calls"].mean())
        record["connectivity p<0.05"] = 100 * float((group["p_connectivity"] < 0.05).mean())
        out.append(record)
    return pd.DataFrame(out)


# --- reference signatures ------------------------------------------------------------------------

REFERENCE_SCENARIOS = ("no effect", "off-signature", "30% reversal", "70% reversal")


def reference_from(data: simulate.SimulatedData, spec: ReferenceSpec) -> pd.DataFrame:
    """An independent study's disease-vs-control DE table, as a reference would be read."""
    logging.disable(logging.INFO)
    try:
        table = de.run(as_anndata(data), DESettings.from_config({})).tables["disease_vs_control"]
    finally:
        logging.disable(logging.NOTSET)
    reference = pd.DataFrame(
        {
            "gene": table["gene"],
            "log2FC": table["log2FC"],
            "se": table["lfcSE"],
            "padj": table["padj"].fillna(1.0),
        }
    ).dropna(subset=["log2FC"])
    reference["selected"] = (reference["padj"] < spec.padj) & (
        reference["log2FC"].abs() >= spec.min_abs_log2fc
    )
    return reference.reset_index(drop=True)


def evaluate_reference(
    curated: Mapping[str, Sequence[str]],
    scenario: str,
    n_per_group: int,
    seed: int,
    rule: VerdictRule,
    n_genes: int = 5000,
    structure: str = "independent genes",
    reference_replicates: int = 6,
) -> dict:
    """A two-arm dataset (disease + treatment) judged against a reference signature from an
    independent simulated study with the same truth (same planted effects, other counts)."""
    data = simulate_scenario(curated, scenario, n_per_group, seed, n_genes, structure)
    reference_data = simulate_scenario(
        curated, scenario, reference_replicates, seed, n_genes, "independent genes", noise_seed=1
    )
    spec = ReferenceSpec.from_config("independent study", {"path": "simulated", "species": "mouse"})
    reference = reference_from(reference_data, spec)
    adata = as_anndata(data, roles=("disease", "treatment"))
    formula = "~batch + condition" if "batch" in adata.obs else "~condition"
    logging.disable(logging.INFO)
    try:
        result = de.run(adata, DESettings.from_config({"design": formula}))
        symbols = pd.Series(adata.var_names, index=adata.var_names)
        mapped = map_to_data(reference, spec, symbols, "mouse", None)
        sets = [GeneSet(name, "", tuple(genes)) for name, genes in curated.items()]
        outcome = run_reference(
            spec,
            mapped,
            result.tables["treatment_vs_disease"],
            adata,
            result.size_factors.set_index("sample")["size_factor"],
            sets,
            rule,
            formula,
        )
    finally:
        logging.disable(logging.NOTSET)
    genes = outcome.genes.rename(
        columns={"reference_selected": "disease_gene", "reference_log2FC": "disease_log2FC"}
    )
    truth = data.truth.reindex(genes["gene"])
    row = {
        "scenario": f"reference: {scenario}",
        "structure": structure,
        "n_per_group": n_per_group,
        "seed": seed,
        "verdict": outcome.verdict,
        "expected": SCENARIOS[scenario].truth,
        "null": outcome.null.method,
        "p_reversal": outcome.p_reversal,
        "p_connectivity": outcome.connectivity.get("p", math.nan),
        "n_disease_genes": int(genes["disease_gene"].sum()),
    }
    sets_genes = {name: list(members) for name, members in curated.items()}
    if len(outcome.sets):
        row.update(_set_scores(outcome.sets, truth, sets_genes, genes))
    else:
        row.update({"set_calls": 0, "set_false_calls": 0, "focus_set_verdict": ""})

    class _Figures:  # the reference figures under the signature's attribute names
        def __getattr__(self, name):
            return outcome.figures[name]

    row.update(_figure_truths(genes, truth, _Figures()))
    return row
