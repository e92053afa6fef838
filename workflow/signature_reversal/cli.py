"""Command line used by the Snakemake rules: one subcommand per pipeline stage.

Each subcommand only reads its input files, calls the stage's ``run``, and writes the output
files it is given; the science lives in the stage modules. Settings arrive as the JSON of the
validated config section; files are named one by one (``NAME=PATH`` where a stage writes
several of a kind), so the files a rule declares are the files a stage touches. Bad input exits
with status 2 and a message naming the file and the fix, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from .errors import InputError
from .roles import CONTRAST_NAMES, contrasts_for, present_roles

log = logging.getLogger("signature_reversal")

# Stage modules are imported inside each command: a rule pays only for the libraries its stage
# uses (pydeseq2, gseapy and matplotlib each take a second or more to import).


def write_tsv(frame: pd.DataFrame, path: str | Path, **options) -> None:
    """Write a table as the pipeline's TSV (6 significant digits unless told otherwise)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, sep="\t", **{"index": False, "float_format": "%.6g", **options})


def named_paths(items: Sequence[str], expected: Sequence[str] | None = None) -> dict[str, str]:
    """``["a=x.tsv", "b=y.tsv"]`` → ``{"a": "x.tsv", "b": "y.tsv"}``; ``expected`` names must all
    be there."""
    pairs = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise InputError(f"{item!r} is not NAME=PATH", fix="pass files as NAME=PATH")
        pairs[name] = path
    missing = [n for n in expected or () if n not in pairs]
    if missing:
        raise InputError(f"no file given for {', '.join(missing)}", fix="pass each as NAME=PATH")
    return pairs


def _parent(path: str | Path) -> Path:
    folder = Path(path).parent
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cmd_simulate(args: argparse.Namespace) -> None:
    """Write a simulated counts matrix, sample sheet and truth table with planted effects."""
    from .validation import simulate

    options = ("n_genes", "n_per_group", "seed", "treatment", "gene_names", "gene_column")
    data = simulate.example_dataset(
        args.gene_sets,
        **{k: getattr(args, k) for k in options},
        further_arms=json.loads(args.further_arms),
    )
    simulate.write(data, Path(args.out_dir))


def cmd_load(args: argparse.Namespace) -> None:
    """Read and check one dataset into the canonical AnnData, and every gene-set collection
    in its gene IDs: all input checks of the first job, before anything is written."""
    from .inputs import gene_sets as genesets
    from .inputs import gmt, load
    from .settings import GeneSetSettings, LoadSettings

    adata = load.run(LoadSettings.from_config(json.loads(args.settings)))
    gene_sets = GeneSetSettings.from_config(json.loads(args.gene_sets))
    outputs = named_paths(args.gmts, gene_sets.names)
    prepared = genesets.run(gene_sets, adata.var["symbol"].astype(str), adata.uns["species"])
    _parent(args.out)
    adata.write_h5ad(args.out)
    for name, sets in prepared.collections.items():
        _parent(outputs[name])
        gmt.write_gmt(sets, outputs[name])
    write_tsv(prepared.coverage, args.coverage)


def cmd_qc(args: argparse.Namespace) -> None:
    """Sample metrics, PCA and correlation: tables and plots."""
    import anndata as ad

    from .layout import QC_FIGURES
    from .qc import stage as qc
    from .report import plots

    figures = named_paths(args.figures, QC_FIGURES)
    result = qc.run(ad.read_h5ad(args.adata))
    write_tsv(result.metrics, args.metrics)
    write_tsv(result.pca_scores, args.pca)
    write_tsv(result.correlation, args.correlation, index=True, float_format="%.5g")
    plots.qc_figures(result, figures)


def cmd_de(args: argparse.Namespace) -> None:
    """Fit the model once and write one table and volcano plot per contrast."""
    import anndata as ad

    from .de import stage as de
    from .report import plots
    from .settings import DESettings

    settings = DESettings.from_config(json.loads(args.settings))
    adata = ad.read_h5ad(args.adata)
    if adata.uns["kind"] == "counts":
        adata.X = None  # the same counts as the counts layer, which is all DE reads
    contrasts = [c.name for c in contrasts_for(present_roles(adata.uns["conditions"]))]
    tables = named_paths(args.tables, contrasts)
    volcanos = named_paths(args.volcanos, contrasts)
    started = time.perf_counter()
    result = de.run(adata, settings, threads=args.threads)
    log.info("DE fitted in %.1f s", time.perf_counter() - started)
    for name, table in result.tables.items():
        write_tsv(table, tables[name])
    plots.de_figures(result, settings.alpha, volcanos)
    write_tsv(result.filtered_genes, args.filtered)
    write_tsv(result.size_factors, args.size_factors)
    write_tsv(result.group_variability, args.group_variability)
    write_tsv(result.dispersions, args.dispersions, float_format="%.8g")


def cmd_enrich(args: argparse.Namespace) -> None:
    """Preranked GSEA and over-representation of one contrast against every collection."""
    from .de.tables import read_table
    from .enrichment import stage as enrichment
    from .inputs import gmt
    from .settings import EnrichmentSettings

    settings = EnrichmentSettings.from_config(json.loads(args.settings))
    collections = {name: gmt.read_gmt(path) for name, path in named_paths(args.gene_sets).items()}
    result = enrichment.run(read_table(args.de), collections, settings, args.threads)
    write_tsv(result.gsea, args.gsea)
    write_tsv(result.ora, args.ora)


def cmd_dotplot(args: argparse.Namespace) -> None:
    """Dot plot of the curated sets' GSEA across the contrasts."""
    from .report import plots

    gsea = {name: pd.read_csv(path, sep="\t") for name, path in named_paths(args.gsea).items()}
    plots.gsea_dotplot(gsea, args.out)


def cmd_reversal(args: argparse.Namespace) -> None:
    """Per-gene and per-set reversal statistics, the verdict, and their plots."""
    import anndata as ad

    from . import reversal
    from .de.tables import read_dispersions, read_size_factors, read_table
    from .inputs import gmt, orthologs
    from .layout import REVERSAL_FIGURES, REVERSAL_GSEA_CONTRASTS
    from .report import plots
    from .settings import VerdictRule

    figures = named_paths(args.figures, REVERSAL_FIGURES)
    result = reversal.run(
        tables={n: read_table(p) for n, p in named_paths(args.de, CONTRAST_NAMES).items()},
        adata=ad.read_h5ad(args.adata),
        size_factors=read_size_factors(args.size_factors),
        dispersions=read_dispersions(args.dispersions),
        curated=gmt.read_gmt(args.curated),
        gsea={
            n: pd.read_csv(p, sep="\t")
            for n, p in named_paths(args.gsea, REVERSAL_GSEA_CONTRASTS).items()
        },
        rule=VerdictRule.from_config(json.loads(args.settings)),
        design_formula=args.design,
        requested_genes=json.loads(args.genes_of_interest),
        orthologs=orthologs.read_orthologs(args.orthologs) if args.orthologs else None,
        threads=args.threads,
    )
    write_tsv(result.pathway_scores.reset_index(), args.pathway_scores, float_format="%.5g")
    write_tsv(result.genes_of_interest, args.genes_of_interest_table)
    write_tsv(result.genes, args.genes)
    write_tsv(result.sets, args.sets)
    Path(args.summary).write_text(json.dumps(result.summary, indent=2))
    plots.reversal_figures(result, figures)


def cmd_reference(args: argparse.Namespace) -> None:
    """Judge the treatment against one reference disease signature (e.g. human AD)."""
    import anndata as ad

    from .de.tables import read_size_factors, read_table
    from .inputs import gmt
    from .inputs import orthologs as ortholog_tables
    from .inputs import reference_signatures as references
    from .report import plots
    from .reversal.reference_verdict import run_reference
    from .settings import ReferenceSpec, VerdictRule

    spec = ReferenceSpec.from_config(args.name, json.loads(args.reference))
    adata = ad.read_h5ad(args.adata)
    treatment = read_table(args.treatment)
    orthologs = ortholog_tables.read_orthologs(args.orthologs) if args.orthologs else None
    mapped = references.map_to_data(
        references.read_reference(spec),
        spec,
        treatment.set_index("gene")["symbol"].astype(str),
        adata.uns["species"],
        orthologs,
    )
    result = run_reference(
        spec,
        mapped,
        treatment,
        adata,
        read_size_factors(args.size_factors),
        gmt.read_gmt(args.curated),
        VerdictRule.from_config(json.loads(args.settings)),
        args.design,
    )
    write_tsv(result.genes, args.genes)
    write_tsv(result.sets, args.sets)
    write_tsv(result.mapping, args.mapping)
    summary = result.summary(adata.uns["conditions"]["treatment"])
    Path(args.summary).write_text(json.dumps(summary, indent=2))
    plots.reference_scatter(result, args.scatter)


def cmd_drugs(args: argparse.Namespace) -> None:
    """Query one drug library: which compounds reverse the disease, which the treatment is like."""
    import anndata as ad

    from .de.tables import read_size_factors, read_table
    from .drugs import stage
    from .drugs.library import LibrarySpec
    from .drugs.query import DrugSettings
    from .inputs import orthologs as ortholog_tables
    from .report import plots

    spec = LibrarySpec.from_config(args.name, json.loads(args.library))
    adata = ad.read_h5ad(args.adata)
    orthologs = ortholog_tables.read_orthologs(args.orthologs) if args.orthologs else None
    result = stage.run(
        adata,
        read_table(args.genes),
        read_size_factors(args.size_factors),
        spec,
        orthologs,
        DrugSettings(**json.loads(args.settings)),
        args.design,
    )
    write_tsv(result.signatures, args.signatures)
    write_tsv(result.compounds, args.compounds)
    write_tsv(result.mechanisms, args.mechanisms)
    Path(args.summary).write_text(json.dumps(result.summary, indent=2))
    plots.drug_connectivity(result, adata.uns["conditions"]["treatment"], args.figure)


def cmd_reference_drugs(args: argparse.Namespace) -> None:
    """Query one drug library with a published disease signature: which compounds reverse it."""
    from .drugs import stage
    from .drugs.library import LibrarySpec
    from .drugs.query import DrugSettings
    from .inputs import orthologs as ortholog_tables
    from .settings import ReferenceSpec

    result = stage.reference_query(
        ReferenceSpec.from_config(args.name, json.loads(args.reference)),
        LibrarySpec.from_config(args.library_name, json.loads(args.library)),
        ortholog_tables.read_orthologs(args.orthologs) if args.orthologs else None,
        DrugSettings(**json.loads(args.settings)),
    )
    write_tsv(result.signatures, args.signatures)
    write_tsv(result.compounds, args.compounds)
    Path(args.summary).write_text(json.dumps(result.summary, indent=2))


def cmd_signatures(args: argparse.Namespace) -> None:
    """Descriptive reversal between two published DE tables (no samples, no permutation p)."""
    from .inputs import gmt
    from .report import plots
    from .reversal import published_comparison
    from .settings import VerdictRule

    rule = VerdictRule.from_config(json.loads(args.settings))
    disease = published_comparison.read_published_table(args.disease)
    treatment = published_comparison.read_published_table(
        args.treatment, invert=args.invert_treatment
    )
    sets = {s.name: list(s.genes) for s in gmt.read_gmt(args.curated)}
    summary, table, genes = published_comparison.compare(disease, treatment, sets, rule)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "signature_summary.json").write_text(json.dumps(summary, indent=2))
    write_tsv(table, out / "gene_set_nes_pairs.tsv")
    write_tsv(genes, out / "gene_reversal.tsv")
    plots.reversal_scatter(genes, summary["slope"], out / "reversal_scatter.png")
    log.info("signature comparison: %s", json.dumps(summary))


def cmd_study(args: argparse.Namespace) -> None:
    """Rank a multi-arm study's arms and compare them head to head and along dose or time."""
    import anndata as ad

    from .de.tables import read_size_factors
    from .inputs import gmt
    from .layout import StudyLayout
    from .report import plots
    from .reversal import study_stage

    study = json.loads(args.study)
    roots = named_paths(args.arms)
    arms = [study_stage.ArmSource(name, roots[name]) for name in study["arms"]]
    result = study_stage.run(
        arms,
        study["arms"],
        ad.read_h5ad(args.adata),
        read_size_factors(args.size_factors),
        gmt.read_gmt(args.curated),
        study["references"],
        args.design,
        study.get("ordered"),
        study.get("placebo"),
        study.get("trend_arms", ()),
    )
    layout = StudyLayout(args.out_dir)
    Path(layout.root).mkdir(parents=True, exist_ok=True)
    write_tsv(result.comparisons, layout.comparisons)
    write_tsv(result.gene_sets, layout.gene_sets)
    write_tsv(result.ranking, layout.ranking)
    Path(layout.summary).write_text(json.dumps(result.summary, indent=2))
    plots.forest(result.ranking, layout.forest, study.get("full_reversal_slope", -0.5))


def cmd_single_cell(args: argparse.Namespace) -> None:
    """Cell QC, embedding, per-cell scores and composition of a single-cell dataset."""
    from .inputs import gene_sets
    from .settings import GeneSetSettings, SingleCellSettings, VerdictRule
    from .singlecell import cell_qc, stage

    settings = json.loads(args.settings)
    single_cell = SingleCellSettings.from_config(settings["single_cell"])
    result = stage.run(
        args.path,
        single_cell,
        settings["species"],
        settings["conditions"],
        lambda names: gene_sets.curated_for_names(
            GeneSetSettings.from_config(json.loads(args.gene_sets)), names, settings["species"]
        ),
        VerdictRule.from_config(settings["reversal"]),
        cell_qc.Thresholds.from_config(single_cell.qc),
        single_cell.max_embedded_cells,
        seed=int(settings["reversal"].get("seed", 1)),
        counts_stash=Path(args.out_dir) / ".counts.partial.h5",
    )
    stage.write(result, Path(args.out_dir))


def cmd_cell_types(args: argparse.Namespace) -> None:
    """The cell types' verdicts side by side (a table and a forest plot)."""
    from .singlecell import cell_types

    summaries = {
        name: json.loads(Path(path).read_text())
        for name, path in named_paths(args.summaries or []).items()
    }
    verdicts = cell_types.table(summaries, json.loads(args.not_judged))
    cell_types.write(verdicts, Path(args.out_dir))


def cmd_init(args: argparse.Namespace) -> None:
    """Write a starter config (and sample sheet) for a count table."""
    from . import starter

    roles = (
        starter.Roles(args.control, args.disease, args.treatment)
        if args.disease and args.treatment
        else None
    )
    config, sheet = starter.write_starter(
        Path(args.table),
        Path(args.out),
        roles,
        samples=Path(args.samples) if args.samples else None,
        name=args.name,
        species=args.species,
    )
    print(f"wrote {config}" + (f" and {sheet}" if not args.samples else ""))
    print(f"next:  snakemake --cores 2 --configfile {config}")


def cmd_report(args: argparse.Namespace) -> None:
    """Write one self-contained HTML report covering the given analyses."""
    from .layout import AnalysisLayout, SingleCellLayout, StudyLayout
    from .report import html as report

    analyses = {name: AnalysisLayout(root) for name, root in named_paths(args.analysis).items()}
    studies = {name: StudyLayout(root) for name, root in named_paths(args.study or []).items()}
    cells = {
        name: SingleCellLayout(root) for name, root in named_paths(args.single_cell or []).items()
    }
    report.render(
        config=json.loads(args.config_json),
        analyses=analyses,
        out=Path(args.out),
        studies=studies,
        single_cells=cells,
        config_files=args.config_files,
        figure_cache=Path(args.figure_cache) if args.figure_cache else None,
    )


# subcommand → (function, required options); an option whose help starts with "NAME=" takes
# one or more NAME=PATH pairs
COMMANDS: dict[str, tuple[Callable, dict[str, str]]] = {
    "simulate": (cmd_simulate, {"gene_sets": "GMT of the planted skin sets", "out_dir": "folder"}),
    "load": (
        cmd_load,
        {
            "settings": "JSON: dataset, conditions, …",
            "gene_sets": "JSON of config 'gene_sets'",
            "out": "output .h5ad",
            "gmts": "NAME=PATH per collection, in the data's gene IDs",
            "coverage": "gene-set coverage table",
        },
    ),
    "qc": (
        cmd_qc,
        {
            "adata": "canonical .h5ad",
            "metrics": "per-sample metrics",
            "pca": "PCA scores",
            "correlation": "sample correlations",
            "figures": "NAME=PATH per QC figure",
        },
    ),
    "de": (
        cmd_de,
        {
            "adata": "canonical .h5ad",
            "settings": "JSON of config 'de' (with the dataset's design)",
            "tables": "NAME=PATH per contrast: DE table",
            "volcanos": "NAME=PATH per contrast: volcano plot",
            "filtered": "genes removed before fitting",
            "size_factors": "size factor per sample",
            "group_variability": "within-group variability per group",
            "dispersions": "per-gene base mean and dispersions (DESeq2)",
        },
    ),
    "enrich": (
        cmd_enrich,
        {
            "de": "DE table of one contrast",
            "settings": "JSON of config 'enrichment'",
            "gene_sets": "NAME=PATH per prepared collection",
            "gsea": "GSEA table",
            "ora": "over-representation table",
        },
    ),
    "dotplot": (cmd_dotplot, {"gsea": "NAME=PATH per contrast: GSEA table", "out": "PNG"}),
    "reversal": (
        cmd_reversal,
        {
            "adata": "canonical .h5ad",
            "de": "NAME=PATH per contrast: DE table",
            "size_factors": "size factors",
            "dispersions": "per-gene dispersions (DE step)",
            "gsea": "NAME=PATH per reversal contrast: GSEA table",
            "curated": "curated GMT in the data's gene IDs",
            "settings": "JSON of config 'reversal'",
            "genes": "per-gene table",
            "sets": "per-gene-set table",
            "summary": "summary JSON",
            "pathway_scores": "per-sample pathway scores",
            "genes_of_interest_table": "genes of interest",
            "figures": "NAME=PATH per reversal figure",
        },
    ),
    "reference": (
        cmd_reference,
        {
            "name": "the reference's name (its key under reference_signatures)",
            "reference": "JSON of config reference_signatures.<name>",
            "adata": "canonical .h5ad",
            "treatment": "DE table of treatment vs disease",
            "size_factors": "size factors",
            "curated": "curated GMT in the data's gene IDs",
            "settings": "JSON of config 'reversal'",
            "genes": "per-gene table",
            "sets": "per-gene-set table",
            "mapping": "what happened to every reference gene",
            "summary": "summary JSON",
            "scatter": "reference D vs dataset T (PNG)",
        },
    ),
    "drugs": (
        cmd_drugs,
        {
            "name": "the library's name (its key under drug_libraries)",
            "library": "JSON of config drug_libraries.<name>",
            "adata": "canonical .h5ad",
            "genes": "DE table of treatment vs disease (the tested genes and symbols)",
            "size_factors": "size factors",
            "settings": "JSON of config 'drug_connectivity'",
            "signatures": "per library signature: scores, p, FDR",
            "compounds": "per compound",
            "mechanisms": "per mechanism of action",
            "summary": "summary JSON",
            "figure": "the compounds' connectivity (PNG)",
        },
    ),
    "reference-drugs": (
        cmd_reference_drugs,
        {
            "name": "the reference's name (its key under reference_signatures)",
            "reference": "JSON of config reference_signatures.<name>",
            "library_name": "the library's name (its key under drug_libraries)",
            "library": "JSON of config drug_libraries.<name>",
            "settings": "JSON of config 'drug_connectivity'",
            "signatures": "per library signature: scores, p, FDR",
            "compounds": "per compound",
            "summary": "summary JSON",
        },
    ),
    "signatures": (
        cmd_signatures,
        {
            "disease": "published disease-vs-control DE table",
            "treatment": "published treatment DE table",
            "curated": "GMT in the tables' gene IDs",
            "settings": "JSON of config 'reversal'",
            "out_dir": "output folder",
        },
    ),
    "study": (
        cmd_study,
        {
            "study": "JSON: arms (name → conditions, in order), references, ordered, placebo",
            "arms": "NAME=PATH per arm: its analysis's results folder",
            "adata": "canonical .h5ad of the first arm (every group of the study)",
            "size_factors": "its size factors",
            "curated": "curated GMT in the data's gene IDs",
            "design": "the DE design",
            "out_dir": "folder of the study's comparison files",
        },
    ),
    "single-cell": (
        cmd_single_cell,
        {
            "path": "the cells × genes .h5ad",
            "settings": "JSON: single_cell, species, conditions, reversal",
            "gene_sets": "JSON of config 'gene_sets' (its curated sets are scored per cell)",
            "out_dir": "folder of the cell-level files",
        },
    ),
    "cell-types": (
        cmd_cell_types,
        {
            "not_judged": "JSON: cell type → why it was not analysed",
            "out_dir": "folder of the cell-level files",
        },
    ),
    "report": (
        cmd_report,
        {
            "config_json": "the run's config as JSON",
            "analysis": "NAME=PATH per analysis: its results folder",
            "out": "output HTML",
        },
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="signature-reversal", description=__doc__.splitlines()[0])
    parser.add_argument("--log", metavar="FILE", help="also write the log to FILE")
    parser.add_argument(
        "--figure-dpi", type=int, default=None, help="resolution of the PNG figures (300)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    commands = {}
    for name, (func, options) in COMMANDS.items():
        command = sub.add_parser(name, help=func.__doc__.splitlines()[0])
        command.set_defaults(func=func)
        for option, help_text in options.items():
            several = help_text.startswith("NAME=")
            command.add_argument(
                f"--{option.replace('_', '-')}",
                required=True,
                nargs="+" if several else None,
                metavar="NAME=PATH" if several else None,
                help=help_text,
            )
        commands[name] = command
    init = sub.add_parser(
        "init",
        help=cmd_init.__doc__.splitlines()[0],
        description="Write a commented starter config (and a sample sheet from the sample "
        "names, unless --samples is given) for a genes x samples table. Species, gene-ID kind "
        "and value kind are read off the table.",
    )
    init.set_defaults(func=cmd_init)
    init.add_argument("table", help="genes x samples table (.tsv/.csv, optionally .gz)")
    init.add_argument("--samples", help="a sample sheet (sample, condition) to use as it is")
    init.add_argument("--control", help="the healthy group (leave out for a two-arm study)")
    init.add_argument("--disease", help="the untreated disease group")
    init.add_argument("--treatment", nargs="+", help="the treated group(s)")
    init.add_argument("--species", choices=["mouse", "human"], help="instead of detecting it")
    init.add_argument("--name", help="the dataset's name (default: from the file name)")
    init.add_argument("--out", default="my_config.yaml", help="the config to write")
    for name in ("de", "enrich", "reversal"):
        commands[name].add_argument("--threads", type=int, default=1)
    simulate = commands["simulate"]
    simulate.add_argument("--n-genes", type=int, default=15000)
    simulate.add_argument("--gene-names", help="TSV whose --gene-column holds real symbols")
    simulate.add_argument("--gene-column", default="mouse")
    simulate.add_argument("--n-per-group", type=int, default=5)
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument(
        "--further-arms",
        default="{}",
        help="JSON: more treated groups, label → effect relative to the treatment's, e.g. "
        '\'{"nmn_low": 0.4, "dex": 1.3}\'',
    )
    simulate.add_argument(
        "--treatment", choices=["reverse", "none", "aggravate"], default="reverse"
    )
    commands["reversal"].add_argument("--genes-of-interest", default="[]", help="JSON list")
    commands["report"].add_argument(
        "--study", nargs="+", metavar="NAME=PATH", help="a multi-arm study's comparison folder"
    )
    commands["report"].add_argument(
        "--single-cell", nargs="+", metavar="NAME=PATH", help="a dataset's cell-level folder"
    )
    commands["report"].add_argument(
        "--config-files", default="the config", help="the config file(s) the run was given"
    )
    commands["report"].add_argument(
        "--figure-cache", help="folder shared by the run's reports: each figure encoded once"
    )
    commands["cell-types"].add_argument(
        "--summaries", nargs="+", metavar="NAME=PATH", help="cell type → its reversal summary"
    )
    for name in ("reversal", "reference", "drugs"):
        commands[name].add_argument("--design", default="~condition", help="the DE design")
    commands["reference"].add_argument("--orthologs", help="ortholog table")
    commands["drugs"].add_argument("--orthologs", help="ortholog table")
    commands["reference-drugs"].add_argument("--orthologs", help="ortholog table")
    commands["reversal"].add_argument("--orthologs", help="ortholog table")
    commands["signatures"].add_argument(
        "--invert-treatment", action="store_true", help="read the treatment table as B vs A"
    )
    return parser


def _configure_logging(log_file: str | None) -> None:
    """Log to the console and, for rules, to the rule's log file: progress shows in both."""
    parts = Path(log_file).with_suffix("").parts if log_file else ()
    label = "/".join(parts[parts.index("logs") + 1 :] if "logs" in parts else parts[-1:])
    prefix = f"[{label}] " if label else ""
    formatter = logging.Formatter(f"%(asctime)s {prefix}%(levelname)s: %(message)s", "%H:%M:%S")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w", encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)
    logging.captureWarnings(True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.log)
    if args.figure_dpi:  # config report.figure_dpi; the figures module reads it when it draws
        os.environ["SIGNATURE_REVERSAL_FIGURE_DPI"] = str(args.figure_dpi)
    try:
        args.func(args)
    except InputError as err:
        log.error("%s", err)
        return 2
    except Exception:
        log.exception("%s failed with an unexpected error", args.command)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
