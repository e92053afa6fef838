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

from .roles import CONTRASTS

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


def analysis_context(name: str, folder: Path, alpha: float) -> dict:
    """Everything the template shows for one analysis, read from its results folder."""
    qc_dir, de_dir = folder / "qc", folder / "de"
    enrichment_dir, reversal_dir = folder / "enrichment", folder / "reversal"
    summary = json.loads((reversal_dir / "reversal_summary.json").read_text())
    sets = pd.read_csv(reversal_dir / "gene_set_reversal.tsv", sep="\t")
    genes = pd.read_csv(reversal_dir / "gene_reversal.tsv", sep="\t", dtype={"gene": str})
    metrics = pd.read_csv(qc_dir / "sample_metrics.tsv", sep="\t", dtype={"sample": str})
    coverage = pd.read_csv(folder / "gene_sets" / "coverage.tsv", sep="\t")
    interest = pd.read_csv(reversal_dir / "genes_of_interest.tsv", sep="\t", dtype=str)
    contrasts = []
    for contrast in CONTRASTS:
        table = pd.read_csv(de_dir / f"{contrast.name}.tsv", sep="\t", dtype={"gene": str})
        gsea = pd.read_csv(enrichment_dir / f"{contrast.name}.tsv", sep="\t")
        ora = pd.read_csv(enrichment_dir / f"{contrast.name}.ora.tsv", sep="\t")
        ora_top = ora.sort_values("pvalue").groupby("direction", sort=False).head(8)
        curated = gsea[gsea["collection"] == "curated"]
        top = table.dropna(subset=["padj"]).nsmallest(15, "padj")
        contrasts.append(
            {
                "name": contrast.name,
                "meaning": contrast.meaning,
                "n_tested": len(table),
                "n_up": int(((table["padj"] < alpha) & (table["log2FC"] > 0)).sum()),
                "n_down": int(((table["padj"] < alpha) & (table["log2FC"] < 0)).sum()),
                "volcano": embed_png(de_dir / f"{contrast.name}.volcano.png"),
                "top_genes": html_table(top),
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
        "class_counts": html_table(class_counts),
        "metrics": html_table(metrics),
        "coverage": html_table(coverage[coverage["collection"] == "curated"]),
        "interest": html_table(_numeric(interest[INTEREST_COLUMNS])),
        "coverage_note": _coverage_note(coverage),
        "images": {
            "library_sizes": embed_png(qc_dir / "library_sizes.png"),
            "pca": embed_png(qc_dir / "pca.png"),
            "correlation": embed_png(qc_dir / "correlation.png"),
            "scatter": embed_png(reversal_dir / "reversal_scatter.png"),
            "restoration": embed_png(reversal_dir / "gene_set_restoration.png"),
            "nes_pairs": embed_png(reversal_dir / "nes_pairs.png"),
            "pathway_scores": embed_png(reversal_dir / "pathway_scores.png"),
            "genes_of_interest": embed_png(reversal_dir / "genes_of_interest.png"),
        },
        "contrasts": contrasts,
    }


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns read as text turned back into numbers where they are numbers (for formatting)."""
    return frame.apply(lambda c: pd.to_numeric(c, errors="ignore") if c.name != "symbol" else c)


def _coverage_note(coverage: pd.DataFrame) -> str:
    rows = []
    for collection, table in coverage.groupby("collection", sort=False):
        rows.append(
            f"{collection}: {int(table['genes_in_data'].sum())} of "
            f"{int(table['genes_in_file'].sum())} set genes found in the data"
        )
    return "; ".join(rows)


def render(*, config: dict, analyses: dict[str, Path], out: Path) -> None:
    """Write ``out`` as a self-contained HTML page covering ``analyses`` (name → folder)."""
    alpha = config["de"]["alpha"]
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("signature_reversal", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    html = environment.get_template("report.html").render(
        title=config.get("report", {}).get("title", "Signature reversal report"),
        simulated_note=config.get("report", {}).get("simulated_note", ""),
        analyses=[analysis_context(name, Path(folder), alpha) for name, folder in analyses.items()],
        config_yaml=yaml.safe_dump(config, sort_keys=False),
        versions=software_versions(),
    )
    out.write_text(html, encoding="utf-8")
