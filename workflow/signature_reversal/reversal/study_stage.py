"""The study stage: a multi-arm study's arms ranked, compared head to head and along their
dose or time order, on the own signature, every reference signature and every curated set.

Reads what each arm's analysis wrote (its summaries, gene tables and set tables) and the
study's data (every group, in any arm's dataset), so each arm's figures are the ones printed in
its own section; only the differences' intervals and p-values are computed here
(``head_to_head``).
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
from scipy import stats

from ..inputs.gene_sets import restrict_to_genes
from ..inputs.gmt import GeneSet
from ..layout import AnalysisLayout
from . import head_to_head, linear_model
from .set_verdicts import NOT_CHANGED, membership_matrix

log = logging.getLogger("signature_reversal")


@dataclass(frozen=True)
class ArmSource:
    """One arm: its name and the folder of its analysis."""

    name: str
    root: str

    @property
    def layout(self) -> AnalysisLayout:
        return AnalysisLayout(self.root)


@dataclass
class StudyResult:
    comparisons: pd.DataFrame  # pair or trend × signature × figure
    gene_sets: pd.DataFrame  # pair × curated set: difference in fraction restored
    ranking: pd.DataFrame  # one row per arm and signature: figures and verdict
    summary: dict  # sentences, order, placebo


def _read_json(path: str) -> dict:
    return json.loads(Path(path).read_text())


def _effect(adata: ad.AnnData, conditions: Mapping[str, str]) -> dict[str, float]:
    """An arm's treatment effect as weights of the study design's roles."""
    role_of = dict(
        zip(adata.obs["condition"].astype(str), adata.obs["role"].astype(str), strict=False)
    )
    return {role_of[conditions["treatment"]]: 1.0, role_of[conditions["disease"]]: -1.0}


def comparison_pairs(names: Sequence[str], placebo: str | None) -> list[tuple[str, str]]:
    """Every pair of arms once: against the placebo first (drug vs placebo), then the others in
    the order given."""
    pairs = []
    if placebo is not None:
        pairs += [(name, placebo) for name in names if name != placebo]
    rest = [n for n in names if n != placebo]
    return pairs + list(itertools.combinations(rest, 2))


def run(
    arms: Sequence[ArmSource],
    conditions: Mapping[str, Mapping[str, str]],
    adata: ad.AnnData,
    size_factors: pd.Series,
    curated: Sequence[GeneSet],
    references: Sequence[str],
    design_formula: str = "~condition",
    ordered: str | None = None,
    placebo: str | None = None,
    trend_arms: Sequence[str] = (),
) -> StudyResult:
    """Rank the arms, compare every pair (``placebo``'s first) and the trend of ``trend_arms``
    along ``ordered``. ``conditions``: each arm's role → label; ``adata``: the first
    arm's dataset (every group)."""
    own = all("control" in conditions[arm.name] for arm in arms)
    summaries = {arm.name: _read_json(arm.layout.reversal_summary) for arm in arms} if own else {}
    first = arms[0].layout
    genes = pd.read_csv(_tested_genes_table(first, own, references), sep="\t")
    tested = adata[:, genes["gene"].astype(str).to_numpy()]
    expression = linear_model.log_expression(tested, size_factors.loc[tested.obs_names].to_numpy())
    design = linear_model.Design.from_formula(tested.obs, design_formula)
    row_of = {g: i for i, g in enumerate(tested.var_names.astype(str))}
    effects = {arm.name: _effect(adata, conditions[arm.name]) for arm in arms}
    names = [arm.name for arm in arms]
    disease_of = {name: conditions[name]["disease"] for name in names}
    pairs = comparison_pairs(names, placebo)
    along = list(trend_arms) if ordered else []
    labels = {head_to_head.OWN: f"{disease_of[names[0]]} signature"}
    figures_by_signature: dict[str, dict[str, head_to_head.ArmFigures]] = {}
    sources: dict[str, dict[str, dict]] = {}  # signature → arm → its printed figures
    if own:
        figures_by_signature[head_to_head.OWN] = {
            arm.name: head_to_head.own_figures(
                arm.name,
                effects[arm.name],
                summaries[arm.name]["signature"],
                pd.read_csv(arm.layout.gene_reversal, sep="\t"),
                row_of,
            )
            for arm in arms
        }
        sources[head_to_head.OWN] = {n: summaries[n]["signature"] for n in names}
    for reference in references:
        reference_summaries = {
            arm.name: _read_json(arm.layout.reference_summary(reference)) for arm in arms
        }
        figures_by_signature[reference] = {
            arm.name: head_to_head.reference_figures(
                arm.name,
                effects[arm.name],
                reference_summaries[arm.name],
                pd.read_csv(arm.layout.reference_genes(reference), sep="\t"),
                row_of,
            )
            for arm in arms
        }
        sources[reference] = reference_summaries
    rows = []
    for signature, figures in figures_by_signature.items():
        for a, b in pairs:
            if signature == head_to_head.OWN and disease_of[a] != disease_of[b]:
                log.info("%s vs %s: own signatures differ (different disease groups)", a, b)
                continue
            rows += head_to_head.pair(expression, design, figures[a], figures[b], signature, labels)
        shared = len({disease_of[n] for n in along}) == 1
        if len(along) >= 2 and (signature != head_to_head.OWN or shared):
            rows += head_to_head.trend(
                expression, design, [figures[n] for n in along], signature, ordered, labels
            )
    comparisons = pd.DataFrame([r.to_dict() for r in rows], columns=_COMPARISON_COLUMNS)
    for _, row in comparisons[comparisons["figure"] == "slope"].iterrows():
        log.info("%s: %s", row["signature"], row["sentence"])
    sets = _set_differences(
        arms, pairs, disease_of, effects, expression, design, curated, tested, own
    )
    ranking = _ranking(sources, names, labels)
    summary = {
        "arms": names,
        "ordered": ordered,
        "trend_arms": along,
        "placebo": placebo,
        "sentences": [
            {k: row[k] for k in ("signature", "first", "second", "sentence", "p")}
            for _, row in comparisons[comparisons["figure"] == "slope"].iterrows()
        ],
        "method": head_to_head.METHOD,
    }
    return StudyResult(comparisons, sets, ranking, summary)


_COMPARISON_COLUMNS = list(head_to_head.Comparison.__dataclass_fields__)


def _tested_genes_table(layout: AnalysisLayout, own: bool, references: Sequence[str]) -> str:
    """A table of every tested gene: the gene table, or (no control) the treatment DE table."""
    if own:
        return layout.gene_reversal
    if not references:
        raise ValueError(
            "a study without a control group has no signature to compare its arms on: add "
            "reference_signatures"
        )
    return layout.de_table("treatment_vs_disease")


def _set_differences(
    arms: Sequence[ArmSource],
    pairs: list[tuple[str, str]],
    disease_of: Mapping[str, str],
    effects: Mapping[str, Mapping[str, float]],
    expression: np.ndarray,
    design: linear_model.Design,
    curated: Sequence[GeneSet],
    tested: ad.AnnData,
    own: bool,
) -> pd.DataFrame:
    """Per pair sharing a disease group, per curated set the disease changed: the difference
    in fraction restored; BH-adjusted across the sets of each pair."""
    columns = ["gene_set", "first", "second", "difference_restored", "ci_low", "ci_high", "p"]
    if not own:
        return pd.DataFrame(columns=[*columns, "fdr"])
    table = pd.read_csv(arms[0].layout.gene_set_reversal, sep="\t")
    judged = set(table.loc[table["verdict"] != NOT_CHANGED, "gene_set"]) if len(table) else set()
    usable, _ = restrict_to_genes(curated, tested.var_names, 1, 10**9)
    usable = {name: genes for name, genes in usable.items() if name in judged}
    if not usable:
        return pd.DataFrame(columns=[*columns, "fdr"])
    set_names, membership = membership_matrix(pd.Series(tested.var_names), usable)
    frames = []
    for a, b in pairs:
        if disease_of[a] != disease_of[b]:
            continue
        frame = head_to_head.set_pair(
            expression, design, membership, set_names, a, b, effects[a], effects[b]
        )
        finite = frame["p"].notna()
        frame["fdr"] = np.nan
        frame.loc[finite, "fdr"] = stats.false_discovery_control(frame.loc[finite, "p"])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _ranking(
    sources: Mapping[str, Mapping[str, dict]], names: Sequence[str], labels: Mapping[str, str]
) -> pd.DataFrame:
    """One row per signature and arm, best first within each signature (most negative slope:
    most of the signature restored)."""
    rows = []
    for signature, by_arm in sources.items():
        for name in names:
            source = by_arm[name]
            row = {"signature": labels.get(signature, signature), "arm": name}
            row["verdict"] = source.get("verdict")
            for figure in head_to_head.FIGURE_LABELS:
                entry = source.get(figure) or {}
                row[f"{figure}"] = entry.get("estimate")
                row[f"{figure}_ci_low"] = entry.get("ci_low")
                row[f"{figure}_ci_high"] = entry.get("ci_high")
            rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["rank"] = (
        table.groupby("signature", sort=False)["slope"]
        .rank(method="min", na_option="bottom")
        .astype(int)
    )
    return table.sort_values(["signature", "rank"], kind="stable").reset_index(drop=True)
