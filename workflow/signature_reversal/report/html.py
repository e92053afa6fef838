"""Render the one-file HTML report: verdicts first, then the evidence, for one or more analyses.

Images are embedded as base64 and no external URL is referenced, so the file opens offline and
can be e-mailed. Every user-supplied string reaches the page through Jinja2 autoescaping or
pandas' escaped ``to_html``.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import io
import json
import math
import os
import platform
import re
import urllib.parse
from dataclasses import asdict
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import yaml
from PIL import Image

from ..layout import (
    QC_FIGURES,
    REVERSAL_FIGURES,
    AnalysisLayout,
    SingleCellLayout,
    StudyLayout,
    reference_drug_outputs,
)
from ..reversal import genes_of_interest
from ..roles import contrast_by_name, contrasts_for, present_roles
from ..settings import ReportSettings, VerdictRule
from ..study import OTHER, analysis_conditions
from . import interactive, provenance

PACKAGES = (
    "signature-reversal",
    "snakemake",
    "pydeseq2",
    "gseapy",
    "anndata",
    "scanpy",
    "pandas",
    "numpy",
    "scipy",
    "matplotlib",
)
SET_COLUMNS = [
    "gene_set",
    "verdict",
    "fraction_restored",
    "fraction_restored_ci_low",
    "fraction_restored_ci_high",
    "fraction_restored_observed",
    "fraction_restored_null_expected",
    "p_reversal",
    "fdr",
    "disease_NES",
    "disease_fdr",
    "treatment_NES",
    "treatment_fdr",
    "percent_restored",
    "percent_restored_ci_low",
    "percent_restored_ci_high",
    "p_disease_vs_control",
    "p_treatment_vs_disease",
    "shared_with",
    "reason",
]
FIGURE_LABELS = {
    "slope": ("slope of T on D (−1 = full reversal)", "{:.2f}"),
    "percent_improvement_up": ("% improvement, disease-up genes", "{:.0f}%"),
    "percent_improvement_down": ("% improvement, disease-down genes", "{:.0f}%"),
}
INTEREST_COLUMNS = [
    "requested",
    "symbol",
    "how",
    "disease_log2FC",
    "disease_padj",
    "treatment_log2FC",
    "treatment_padj",
    "reversal_class",
]


def software_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


# figures are saved for papers at ``plots.DPI``; the page shows them at screen resolution
EMBED_DPI = 100


FIGURE_CACHE: Path | None = None  # set by render(): folder of figures already embedded


def embed_png(path: str | Path) -> str:
    """A figure as a data URI for the page: reduced from its print resolution to about
    ``EMBED_DPI`` (averaging whole pixel blocks: fast, and sharp enough for a screen), to a
    256-colour palette, and stored as lossless WebP — a fifth of the print file's bytes with
    the same look on screen.

    With a cache folder (the workflow's reports share one), a figure is encoded once: the
    combined report reuses what each analysis's report encoded, keyed by the PNG's checksum."""
    if FIGURE_CACHE is None:
        return _encode_png(path)
    key = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    cached = FIGURE_CACHE / f"{key}-{EMBED_DPI}.txt"
    if cached.is_file():
        return cached.read_text()
    uri = _encode_png(path)
    FIGURE_CACHE.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
    temporary.write_text(uri)
    temporary.replace(cached)  # atomic: two reports may encode the same figure at once
    return uri


def _encode_png(path: str | Path) -> str:
    with Image.open(path) as image:
        dpi = float(image.info.get("dpi", (EMBED_DPI, EMBED_DPI))[0])
        factor = max(1, round(dpi / EMBED_DPI))
        picture = image.reduce(factor) if factor > 1 else image.copy()
    buffer = io.BytesIO()
    picture.convert("RGB").quantize(
        256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    ).save(buffer, format="WEBP", lossless=True, method=4)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode()


def html_table(frame: pd.DataFrame, float_format: str = "{:.3g}") -> str:
    """A static table (escaped), scrolling sideways inside the page when it is wider."""
    table = frame.to_html(
        index=False,
        escape=True,
        border=0,
        classes="table",
        na_rep="–",
        float_format=lambda v: float_format.format(v),
    )
    return f'<div class="scroll">{table}</div>'


def anchor(name: str) -> str:
    """A safe HTML id fragment for an analysis name."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


def verdict_sentence(treatment: str, disease: str, summary: dict) -> str:
    """The overall answer as a sentence, grammatical for every verdict and every reason for
    making none (``summary`` is a signature's part of a reversal or reference summary)."""
    verdict = summary["verdict"]
    if summary.get("not_judged") == "too few genes":
        genes = summary.get("n_disease_genes", summary.get("n_reference_genes"))
        return (
            f"Not judged: the {disease} signature has only {genes} genes passing the "
            f"thresholds, too few to tell whether {treatment} reverses it."
        )
    if summary.get("not_judged") == "too few samples":
        smallest = summary.get("null", {}).get("smallest_p")
        bound = f" ({smallest:.2g})" if isinstance(smallest, int | float) else ""
        return (
            f"Not judged: the smallest p-value these replicates allow{bound} is too large for "
            f"a call, so whether {treatment} reverses the {disease} signature cannot be decided."
        )
    if verdict == "no evidence":
        return (
            f"No evidence either way: the 95% CI of the effect of {treatment} on the {disease} "
            "signature reaches from a negligible effect to a meaningful one."
        )
    if verdict == "no meaningful reversal":
        return (
            f"No meaningful reversal: any effect of {treatment} on the {disease} signature is "
            "too small to matter (its 95% CI lies within the negligible band)."
        )
    if verdict == "aggravates":
        return (
            f"{treatment} aggravates the {disease} signature: disease genes move further from "
            "control."
        )
    return f"{treatment} {verdict} the {disease} signature."


def _format(value, template: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return template.format(value)


def headline_figures(signature: dict) -> list[dict]:
    """Rows of the headline table: observed, expected if the treatment did nothing, estimate."""
    rows = []
    for name, (label, template) in FIGURE_LABELS.items():
        figure = signature.get(name) or {}
        if figure.get("estimate") is None:
            continue
        rows.append(
            {
                "label": label,
                "observed": _format(figure["observed"], template),
                "null_expected": _format(figure["null_expected"], template),
                "estimate": _format(figure["estimate"], template),
                "ci": f"{_format(figure['ci_low'], template)} to "
                f"{_format(figure['ci_high'], template)}",
                "note": figure.get("note"),
            }
        )
    moved = signature.get("percent_moved_toward_control") or {}
    if moved.get("observed") is not None:
        rows.append(
            {
                "label": "% of disease genes moved toward control",
                "observed": _format(moved["observed"], "{:.0f}%"),
                "null_expected": _format(moved["null_expected"], "{:.0f}%"),
                "estimate": "–",
                "ci": "",
                "note": None,
            }
        )
    connectivity = signature.get("connectivity") or {}
    if connectivity.get("observed") is not None:
        rows.append(
            {
                "label": "CMap connectivity (−1 = perfect reversal)",
                "observed": _format(connectivity["observed"], "{:.2f}"),
                "null_expected": _format(connectivity["null_expected"], "{:.2f}"),
                "estimate": f"p = {_format(connectivity['p'], '{:.3g}')}",
                "ci": "",
                "note": None,
            }
        )
    return rows


def interval_text(value, low, high, template: str) -> str:
    """'0.82 (95% CI 0.61 to 1.03)', saying so when the interval is unbounded."""
    if value is None or not math.isfinite(value):
        return "–"
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return f"{template.format(value)} (95% CI unbounded: the disease shift is too uncertain)"
    return f"{template.format(value)} (95% CI {template.format(low)} to {template.format(high)})"


def variability_note(table: pd.DataFrame, fit: str = "joint") -> str:
    """A warning sentence when one group's variability differs strongly from the others, with
    the advice only when it has not been taken (``fit``: the config's de.fit)."""
    flagged = table[table["flagged"]]
    if flagged.empty:
        return ""
    multi_arm = table["role"].astype(str).str.startswith(OTHER).any()
    groups = ", ".join(
        f"{row.condition} ({row.relative_variance:.1f}× "
        f"{'the quietest' if multi_arm else 'a typical'} group's)"
        for row in flagged.itertuples()
    )
    if fit == "per_contrast":
        return (
            f"Group variability differs: {groups}. Each contrast was therefore fitted on its "
            "own two groups (de.fit: per_contrast), so each keeps its own variability."
        )
    return (
        f"Group variability differs: {groups}. A joint DESeq2 fit shares each gene's dispersion "
        "across groups, which then misstates the others' variability; compare with separate "
        "fits per contrast (de.fit: per_contrast)."
    )


def answer_questions(sets: pd.DataFrame, questions: dict[str, list[str]]) -> list[dict]:
    """One answer per question: the verdict of each of its sets that disease changed."""
    by_set = sets.set_index("gene_set") if len(sets) else pd.DataFrame()
    answers = []
    records = {r["gene_set"]: r for r in _set_records(sets)}
    for question, names in questions.items():
        present = [n for n in names if n in by_set.index]
        judged = [n for n in present if by_set.at[n, "verdict"] != "not changed by disease"]
        answers.append(
            {
                "question": question,
                "sets": [records[n] for n in judged],
                "unchanged": [n for n in present if n not in judged],
                "missing": [n for n in names if n not in by_set.index],
            }
        )
    return answers


def analysis_design(config: dict, name: str) -> tuple[dict, list[str], bool, list[str]]:
    """An analysis's condition labels, contrasts, whether it has its own disease signature
    (a control group) and its reference signatures, from the run's config."""
    conditions = analysis_conditions(config, name)
    contrasts = [c.name for c in contrasts_for(present_roles(conditions))]
    return (
        conditions,
        contrasts,
        "control" in conditions,
        list(config.get("reference_signatures", {})),
    )


def analysis_context(
    name: str,
    files: AnalysisLayout,
    config: dict,
    alpha: float,
    questions: dict,
    own_report: str | None = None,
) -> dict:
    """Everything the template shows for one analysis, read from its result files.

    ``own_report`` (in a combined report): the analysis's own report, relative to the page;
    its gene tables and interactive plots are linked there instead of embedded again, so the
    combined report stays small however many analyses it holds."""
    conditions, contrast_names, own_signature, references = analysis_design(config, name)
    dataset = config["datasets"][name.split(".")[0]]
    kind = dataset.get("kind", "counts")
    metrics = pd.read_csv(files.sample_metrics, sep="\t", dtype={"sample": str})
    coverage = pd.read_csv(files.gene_set_coverage, sep="\t")
    contrasts = [
        _contrast_context(contrast_by_name(c), files, alpha, own_report is not None)
        for c in contrast_names
    ]
    own = _own_context(files, conditions, questions) if own_signature else None
    interest = "" if own else _interest_from_treatment(files, config, dataset)
    reference_contexts = [
        _reference_context(
            name,
            files,
            r,
            conditions,
            config["reference_signatures"][r],
            list(config.get("drug_libraries", {})),
        )
        for r in references
    ]
    drugs = [
        _drug_context(name, files, library, conditions)
        for library in config.get("drug_libraries", {})
    ]
    verdicts = []
    if own:
        verdicts.append(_verdict_row(anchor(name) + "-verdict", "own", own, conditions))
    verdicts += [_verdict_row(r["anchor"], r["name"], r, conditions) for r in reference_contexts]
    return {
        "name": name,
        "anchor": anchor(name),
        "meta": {
            "conditions": conditions,
            "rule": asdict(VerdictRule.from_config(config.get("reversal"))),
            "kind": kind,
            "replicates": {
                role: int((metrics["role"] == role).sum()) for role in present_roles(conditions)
            },
        },
        "own": own,
        "interest": interest,
        "references": reference_contexts,
        "drugs": drugs,
        "verdicts": verdicts,
        "variability": variability_note(
            pd.read_csv(files.group_variability, sep="\t", dtype={"condition": str}),
            config.get("de", {}).get("fit", "joint"),
        ),
        "metrics": html_table(metrics),
        "qc_note": _qc_note(metrics),
        "coverage": html_table(coverage[coverage["collection"] == "curated"]),
        "coverage_note": _coverage_note(coverage),
        "images": {
            **{name: embed_png(files.qc_figure(name)) for name in QC_FIGURES},
            "gsea_dotplot": embed_png(files.gsea_dotplot),
        },
        "contrasts": contrasts,
        "own_report": own_report,
    }


def _verdict_row(target: str, signature: str, context: dict, conditions: dict) -> dict:
    """One row of the overview table."""
    summary = context["summary"].get("signature", context["summary"])
    slope = summary.get("slope") or {}
    return {
        "anchor": target,
        "signature": "own (disease vs control)" if signature == "own" else signature,
        "sentence": context["headline"],
        "slope": interval_text(
            slope.get("estimate"), slope.get("ci_low"), slope.get("ci_high"), "{:.2f}"
        ),
        "p": _format(summary.get("p_reversal"), "{:.3g}"),
        "genes": summary.get("n_disease_genes", summary.get("n_reference_genes", "–")),
    }


TOP_SETS = 15


def _gsea_engine(enrichment: dict) -> str:
    """The Methods' words for the GSEA engine and how its p-values were obtained."""
    if enrichment.get("engine", "vectorized") != "vectorized":
        return "gseapy, p-values floored at 1/(permutations + 1)"
    if enrichment.get("multilevel", True):
        return (
            "fgsea's simple algorithm, vectorized, p-values floored at 1/(permutations + 1) "
            "except where the permutations resolve them too coarsely: there fgsea's multilevel "
            "splitting Monte Carlo estimate with its log2err (Korotkevich et al. 2021)"
        )
    return "fgsea's simple algorithm, vectorized, p-values floored at 1/(permutations + 1)"


def _top_sets(gsea: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """The most significant sets of the other collections that repeat no more significant one
    (``redundant_with`` empty), each with how many significant sets repeat it: a GO-scale
    result read in fifteen lines instead of hundreds."""
    others = gsea[(gsea["collection"] != "curated") & (gsea["fdr"] < alpha)]
    if others.empty or "redundant_with" not in others:
        return pd.DataFrame()
    marks = others["redundant_with"].fillna("")
    kept = others[marks == ""].head(TOP_SETS)
    repeats = marks[marks != ""].value_counts()
    names = kept["collection"].astype(str) + ":" + kept["gene_set"].astype(str)
    return kept[["collection", "gene_set", "size", "NES", "pvalue", "fdr"]].assign(
        similar_sets=names.map(repeats).fillna(0).astype(int).to_numpy()
    )


def _contrast_context(contrast, files: AnalysisLayout, alpha: float, linked: bool) -> dict:
    """The DE section of one contrast; ``linked``: the gene table and interactive plots stay in
    the analysis's own report (a combined report shows the static volcano and links there)."""
    table = pd.read_csv(files.de_table(contrast.name), sep="\t", dtype={"gene": str})
    gsea = pd.read_csv(files.gsea_table(contrast.name), sep="\t")
    ora = pd.read_csv(files.ora_table(contrast.name), sep="\t")
    ora_top = ora.sort_values(["pvalue", "gene_set"]).groupby("direction", sort=False).head(8)
    ora_top.insert(0, "call", np.where(ora_top["fdr"] < alpha, "enriched", "n.s."))
    gsea = interactive.by_significance(gsea, "fdr")
    curated = gsea[gsea["collection"] == "curated"]
    top = _top_sets(gsea, alpha)
    return {
        "name": contrast.name,
        "meaning": contrast.meaning,
        "n_tested": len(table),
        "n_up": int(((table["padj"] < alpha) & (table["log2FC"] > 0)).sum()),
        "n_down": int(((table["padj"] < alpha) & (table["log2FC"] < 0)).sum()),
        "table_json": ""
        if linked
        else interactive.packed_table(interactive.by_significance(table)),
        "volcano": embed_png(files.volcano(contrast.name)) if linked else "",
        "gsea_json": interactive.packed_table(gsea),
        "gsea_curated": html_table(curated[["gene_set", "size", "NES", "pvalue", "fdr"]].head(40)),
        "gsea_top": html_table(top) if len(top) else "",
        "gsea_top_count": len(top),
        "ora": html_table(
            ora_top[
                [
                    "direction",
                    "call",
                    "collection",
                    "gene_set",
                    "overlap",
                    "odds_ratio",
                    "pvalue",
                    "fdr",
                ]
            ]
        ),
    }


def _interest_from_treatment(files: AnalysisLayout, config: dict, dataset: dict) -> str:
    """Genes of interest in the treatment contrast (a two-arm study has no reversal table)."""
    table = pd.read_csv(files.de_table("treatment_vs_disease"), sep="\t", dtype={"gene": str})
    symbols = table.set_index("gene")["symbol"].astype(str)
    matched = genes_of_interest.match_genes(
        list(config.get("genes_of_interest", [])), symbols, dataset.get("species", "mouse"), None
    )
    rows = matched.merge(table.drop(columns=["symbol"]), on="gene", how="left")
    return html_table(rows[["requested", "symbol", "how", "baseMean", "log2FC", "padj"]])


WIDE_INTERVAL = 3.0  # a fraction-restored interval wider than this is not read as a number


def pathway_verdicts(sets: pd.DataFrame) -> pd.DataFrame:
    """The curated sets disease changed, most significant first, in the units the report
    states: fraction of the disease shift restored (1 = back to control) with its interval,
    FDR, and the per-sample pathway score's % of the way back. An interval too wide to read
    (a small, uncertain disease shift: Fieller's interval then spans thousands of percent) is
    said to be so instead of printed as if it were a measurement."""
    judged = sets[sets["verdict"] != "not changed by disease"]
    judged = judged.sort_values(["fdr", "p_reversal"], na_position="last", kind="mergesort")
    low, high = judged["fraction_restored_ci_low"], judged["fraction_restored_ci_high"]
    unreadable = ~np.isfinite(low) | ~np.isfinite(high) | ((high - low) > WIDE_INTERVAL)
    columns = {
        "gene set": judged["gene_set"],
        "verdict": judged["verdict"],
        "FDR": judged["fdr"],
        "fraction restored": judged["fraction_restored"],
        "95% CI low": low.where(~unreadable),
        "95% CI high": high.where(~unreadable),
    }
    if "percent_restored" in judged:  # the own signature's per-sample pathway scores
        columns["pathway score: % of the way back"] = judged["percent_restored"]
    columns["note"] = np.where(
        unreadable, "interval too wide to read: the disease shift is small or uncertain", ""
    )
    if "shared_with" in judged:
        columns["driven by genes shared with"] = judged["shared_with"].fillna("")
    return pd.DataFrame(columns).reset_index(drop=True)


def _own_context(files: AnalysisLayout, conditions: dict, questions: dict) -> dict:
    """The dataset's own signature: verdict, figures, sets, genes and their figures."""
    summary = json.loads(Path(files.reversal_summary).read_text())
    sets = pd.read_csv(files.gene_set_reversal, sep="\t")
    genes = pd.read_csv(files.gene_reversal, sep="\t", dtype={"gene": str})
    interest = pd.read_csv(files.genes_of_interest, sep="\t", dtype=str)
    class_counts = (
        genes.loc[genes["disease_gene"], "reversal_class"]
        .value_counts()
        .rename_axis("class")
        .reset_index(name="disease genes")
    )
    return {
        "summary": summary,
        "sets": _set_records(sets),
        "headline": verdict_sentence(
            conditions["treatment"], conditions["disease"], summary["signature"]
        ),
        "figures": headline_figures(summary["signature"]),
        "sets_table": html_table(sets.reindex(columns=SET_COLUMNS)) if len(sets) else "",
        "sets_json": interactive.packed_table(interactive.by_significance(sets, "fdr"))
        if len(sets)
        else "",
        "genes_json": interactive.packed_table(
            interactive.by_significance(
                genes[genes["disease_gene"]].drop(columns=["disease_gene"]), "disease_padj"
            )
        ),
        "answers": answer_questions(sets, questions),
        "pathways_json": interactive.packed_table(pathway_verdicts(sets)) if len(sets) else "",
        "n_pathways": int((sets["verdict"] != "not changed by disease").sum()) if len(sets) else 0,
        "class_counts": html_table(class_counts),
        "interest": html_table(_numeric(interest[INTEREST_COLUMNS])),
        "images": {name: embed_png(files.reversal_figure(name)) for name in REVERSAL_FIGURES},
    }


def _reference_context(
    analysis: str,
    files: AnalysisLayout,
    reference: str,
    conditions: dict,
    entry: dict,
    libraries: list[str] = (),
) -> dict:
    """One reference signature: verdict, figures, mapping, scatter and pathways."""
    summary = json.loads(Path(files.reference_summary(reference)).read_text())
    sets = pd.read_csv(files.reference_sets(reference), sep="\t")
    genes = pd.read_csv(files.reference_genes(reference), sep="\t", dtype={"gene": str})
    counts = summary["mapping"]
    judged = sets[sets["verdict"] != "not changed by disease"] if len(sets) else sets
    records = []
    for row in judged.astype(object).where(judged.notna(), None).to_dict("records"):
        row["fraction_text"] = interval_text(
            row["fraction_restored"],
            row["fraction_restored_ci_low"],
            row["fraction_restored_ci_high"],
            "{:.2f}",
        )
        row["fdr"] = row["fdr"] if row["fdr"] is not None else math.nan
        records.append(row)
    return {
        "name": reference,
        "anchor": f"{anchor(analysis)}-reference-{anchor(reference)}",
        "description": entry.get("description", ""),
        "summary": summary,
        "headline": verdict_sentence(conditions["treatment"], f"{reference} reference", summary),
        "figures": headline_figures(summary),
        "mapping_note": (
            f"{counts['selected_genes']} of its {counts['reference_genes']} genes pass its "
            f"thresholds; of these, {counts['selected_mapped']} map to a tested gene of this "
            f"dataset, {counts['selected_ambiguous_ortholog']} have ambiguous orthologs, "
            f"{counts['selected_no_ortholog']} have no ortholog and "
            f"{counts['selected_not_among_the_tested_genes']} are not among the tested genes"
            + (
                f"; {counts['selected_no_usable_standard_error']} have no usable standard error "
                "and are left out"
                if counts.get("selected_no_usable_standard_error")
                else ""
            )
            + "."
            + "".join(f" {note[0].upper()}{note[1:]}." for note in summary.get("notes", []))
        ),
        "scatter": embed_png(files.reference_scatter(reference)),
        "sets": records,
        "pathways_json": interactive.packed_table(pathway_verdicts(sets)) if len(judged) else "",
        "genes_json": interactive.packed_table(
            interactive.by_significance(genes[genes["reference_selected"]], "reference_padj")
        ),
        "drugs": [
            _reference_drug_sentence(reference, library, Path(files.root).parent)
            for library in libraries
        ],
    }


def strongest_compounds(answer: dict, listed: int = 5) -> str:
    """A query's strongest compounds on its side, with their NCS and FDR, as text."""
    return ", ".join(
        f"{c['compound']} (NCS {c['ncs']:.2f}, FDR {c['fdr']:.2g})"
        for c in answer["top_compounds"][:listed]
    )


def _reference_drug_sentence(reference: str, library: str, results: Path) -> str:
    """Which library compounds reverse a published signature, in one sentence (``results``:
    the folder the analyses' folders are in)."""
    summary_path = Path(reference_drug_outputs(reference, library)["summary"])
    summary = json.loads((results.parent / summary_path).read_text())
    answer = summary["queries"]["disease"]
    named = strongest_compounds(answer)
    return (
        f"Known drugs ({library}) whose signatures reverse the {reference} signature: "
        f"{answer['compounds_significant']} of {answer['compounds_tested']} compounds at FDR < "
        f"{summary['fdr']}; strongest: {named or 'none'} ({summary['coverage']})."
    )


def _drug_context(analysis: str, files: AnalysisLayout, library: str, conditions: dict) -> dict:
    """One drug library: the answers in sentences, the compound tables and the figure."""
    summary = json.loads(Path(files.drug_file(library, "summary.json")).read_text())
    compounds = pd.read_csv(files.drug_file(library, "compounds.tsv"), sep="\t")
    signatures = pd.read_csv(files.drug_file(library, "signatures.tsv"), sep="\t")
    treatment = conditions["treatment"]
    sentences = []
    for query, verb in (("disease", "reverse"), ("treatment", "resemble")):
        answer = summary["queries"].get(query)
        if answer is None:
            continue
        named = strongest_compounds(answer)
        subject = f"the {conditions['disease']} signature" if query == "disease" else treatment
        lead = (
            f"Compounds whose signatures {verb} {subject}"
            if query == "disease"
            else f"Compounds {treatment} resembles"
        )
        sentences.append(
            f"{lead}: {answer['compounds_significant']} of {answer['compounds_tested']} at "
            f"FDR < {summary['fdr']}; strongest: {named or 'none on this side'}."
        )
    if len(sentences) > 1:
        sentences.append(
            "The FDR counts both questions' compounds together: one false-call rate for the "
            "analysis, not one per question. Genes that move together from sample to sample "
            "(co-regulated programmes the signatures share) are allowed for only in part: on "
            "real mouse skin with 3 mice per group and no link to any drug, a quarter of "
            "datasets still made a call — read a call as a lead to check (docs/drugs.md)."
        )
    placement = summary.get("placement")
    if placement and placement.get("ncs") is not None:
        sentences.append(
            f"Where {treatment} stands: its own signature ({placement['tags']} genes each way, "
            f"its effects decorrelated from the shared {conditions['disease']} samples) scored "
            f"in the {conditions['disease']} ranking has NCS {placement['ncs']:.2f} "
            f"(p = {placement['p']:.3g} against random signatures of its size) and would rank "
            f"{placement['compound_rank']} of {placement['compounds']} compounds"
            + (f", below {placement['above']}" if placement.get("above") else "")
            + (f", above {placement['below']}" if placement.get("below") else "")
            + "."
        )
    order = [c for c in ("disease_fdr", "treatment_fdr") if c in compounds]
    return {
        "name": library,
        "anchor": f"{anchor(analysis)}-drugs-{anchor(library)}",
        "summary": summary,
        "sentences": sentences,
        "figure": embed_png(files.drug_file(library, "connectivity.png")),
        "compounds_json": interactive.packed_table(
            compounds.sort_values(order, kind="mergesort") if order else compounds
        ),
        "signatures_json": interactive.packed_table(
            signatures.sort_values(order, kind="mergesort") if order else signatures
        ),
        "sorted": order[0] if order else "",
    }


def _set_records(sets: pd.DataFrame) -> list[dict]:
    """Curated-set rows for the template, with their intervals as text."""
    if not len(sets):
        return []
    table = sets.reindex(columns=SET_COLUMNS)
    records = table.astype(object).where(table.notna(), None)
    out = []
    for row in records.to_dict("records"):
        row["fraction_text"] = interval_text(
            row["fraction_restored"],
            row["fraction_restored_ci_low"],
            row["fraction_restored_ci_high"],
            "{:.2f}",
        )
        row["percent_text"] = interval_text(
            row["percent_restored"],
            row["percent_restored_ci_low"],
            row["percent_restored_ci_high"],
            "{:.0f}%",
        )
        row["fdr"] = row["fdr"] if row["fdr"] is not None else math.nan
        row["shared_with"] = row["shared_with"] or ""
        out.append(row)
    return out


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns read as text turned back into numbers where they are numbers (for formatting)."""

    def convert(column: pd.Series) -> pd.Series:
        if column.name == "symbol":
            return column
        try:
            return pd.to_numeric(column)
        except (ValueError, TypeError):
            return column

    return frame.apply(convert)


def _qc_note(metrics: pd.DataFrame) -> str:
    """One line for the collapsed QC section: samples and any flagged outlier."""
    flagged = metrics.loc[metrics["outlier"].fillna("") != "", "sample"].astype(str).tolist()
    return f"{len(metrics)} samples; " + (
        f"possible outliers: {', '.join(flagged)}" if flagged else "no sample flagged"
    )


def _coverage_note(coverage: pd.DataFrame) -> str:
    rows = []
    for collection, table in coverage.groupby("collection", sort=False):
        rows.append(
            f"{collection}: {len(table)} sets with {int(table['genes_in_file'].sum())} gene "
            f"entries ({int(table['genes_after_orthologs'].sum())} after ortholog mapping) "
            f"matching {int(table['genes_in_data'].sum())} data genes"
        )
    return "; ".join(rows)


def _relative_link(target: str | Path, page: Path) -> str:
    """``target`` as a link from ``page`` (both under the results folder)."""
    relative = os.path.relpath(Path(target).resolve(), Path(page).resolve().parent)
    return urllib.parse.quote(Path(relative).as_posix())


STUDY_UNITS = (
    "Units: a difference is in points of the disease signature restored (100 × −slope for the "
    "slope, the % improvement itself for disease-up or -down genes; 100 points = all the way back "
    "to control), first arm − second arm: positive = the first arm restores more. The tables "
    "give each difference in its figure's own unit: a slope difference of −0.05 is 5 points "
    "more restored (a more negative slope is more reversal)."
)


def study_context(name: str, files: StudyLayout, fit: str = "joint") -> dict:
    """A multi-arm study: first each arm's verdict and % improvement on the primary signature
    (its own, else the first reference) with the head-to-head sentences that say which
    differences are real; then every signature's ranking, forest plot and tables."""
    summary = json.loads(Path(files.summary).read_text())
    ranking = pd.read_csv(files.ranking, sep="\t")
    intervals = {
        label: [
            interval_text(r[f], r[f"{f}_ci_low"], r[f"{f}_ci_high"], template)
            for _, r in ranking.iterrows()
        ]
        for f, label, template in (
            ("slope", "slope (95% CI)", "{:.2f}"),
            ("percent_improvement_up", "% improvement up (95% CI)", "{:.0f}"),
            ("percent_improvement_down", "% improvement down (95% CI)", "{:.0f}"),
        )
    }
    shown = pd.DataFrame(
        {
            "signature": ranking["signature"],
            "rank": ranking["rank"],
            "arm": ranking["arm"],
            "verdict": ranking["verdict"],
            **intervals,
        }
    )
    primary = str(ranking["signature"].iloc[0]) if len(ranking) else "signature"
    primary_rows = shown[shown["signature"] == primary].drop(columns=["signature", "rank"])
    sentences = summary.get("sentences", [])
    first = sentences[0]["signature"] if sentences else None
    comparisons = pd.read_csv(files.comparisons, sep="\t")
    points = np.where(
        comparisons["figure"] == "slope", -100 * comparisons["estimate"], comparisons["estimate"]
    )
    comparisons.insert(5, "points restored (first − second)", np.round(points, 1))
    gene_sets = pd.read_csv(files.gene_sets, sep="\t")
    return {
        "name": name,
        "anchor": anchor(f"{name}-head-to-head"),
        "arms": summary["arms"],
        "ordered": summary.get("ordered"),
        "placebo": summary.get("placebo"),
        "model_note": (
            "Each arm's differential expression is fitted on its own groups (de.fit: "
            "per_contrast); the reversal statistics keep all the study's groups in one model."
            if fit == "per_contrast"
            else "Each arm is judged in one model of all the study's groups."
        ),
        "primary": primary,
        "primary_table": html_table(primary_rows),
        "primary_sentences": [s for s in sentences if s["signature"] == first],
        "units": STUDY_UNITS,
        "method": "How: " + summary.get("method", ""),
        "ranking": html_table(shown),
        "forest": embed_png(files.forest),
        "sentences": sentences,
        "comparisons": html_table(
            comparisons[
                [
                    "signature",
                    "figure",
                    "first",
                    "second",
                    "points restored (first − second)",
                    "estimate",
                    "ci_low",
                    "ci_high",
                    "p",
                    "genes",
                ]
            ]
        )  # fmt: skip
        if len(comparisons)
        else "<p>No comparison.</p>",
        "gene_sets": html_table(gene_sets.sort_values("p"))
        if len(gene_sets)
        else "<p>No curated set changed by disease is shared by arms with one disease group.</p>",
    }


def single_cell_context(name: str, files: SingleCellLayout) -> dict:
    """A single-cell dataset's cell QC, composition, scores and cell types' verdicts."""
    summary = json.loads(Path(files.summary).read_text())
    composition = pd.read_csv(files.composition, sep="\t")
    cell_types = pd.read_csv(files.cell_types, sep="\t")
    return {
        "name": name,
        "anchor": anchor(f"{name}-single-cell"),
        "summary": summary,
        "qc": html_table(pd.read_csv(files.cell_qc, sep="\t")),
        "composition": html_table(composition) if len(composition) else "<p>No cell types.</p>",
        "cell_types": html_table(cell_types) if len(cell_types) else "",
        "figures": {
            key: embed_png(getattr(files, key))
            for key in ("umap", "violins", "proportions", "forest")
        },
    }


def render(
    *,
    config: dict,
    analyses: dict[str, AnalysisLayout],
    out: Path,
    studies: dict[str, StudyLayout] | None = None,
    single_cells: dict[str, SingleCellLayout] | None = None,
    config_files: str = "the config",
    figure_cache: Path | None = None,
) -> None:
    """Write ``out`` as a self-contained HTML page covering ``analyses`` (name → its files)
    and the head-to-head comparisons of multi-arm ``studies``; it names the config file(s)
    and every input file with its checksum."""
    global FIGURE_CACHE
    FIGURE_CACHE = figure_cache
    alpha = config["de"]["alpha"]
    settings = ReportSettings.from_config(config.get("report"))
    questions = settings.questions or {}
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("signature_reversal", "report/templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    html = environment.get_template("report.html").render(
        title=settings.title,
        simulated_note=settings.simulated_note,
        analyses=[
            analysis_context(
                name,
                files,
                config,
                alpha,
                questions,
                _relative_link(files.report, out) if len(analyses) > 1 else None,
            )
            for name, files in analyses.items()
        ],
        studies=[
            study_context(name, files, config["de"].get("fit", "joint"))
            for name, files in (studies or {}).items()
        ],
        single_cells=[
            single_cell_context(name, files) for name, files in (single_cells or {}).items()
        ],
        plotly_js=interactive.plotly_js(),
        engines={
            "de": "R DESeq2's estimators reimplemented in NumPy"
            if config["de"].get("engine", "vectorized") == "vectorized"
            else "pydeseq2",
            "gsea": _gsea_engine(config.get("enrichment", {})),
            "sequential_exceedances": VerdictRule.from_config(
                config.get("reversal")
            ).sequential_exceedances,
        },
        config_yaml=yaml.safe_dump(config, sort_keys=False),
        versions=software_versions(),
        config_files=config_files,
        inputs=provenance.input_files(config),
    )
    # written whole, then renamed: a report job that fails leaves no half-written page
    temporary = out.with_name(out.name + ".tmp")
    temporary.write_text(html, encoding="utf-8")
    temporary.replace(out)
