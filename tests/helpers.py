"""Helpers shared by the tests: repository paths, simulated data with planted effects, every
input format the pipeline reads, and runners for the CLI stages and for Snakemake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import yaml

from signature_reversal import cli
from signature_reversal.inputs import load
from signature_reversal.layout import (
    QC_FIGURES,
    REVERSAL_FIGURES,
    REVERSAL_GSEA_CONTRASTS,
    AnalysisLayout,
)
from signature_reversal.reversal.bootstrap import world_truth
from signature_reversal.roles import CONTRAST_NAMES
from signature_reversal.settings import DatasetSpec, VerdictRule
from signature_reversal.validation import calibration, simulate

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Skip a test whose tool is missing on a developer's machine; under CI (``CI=true``),
    where ``.ci/run`` installs every tool, a missing tool fails the run instead."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: every tool must be present)")
    pytest.skip(reason)


def chromium_driver():
    """Playwright's sync API for Debian's Chromium, or skip/fail (see ``skip_or_fail``)."""
    if not CHROMIUM.exists():
        skip_or_fail("Debian's chromium is not installed (.ci/run installs it)")
    try:
        from playwright import sync_api
    except ImportError:
        skip_or_fail("playwright is not installed (pip install -e '.[test]')")
    return sync_api


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"  # screenshots of the browser tests (git-ignored)
MOUSE_CURATED = REPO / "config" / "genesets" / "mouse" / "skin_curated.gmt"
MOUSE_HALLMARK = REPO / "config" / "genesets" / "mouse" / "hallmark_v7.0.gmt"
ORTHOLOGS = REPO / "config" / "orthologs" / "human_mouse_orthologs.tsv.gz"
CONDITIONS = {"control": "control", "disease": "eczema", "treatment": "nmn"}


# --- simulated data ---------------------------------------------------------------------------


def simulate_skin(
    curated: dict[str, tuple[str, ...]],
    treatment: str = "reverse",
    n_genes: int = 1500,
    n_per_group: int = 4,
    seed: int = 7,
) -> simulate.SimulatedData:
    """Small mouse-skin dataset with the example's planted pattern."""
    planted = simulate.skin_planted_sets(curated)
    named = [g for s in planted.values() for g in s.genes]
    spec = simulate.SimulationSpec(n_per_group=n_per_group, seed=seed, treatment=treatment)
    return simulate.simulate(simulate.gene_universe(n_genes, named), planted, spec)


def write_dataset(data: simulate.SimulatedData, folder: Path) -> tuple[Path, Path]:
    """Write counts and sample sheet as the pipeline expects them."""
    folder.mkdir(parents=True, exist_ok=True)
    counts, samples = folder / "counts.tsv", folder / "samples.tsv"
    data.counts.to_csv(counts, sep="\t")
    data.samples.to_csv(samples, sep="\t", index=False)
    return counts, samples


def build_anndata(
    counts_path: str | Path,
    sheet_path: str | Path,
    conditions: Mapping[str, str] = CONDITIONS,
    min_replicates: int = 2,
) -> ad.AnnData:
    """The canonical AnnData of a counts table and a sample sheet."""
    spec = DatasetSpec.from_config({"path": str(counts_path), "samples": str(sheet_path)})
    return load.load_dataset(spec, conditions, min_replicates=min_replicates)


# --- every input format -----------------------------------------------------------------------

ANNOTATION = REPO / "config" / "annotation" / "mouse_ensembl_symbols.tsv.gz"


def as_csv_samples_by_genes(data: simulate.SimulatedData, folder: Path) -> dict:
    path = folder / "samples_by_genes.csv.gz"
    data.counts.T.rename_axis("sample").to_csv(path)
    return {"path": str(path), "samples": _sheet(data, folder)}


def as_featurecounts(data: simulate.SimulatedData, folder: Path) -> dict:
    table = data.counts.copy()
    table.columns = [f"/data/bam/{s}.Aligned.sortedByCoord.out.bam" for s in table.columns]
    for column, value in (
        ("Length", 1500),
        ("Strand", "+"),
        ("End", 2000),
        ("Start", 500),
        ("Chr", "chr1"),
    ):
        table.insert(0, column, value)
    table.index.name = "Geneid"
    path = folder / "featurecounts.txt"
    with path.open("w") as handle:
        handle.write('# Program:featureCounts v2.0.3; Command:"featureCounts" "-a" "genes.gtf"\n')
        table.to_csv(handle, sep="\t")
    return {"path": str(path), "samples": _sheet(data, folder)}


def as_tximport_ensembl(data: simulate.SimulatedData, folder: Path, seed: int = 0) -> dict:
    """Estimated (non-integer) counts with versioned mouse Ensembl IDs and no symbol column."""
    annotation = pd.read_csv(ANNOTATION, sep="\t")
    ensembl_of = dict(zip(annotation["symbol"], annotation["ensembl"], strict=False))
    ids = [ensembl_of.get(g, f"ENSMUSG9{i:010d}") + ".7" for i, g in enumerate(data.counts.index)]
    rng = np.random.default_rng(seed)
    estimated = data.counts + rng.uniform(-0.45, 0.45, data.counts.shape)
    estimated = estimated.clip(lower=0).set_axis(ids, axis=0).rename_axis("gene_id")
    path = folder / "tximport_counts.tsv"
    estimated.round(3).to_csv(path, sep="\t")
    return {"path": str(path), "samples": _sheet(data, folder), "non_integer_counts": "round"}


def as_bulk_h5ad(data: simulate.SimulatedData, folder: Path) -> dict:
    obs = data.samples.set_index("sample")
    adata = ad.AnnData(
        X=data.counts.T.to_numpy(), obs=obs, var=pd.DataFrame(index=data.counts.index)
    )
    path = folder / "bulk.h5ad"
    adata.write_h5ad(path)
    return {"path": str(path)}


def as_normalized(data: simulate.SimulatedData, folder: Path) -> dict:
    cpm = data.counts / data.counts.sum() * 1e6
    path = folder / "log_cpm.tsv"
    np.log2(cpm + 1).round(5).to_csv(path, sep="\t")
    return {"path": str(path), "samples": _sheet(data, folder), "kind": "normalized"}


def as_single_cell(
    by_type: dict[str, simulate.SimulatedData],
    folder: Path,
    cells_per_sample: int = 12,
    starved: str | None = None,
    seed: int = 0,
) -> dict:
    """Cells × genes h5ad: each cell type's pseudobulk equals that simulated dataset exactly.

    X holds log-normalized values and the raw counts sit in layers['counts'], as in most
    single-cell files. ``starved`` names a sample given only 3 cells (below min_cells).
    """
    rng = np.random.default_rng(seed)
    blocks, rows = [], []
    for cell_type, data in by_type.items():
        for sample in data.counts.columns:
            n = 3 if sample == starved else cells_per_sample
            counts = data.counts[sample].to_numpy()
            split = np.stack([rng.multinomial(c, np.full(n, 1 / n)) for c in counts], axis=1)
            blocks.append(split)
            condition = sample.rsplit("_", 1)[0]
            rows += [
                {"sample": sample, "condition": condition, "cell_type": cell_type, "batch": "b1"}
                for _ in range(n)
            ]
    counts = sp.csr_matrix(np.vstack(blocks))
    genes = next(iter(by_type.values())).counts.index
    normalized = counts.multiply(1e4 / counts.sum(axis=1)).tocsr()
    normalized.data = np.log1p(normalized.data)
    adata = ad.AnnData(
        X=normalized,
        obs=pd.DataFrame(rows, index=[f"cell{i}" for i in range(len(rows))]),
        var=pd.DataFrame(index=genes),
        layers={"counts": counts},
    )
    path = folder / "single_cell.h5ad"
    adata.write_h5ad(path)
    return {
        "path": str(path),
        "single_cell": {"cell_type_column": "cell_type", "by_cell_type": True, "min_cells": 5},
    }


def _sheet(data: simulate.SimulatedData, folder: Path) -> str:
    path = folder / "samples.tsv"
    data.samples.to_csv(path, sep="\t", index=False)
    return str(path)


# --- the CLI stages, as the rules call them ---------------------------------------------------

EVIL_SAMPLE = "nmn<script>alert(1)</script>"
# an unclosed comment and script opener inside embedded data once silenced the rest of the page
HOSTILE_SAMPLE = "nmn<!--<script>2"
HOSTILE_GENE = "Gene<!--<script>&amp;>"
HOSTILE_TREATMENT = "nmn<!--<script>"
HOSTILE_SET = "SKIN_BARRIER<!--<script>&"
# a small, fast configuration for runs through the CLI stages
STAGE_CONFIG = {
    "conditions": CONDITIONS,
    "de": {"design": "~condition", "alpha": 0.05, "min_count": 1, "min_samples": None},
    "gene_sets": {"curated": {"path": str(MOUSE_CURATED), "species": "mouse"}},
    "enrichment": {"permutations": 50, "min_size": 10, "max_size": 500, "seed": 1},
    "reversal": {"permutations": 100},
    "genes_of_interest": ["Jak2", "Flg", "<i>Nope</i>"],
    "report": {"title": "Title <i>x</i>", "simulated_note": ""},
}


def named(names, paths) -> list[str]:
    return [f"{n}={p}" for n, p in zip(names, paths, strict=True)]


def load_command(settings: dict, out: Path, gene_sets: dict | None = None) -> list[str]:
    """The load step's arguments, writing into folder ``out``."""
    gene_sets = gene_sets or {"curated": {"path": str(MOUSE_CURATED), "species": "mouse"}}
    return [
        "load",
        "--settings",
        json.dumps(settings),
        "--gene-sets",
        json.dumps(gene_sets),
        "--out",
        str(out / "dataset.h5ad"),
        "--gmts",
        f"curated={out / 'curated.gmt'}",
        "--coverage",
        str(out / "coverage.tsv"),
    ]


def stage_commands(dataset: dict, files: AnalysisLayout, config: dict) -> list[list[str]]:
    """load → genesets → qc → de → enrich → reversal → dotplot, with the rules' arguments."""
    load_settings = {"dataset": dataset, "conditions": config.get("conditions", CONDITIONS)}
    steps = [
        [
            "load",
            "--settings",
            json.dumps(load_settings),
            "--gene-sets",
            json.dumps(config["gene_sets"]),
            "--out",
            files.dataset,
            "--gmts",
            *named(["curated"], [files.gene_set_collection("curated")]),
            "--coverage",
            files.gene_set_coverage,
        ],
        [
            "qc",
            "--adata",
            files.dataset,
            "--metrics",
            files.sample_metrics,
            "--pca",
            files.pca_scores,
            "--correlation",
            files.sample_correlation,
            "--figures",
            *named(QC_FIGURES, [files.qc_figure(n) for n in QC_FIGURES]),
        ],
        [
            "de",
            "--adata",
            files.dataset,
            "--settings",
            json.dumps(config["de"]),
            "--tables",
            *named(CONTRAST_NAMES, [files.de_table(c) for c in CONTRAST_NAMES]),
            "--volcanos",
            *named(CONTRAST_NAMES, [files.volcano(c) for c in CONTRAST_NAMES]),
            "--filtered",
            files.filtered_genes,
            "--size-factors",
            files.size_factors,
            "--group-variability",
            files.group_variability,
            "--dispersions",
            files.dispersions,
        ],
    ]
    for contrast in CONTRAST_NAMES:
        steps.append(
            [
                "enrich",
                "--de",
                files.de_table(contrast),
                "--settings",
                json.dumps(config["enrichment"]),
                "--gene-sets",
                *named(["curated"], [files.gene_set_collection("curated")]),
                "--gsea",
                files.gsea_table(contrast),
                "--ora",
                files.ora_table(contrast),
            ]
        )
    steps += [
        reversal_command(files, config, files),
        [
            "dotplot",
            "--gsea",
            *named(CONTRAST_NAMES, [files.gsea_table(c) for c in CONTRAST_NAMES]),
            "--out",
            files.gsea_dotplot,
        ],
    ]
    return steps


def reversal_command(inputs: AnalysisLayout, config: dict, outputs: AnalysisLayout) -> list[str]:
    """The reversal step reading ``inputs``' files and writing ``outputs``' files."""
    return [
        "reversal",
        "--adata",
        inputs.dataset,
        "--de",
        *named(CONTRAST_NAMES, [inputs.de_table(c) for c in CONTRAST_NAMES]),
        "--size-factors",
        inputs.size_factors,
        "--dispersions",
        inputs.dispersions,
        "--gsea",
        *named(REVERSAL_GSEA_CONTRASTS, [inputs.gsea_table(c) for c in REVERSAL_GSEA_CONTRASTS]),
        "--curated",
        inputs.gene_set_collection("curated"),
        "--settings",
        json.dumps(config["reversal"]),
        "--genes-of-interest",
        json.dumps(config.get("genes_of_interest", [])),
        "--genes",
        outputs.gene_reversal,
        "--sets",
        outputs.gene_set_reversal,
        "--summary",
        outputs.reversal_summary,
        "--pathway-scores",
        outputs.pathway_scores,
        "--genes-of-interest-table",
        outputs.genes_of_interest,
        "--figures",
        *named(REVERSAL_FIGURES, [outputs.reversal_figure(n) for n in REVERSAL_FIGURES]),
    ]


def run_stages(dataset: dict, out: Path, config: dict, analysis: str = "sim") -> AnalysisLayout:
    """Every stage of one analysis through the CLI into ``out``, then its report."""
    files = AnalysisLayout(str(out))
    for step in stage_commands(dataset, files, config):
        assert cli.main([str(a) for a in step]) == 0, step[0]
    report_config = {**config, "datasets": {analysis: dataset}}
    report = [
        "report",
        "--config-json",
        json.dumps(report_config),
        "--analysis",
        f"{analysis}={out}",
        "--out",
        files.report,
    ]
    assert cli.main(report) == 0, "report"
    return files


# --- Snakemake ---------------------------------------------------------------------------------


def run_snakemake(workdir: Path, *args: str, snakefile: Path | None = None):
    """Snakemake on ``workdir/config.yaml`` with the repository's workflow."""
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(snakefile or REPO / "Snakefile"),
        "-d",
        str(workdir),
        "--configfile",
        str(workdir / "config.yaml"),
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, cwd=workdir, timeout=900)


def make_config(workdir: Path, datasets: dict, **overrides) -> dict:
    """The shipped config with these datasets and fewer permutations, written to workdir.

    Shipped resources keep their relative paths: the workflow finds them beside itself.
    """
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["datasets"] = datasets
    config["enrichment"]["permutations"] = 200
    config["reversal"]["permutations"] = 200
    config["reversal"]["calibration_worlds"] = 10
    config["report"]["figure_dpi"] = 100  # a test reads the figures, it does not print them
    config["reference_signatures"] = {}  # tests that need one add it
    config["drug_libraries"] = {}  # likewise (the shipped example's test runs CMap)
    config.update(overrides)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    return config


def table_dataset(counts: Path, samples: Path, **extra) -> dict:
    return {"path": str(counts), "samples": str(samples), "species": "mouse", **extra}


# --- reversal: simulated datasets through the pipeline's DE step --------------------------------

RULE = VerdictRule.from_config(permutations=200, min_disease_genes=10, calibration_worlds=20)
# Noisy data and a lenient disease-gene rule: many selected genes carry mostly noise, which is
# where the shared-disease-group pitfall bites hardest.
NOISY = dict(
    lfc_min=0.4, lfc_extra_mean=0.4, dispersion_asymptote=0.1, background_disease_fraction=0.1
)
LENIENT = VerdictRule.from_config(
    permutations=200, disease_padj=0.5, disease_min_abs_log2fc=0.5, min_disease_genes=10
)


def reversal_data(
    curated, treatment, seed, n_per_group=4, set_reversal=True, n_genes=2000, **extra
) -> simulate.SimulatedData:
    """The skin pattern; ``set_reversal=False``: every disease gene reverts with
    SimulationSpec.reversal_fraction instead of its set's own probability."""
    planted = calibration.planted_sets(curated, None if set_reversal else {})
    named = [g for s in planted.values() for g in s.genes]
    spec = simulate.SimulationSpec(n_per_group=n_per_group, seed=seed, treatment=treatment, **extra)
    return simulate.simulate(simulate.gene_universe(n_genes, named), planted, spec)


def analysed(data: simulate.SimulatedData, rule: VerdictRule = RULE) -> calibration.Analysis:
    """The dataset through pydeseq2 and the reversal statistics' inputs."""
    return calibration.analyse(data, rule)


def slope_truth(analysis: calibration.Analysis) -> float:
    """The true slope of T on D (planted effects) over the genes the estimator used: the fast
    model's n most significant, n = the DE step's disease genes."""
    truth = analysis.data.truth.reindex(analysis.genes["gene"])
    selection = analysis.estimator_selection()
    return world_truth(
        truth["disease_lfc"].to_numpy(), truth["treatment_lfc"].to_numpy(), selection, "slope"
    )


def all_changed(sets) -> pd.DataFrame:
    """A GSEA table in which disease changed every set (so every set is judged)."""
    return pd.DataFrame({"gene_set": list(sets), "NES": 1.0, "fdr": 0.0})


# --- the shipped configs, as CI runs them ------------------------------------------------------

SHIPPED_CONFIGS = sorted(p.name for p in (REPO / "config").glob("*.yaml"))
CI_SIZES = {
    "enrichment": {"permutations": 200},
    "reversal": {"permutations": 200, "calibration_worlds": 10},
    "report": {"figure_dpi": 100},  # the same figures, drawn at screen resolution
    "drug_connectivity": {"draws": 50},
}
# the example and the multi-arm study are judged against one reference in CI, MADAD (the one
# with p = 0 rows and no standard errors): the same reference code, run fewer times (the
# real-data config keeps all three)
CI_REFERENCES = {"config.yaml": ["human_AD_MADAD"], "multi_arm.yaml": ["human_AD_MADAD"]}
# the drug queries run end to end on the example; the real-data and multi-arm configs run the
# same job once per analysis (5 more), so CI leaves them out there
CI_WITHOUT_DRUGS = ("gse248978.yaml", "multi_arm.yaml")


def ci_config(name: str) -> dict:
    """A shipped config as it is, with the CI's smaller Monte Carlo sizes: the same code path,
    less of it."""
    config = yaml.safe_load((REPO / "config" / name).read_text())
    for section, values in CI_SIZES.items():
        config.setdefault(section, {}).update(values)
    if name in CI_REFERENCES:
        config["reference_signatures"] = {
            r: config["reference_signatures"][r] for r in CI_REFERENCES[name]
        }
    if name in CI_WITHOUT_DRUGS:
        config.pop("drug_libraries", None)
    return config


def run_shipped(name: str, workdir: Path) -> Path:
    """Snakemake on a shipped config (CI sizes) in ``workdir``, as a user runs it."""
    # sort_keys=False: the order of pairs and arms is the config's (a trend's direction)
    (workdir / "config.yaml").write_text(yaml.safe_dump(ci_config(name), sort_keys=False))
    result = run_snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    assert (workdir / "results" / "report.html").stat().st_size > 0
    return workdir
