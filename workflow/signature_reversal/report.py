"""Render the one-file HTML report: verdicts first, then the evidence, for one or more analyses.

Images are embedded as base64 and no external URL is referenced, so the file opens offline and
can be e-mailed. Every user-supplied string reaches the page through Jinja2 autoescaping or
pandas' escaped ``to_html``.
"""

from __future__ import annotations

import base64
import importlib.metadata
import json
import platform
import re
from pathlib import Path

import jinja2
import pandas as pd
import yaml

from . import interactive
from .layout import QC_FIGURES, REVERSAL_FIGURES, AnalysisLayout
from .roles import CONTRASTS
from .settings import ReportSettings

DEFAULT_QUESTIONS = {
    "oxidative stress": [
        "SKIN_ROS_OXIDATIVE_STRESS",
        "SKIN_NRF2_ANTIOXIDANT_RESPONSE",
        "HALLMARK_REACTIVE_OXYGEN_SPECIES_PATHWAY",
    ],
    "JAK-STAT signalling": [
        "SKIN_JAK_STAT_AD_SIGNALING",
        "SKIN_JAK2_STAT5_AXIS",
        "HALLMARK_IL6_JAK_STAT3_SIGNALING",
    ],
    "the epidermal barrier": ["SKIN_BARRIER_CORNIFIED_ENVELOPE", "SKIN_BARRIER_TIGHT_JUNCTION"],
    "NAD+ metabolism": ["NAD_METABOLISM"],
}

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
    "p_reversal",
    "disease_NES",
    "disease_fdr",
    "treatment_NES",
    "treatment_fdr",
    "percent_restored",
    "percent_restored_ci_low",
    "percent_restored_ci_high",
    "p_disease_vs_control",
    "p_treatment_vs_disease",
    "reason",
]
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


def embed_png(path: str | Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode()


def html_table(frame: pd.DataFrame, float_format: str = "{:.3g}") -> str:
    return frame.to_html(
        index=False,
        escape=True,
        border=0,
        classes="table",
        na_rep="–",
        float_format=lambda v: float_format.format(v),
    )


def anchor(name: str) -> str:
    """A safe HTML id fragment for an analysis name."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


def script_json(payload: str) -> str:
    """JSON safe inside <script type="application/json">: no '</' can close the element."""
    return payload.replace("</", "<\\/")


def answer_questions(sets: pd.DataFrame, questions: dict[str, list[str]]) -> list[dict]:
    """One answer per question: the verdict of each of its sets that disease changed."""
    by_set = sets.set_index("gene_set") if len(sets) else pd.DataFrame()
    answers = []
    for question, names in questions.items():
        present = [n for n in names if n in by_set.index]
        judged = [n for n in present if by_set.at[n, "verdict"] != "not changed by disease"]
        answers.append(
            {
                "question": question,
                "sets": [dict(by_set.loc[n].to_dict(), gene_set=n) for n in judged],
                "unchanged": [n for n in present if n not in judged],
                "missing": [n for n in names if n not in by_set.index],
            }
        )
    return answers


def analysis_context(name: str, files: AnalysisLayout, alpha: float, questions: dict) -> dict:
    """Everything the template shows for one analysis, read from its result files."""
    summary = json.loads(Path(files.reversal_summary).read_text())
    kind = summary["kind"]
    sets = pd.read_csv(files.gene_set_reversal, sep="\t")
    genes = pd.read_csv(files.gene_reversal, sep="\t", dtype={"gene": str})
    metrics = pd.read_csv(files.sample_metrics, sep="\t", dtype={"sample": str})
    coverage = pd.read_csv(files.gene_set_coverage, sep="\t")
    interest = pd.read_csv(files.genes_of_interest, sep="\t", dtype=str)
    contrasts = []
    for contrast in CONTRASTS:
        table = pd.read_csv(files.de_table(contrast.name), sep="\t", dtype={"gene": str})
        gsea = pd.read_csv(files.gsea_table(contrast.name), sep="\t")
        ora = pd.read_csv(files.ora_table(contrast.name), sep="\t")
        ora_top = ora.sort_values("pvalue").groupby("direction", sort=False).head(8)
        curated = gsea[gsea["collection"] == "curated"]
        top = table.dropna(subset=["padj"]).nsmallest(15, "padj")
        title = contrast.name.replace("_", " ")
        contrasts.append(
            {
                "name": contrast.name,
                "meaning": contrast.meaning,
                "n_tested": len(table),
                "n_up": int(((table["padj"] < alpha) & (table["log2FC"] > 0)).sum()),
                "n_down": int(((table["padj"] < alpha) & (table["log2FC"] < 0)).sum()),
                "volcano": embed_png(files.volcano(contrast.name)),
                "top_genes": html_table(top),
                "volcano_json": script_json(interactive.volcano(table, alpha, title)),
                "ma_json": script_json(interactive.ma_plot(table, alpha, title, kind)),
                "table_json": script_json(interactive.table_payload(table)),
                "gsea_json": script_json(interactive.table_payload(gsea)),
                "gsea_curated": html_table(
                    curated[["gene_set", "size", "NES", "pvalue", "fdr"]].head(40)
                ),
                "ora": html_table(
                    ora_top[
                        [
                            "direction",
                            "collection",
                            "gene_set",
                            "overlap",
                            "odds_ratio",
                            "pvalue",
                            "fdr",
                        ]
                    ]
                ),
                "gsea_other": html_table(
                    gsea[gsea["collection"] != "curated"][
                        ["collection", "gene_set", "size", "NES", "pvalue", "fdr"]
                    ].head(20)
                ),
            }
        )
    class_counts = (
        genes.loc[genes["disease_gene"], "reversal_class"]
        .value_counts()
        .rename_axis("class")
        .reset_index(name="disease genes")
    )
    return {
        "name": name,
        "anchor": anchor(name),
        "summary": summary,
        "sets": sets[SET_COLUMNS].to_dict("records") if len(sets) else [],
        "sets_table": html_table(sets[SET_COLUMNS]) if len(sets) else "",
        "sets_json": script_json(interactive.table_payload(sets)) if len(sets) else "",
        "genes_json": script_json(
            interactive.table_payload(genes[genes["disease_gene"]].drop(columns=["disease_gene"]))
        ),
        "answers": answer_questions(sets, questions),
        "class_counts": html_table(class_counts),
        "metrics": html_table(metrics),
        "coverage": html_table(coverage[coverage["collection"] == "curated"]),
        "interest": html_table(_numeric(interest[INTEREST_COLUMNS])),
        "coverage_note": _coverage_note(coverage),
        "images": {
            **{name: embed_png(files.qc_figure(name)) for name in QC_FIGURES},
            **{name: embed_png(files.reversal_figure(name)) for name in REVERSAL_FIGURES},
            "gsea_dotplot": embed_png(files.gsea_dotplot),
        },
        "contrasts": contrasts,
    }


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


def _coverage_note(coverage: pd.DataFrame) -> str:
    rows = []
    for collection, table in coverage.groupby("collection", sort=False):
        rows.append(
            f"{collection}: {len(table)} sets with {int(table['genes_in_file'].sum())} gene "
            f"entries ({int(table['genes_after_orthologs'].sum())} after ortholog mapping) "
            f"matching {int(table['genes_in_data'].sum())} data genes"
        )
    return "; ".join(rows)


def render(*, config: dict, analyses: dict[str, AnalysisLayout], out: Path) -> None:
    """Write ``out`` as a self-contained HTML page covering ``analyses`` (name → its files)."""
    alpha = config["de"]["alpha"]
    settings = ReportSettings.from_config(config.get("report"))
    questions = settings.questions or DEFAULT_QUESTIONS
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("signature_reversal", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    html = environment.get_template("report.html").render(
        title=settings.title,
        simulated_note=settings.simulated_note,
        analyses=[
            analysis_context(name, files, alpha, questions) for name, files in analyses.items()
        ],
        plotly_js=interactive.plotly_js(),
        config_yaml=yaml.safe_dump(config, sort_keys=False),
        versions=software_versions(),
    )
    out.write_text(html, encoding="utf-8")
