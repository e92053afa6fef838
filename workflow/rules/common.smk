import json
import re
from pathlib import Path

import pandas as pd

# The package lives beside the rules; pointing PYTHONPATH at it lets rules run in a conda env
# (--use-conda) that holds the dependencies but not the package itself.
PACKAGE_DIR = Path(workflow.basedir) / "workflow"
CLI = f"PYTHONPATH={PACKAGE_DIR} python -m signature_reversal"
CONTRASTS = ["disease_vs_control", "treatment_vs_disease", "treatment_vs_control"]
REVERSAL_PLOTS = [
    "reversal_scatter",
    "gene_set_restoration",
    "nes_pairs",
    "pathway_scores",
    "genes_of_interest",
    "gsea_running_scores",
    "disease_gene_heatmap",
]
ENV = "../../envs/signature-reversal.yaml"
COLLECTIONS = ["curated"] + [e["name"] for e in config["gene_sets"].get("extra") or []]


def cell_types(dataset):
    """Cell types of a single-cell dataset: from config, else read from the file's obs."""
    single_cell = dataset.get("single_cell") or {}
    if single_cell.get("cell_types"):
        return list(single_cell["cell_types"])
    import anndata

    column = single_cell.get("cell_type_column") or "cell_type"
    adata = anndata.read_h5ad(dataset["path"], backed="r")
    try:
        return sorted(adata.obs[column].astype(str).unique())
    finally:
        adata.file.close()


def list_analyses():
    """analysis name → (dataset name, cell type or None); one per dataset or per cell type."""
    analyses = {}
    for name, dataset in config["datasets"].items():
        if (dataset.get("single_cell") or {}).get("by_cell_type"):
            for cell_type in cell_types(dataset):
                slug = re.sub(r"[^A-Za-z0-9_-]+", "_", cell_type).strip("_")
                analyses[f"{name}.{slug}"] = (name, cell_type)
        else:
            analyses[name] = (name, None)
    return analyses


ANALYSES = list_analyses()

for dataset in config["datasets"].values():
    if dataset.get("samples"):
        validate(
            pd.read_csv(
                dataset["samples"], sep=None, engine="python", dtype=str, comment="#"
            ),
            "../schemas/samples.schema.yaml",
        )


wildcard_constraints:
    analysis="|".join(re.escape(a) for a in ANALYSES),
    contrast="|".join(CONTRASTS),


def dataset_of(wildcards):
    return config["datasets"][ANALYSES[wildcards.analysis][0]]


def dataset_inputs(wildcards):
    dataset = dataset_of(wildcards)
    return [dataset["path"]] + ([dataset["samples"]] if dataset.get("samples") else [])


def load_settings(wildcards):
    """Everything the load step needs, as JSON for its --settings argument."""
    name, cell_type = ANALYSES[wildcards.analysis]
    dataset = config["datasets"][name]
    return json.dumps(
        {
            "dataset": dataset,
            "conditions": dataset.get("conditions", config["conditions"]),
            "min_replicates": config["min_replicates"],
            "cell_type": cell_type,
            "annotation_dir": config["gene_sets"].get("annotation_dir"),
        },
        sort_keys=True,
    )


def de_settings(wildcards):
    settings = dict(config["de"])
    settings["design"] = dataset_of(wildcards).get("design", settings["design"])
    return json.dumps(settings, sort_keys=True)


def settings(section):
    """A config section as JSON for a stage's --settings argument."""
    return json.dumps(config[section], sort_keys=True)


def gene_set_files():
    """Every source GMT and the ortholog table, so edits to them trigger a rerun."""
    gene_sets = config["gene_sets"]
    files = [gene_sets["curated"]["path"]] + [
        e["path"] for e in gene_sets.get("extra") or []
    ]
    return files + ([gene_sets["orthologs"]] if gene_sets.get("orthologs") else [])


def analysis_outputs(analyses):
    """Every file a report reads, for the given analyses."""
    return [
        path
        for analysis in analyses
        for path in expand(
            [
                "results/{analysis}/qc/sample_metrics.tsv",
                "results/{analysis}/qc/{plot}.png",
                "results/{analysis}/de/{contrast}.tsv",
                "results/{analysis}/de/{contrast}.volcano.png",
                "results/{analysis}/enrichment/{contrast}.tsv",
                "results/{analysis}/enrichment/{contrast}.ora.tsv",
                "results/{analysis}/enrichment/gsea_dotplot.png",
                "results/{analysis}/reversal/genes_of_interest.tsv",
                "results/{analysis}/reversal/{reversal_plot}.png",
                "results/{analysis}/gene_sets/coverage.tsv",
                "results/{analysis}/reversal/reversal_summary.json",
                "results/{analysis}/reversal/gene_set_reversal.tsv",
                "results/{analysis}/reversal/gene_reversal.tsv",
            ],
            analysis=analysis,
            plot=["library_sizes", "pca", "correlation"],
            reversal_plot=REVERSAL_PLOTS,
            contrast=CONTRASTS,
        )
    ]


def report_arguments(analyses):
    return " ".join(f"{a}=results/{a}" for a in analyses)
