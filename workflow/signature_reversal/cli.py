"""Command line used by the Snakemake rules: one subcommand per pipeline stage.

Each stage takes its inputs and outputs as paths and its config section as a JSON string, so a
rule is a one-line shell call and every stage can be rerun by hand. Bad input exits with
status 2 and a message naming the file and the fix, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .roles import CONTRASTS, contrast_by_name

log = logging.getLogger("signature_reversal")

# Stage modules are imported inside each command: a rule pays only for the libraries its stage
# uses (pydeseq2, gseapy and matplotlib each take a second or more to import).


def _write_tsv(frame: pd.DataFrame, path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, sep="\t", index=False, float_format="%.6g")


def cmd_simulate(args: argparse.Namespace) -> None:
    """Write a simulated counts matrix, sample sheet and truth table with planted effects."""
    from . import genesets, simulate

    sets = {s.name: s.genes for s in genesets.read_gmt(args.gene_sets)}
    planted = simulate.skin_planted_sets(sets)
    named = [g for s in planted.values() for g in s.genes] + [g for s in sets.values() for g in s]
    if args.gene_names:
        table = pd.read_csv(args.gene_names, sep="\t", usecols=[args.gene_column])
        real = sorted(set(table[args.gene_column].dropna().astype(str)))
        named += list(np.random.default_rng(args.seed).permutation(real))
    spec = simulate.SimulationSpec(
        n_per_group=args.n_per_group, seed=args.seed, treatment=args.treatment
    )
    data = simulate.simulate(simulate.gene_universe(args.n_genes, named), planted, spec)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data.counts.to_csv(out / "counts.tsv.gz", sep="\t", compression={"method": "gzip", "mtime": 0})
    data.samples.to_csv(out / "samples.tsv", sep="\t", index=False)
    data.truth.to_csv(
        out / "truth.tsv.gz",
        sep="\t",
        float_format="%.4g",
        compression={"method": "gzip", "mtime": 0},
    )
    log.info(
        "simulated %d genes × %d samples (%s) into %s",
        data.counts.shape[0],
        data.counts.shape[1],
        args.treatment,
        out,
    )


def cmd_load(args: argparse.Namespace) -> None:
    """Read and validate one dataset (any supported format) into the canonical AnnData."""
    from . import load

    settings = json.loads(args.settings)
    spec = load.DatasetSpec.from_config(settings["dataset"])
    adata = load.load_dataset(
        spec,
        settings["conditions"],
        cell_type=settings.get("cell_type"),
        min_replicates=settings.get("min_replicates", 2),
        annotation_dir=Path(settings["annotation_dir"]) if settings.get("annotation_dir") else None,
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    adata.write_h5ad(args.out)


def cmd_genesets(args: argparse.Namespace) -> None:
    """Translate every gene-set collection into the dataset's gene IDs, with coverage."""
    import anndata as ad

    from . import genesets

    settings = json.loads(args.settings)
    adata = ad.read_h5ad(args.adata, backed="r")
    symbols = adata.var["symbol"].astype(str).copy()
    species = adata.uns["species"]
    adata.file.close()
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    orthologs = (
        genesets.read_orthologs(settings["orthologs"]) if settings.get("orthologs") else None
    )
    coverage = []
    for name, entry in _collections(settings).items():
        sets = genesets.read_gmt(entry["path"])
        prepared, table = genesets.prepare_for_data(
            sets, entry.get("species", species), species, symbols, orthologs, entry["path"]
        )
        table.insert(0, "collection", name)
        coverage.append(table)
        empty = [s.name for s in prepared if not s.genes]
        if empty:
            log.warning(
                "%s: %d set(s) have no gene in the data and are not tested: %s",
                name,
                len(empty),
                ", ".join(empty[:10]),
            )
        genesets.write_gmt([s for s in prepared if s.genes], out / f"{name}.gmt")
        log.info(
            "%s: %d sets; %d set-gene entries in the file, %d after ortholog mapping, "
            "matching %d data genes",
            name,
            len(sets),
            int(table["genes_in_file"].sum()),
            int(table["genes_after_orthologs"].sum()),
            int(table["genes_in_data"].sum()),
        )
    _write_tsv(pd.concat(coverage, ignore_index=True), out / "coverage.tsv")


def cmd_qc(args: argparse.Namespace) -> None:
    """Sample metrics, PCA and correlation: tables and plots."""
    import anndata as ad

    from . import plots, qc

    adata = ad.read_h5ad(args.adata)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    metrics = qc.sample_metrics(adata)
    for _, row in metrics[metrics["outlier"] != ""].iterrows():
        log.warning("possible outlier %s: %s", row["sample"], row["outlier"])
    scores, variance = qc.pca(adata)
    corr = qc.correlation(adata)
    _write_tsv(metrics, out / "sample_metrics.tsv")
    _write_tsv(scores, out / "pca.tsv")
    corr.to_csv(out / "correlation.tsv", sep="\t", float_format="%.5g")
    roles = pd.Series(adata.obs["role"].astype(str).to_numpy())
    plots.library_sizes(metrics, out / "library_sizes.png")
    batch = (
        pd.Series(adata.obs["batch"].astype(str).to_numpy())
        if "batch" in adata.obs.columns
        else None
    )
    plots.pca(scores, roles, variance, out / "pca.png", batch)
    plots.correlation_heatmap(corr, out / "correlation.png")


def cmd_de(args: argparse.Namespace) -> None:
    """Fit pydeseq2 once and write one table and volcano plot per contrast."""
    import anndata as ad

    from . import de, plots

    settings = json.loads(args.settings)
    adata = ad.read_h5ad(args.adata)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results, removed, size_factors = de.run(
        adata,
        settings["design"],
        settings["alpha"],
        settings["min_count"],
        settings.get("min_samples"),
        threads=args.threads,
        engine=settings.get("engine", "vectorized"),
    )
    log.info("DE fitted in %.1f s", time.perf_counter() - started)
    for name, table in results.items():
        _write_tsv(table, out / f"{name}.tsv")
        plots.volcano(
            table,
            f"{name.replace('_', ' ')} ({contrast_by_name(name).meaning})",
            settings["alpha"],
            out / f"{name}.volcano.png",
        )
    _write_tsv(removed, out / "filtered_genes.tsv")
    _write_tsv(
        pd.DataFrame({"sample": adata.obs_names, "size_factor": size_factors}),
        out / "size_factors.tsv",
    )


def _collections(settings: dict) -> dict[str, dict]:
    """Collection name → {path, species}: the curated sets first, then the extras."""
    collections = {"curated": settings["curated"]}
    for extra in settings.get("extra") or []:
        collections[extra["name"]] = extra
    return collections


def _as_symbols(gene_lists: pd.Series, symbol_of: dict[str, str]) -> list[str]:
    """';'-joined gene-ID lists rewritten in symbols, which readers of the tables recognise."""
    return [";".join(symbol_of.get(g, g) for g in str(x).split(";") if g) for x in gene_lists]


def cmd_enrich(args: argparse.Namespace) -> None:
    """Preranked GSEA of one contrast against every prepared collection."""
    from . import de, enrichment, genesets

    settings = json.loads(args.settings)
    table = de.read_table(args.de)
    ranked = enrichment.ranking(table, settings.get("rank_by", "stat"))
    symbol_of = table.set_index("gene")["symbol"].astype(str).to_dict()
    significant = (table["padj"] < settings.get("ora_padj", 0.05)) & (
        table["log2FC"].abs() >= settings.get("ora_min_abs_log2fc", 1.0)
    )
    degs = {
        "up": list(table.loc[significant & (table["log2FC"] > 0), "gene"]),
        "down": list(table.loc[significant & (table["log2FC"] < 0), "gene"]),
    }
    log.info(
        "over-representation: %d up and %d down genes against %d tested genes",
        len(degs["up"]),
        len(degs["down"]),
        len(ranked),
    )
    frames, ora_frames = [], []
    for item in args.gene_sets:
        collection, _, path = item.partition("=")
        sets = genesets.read_gmt(path)
        usable, matched = genesets.restrict_to_genes(
            sets, ranked.index, settings["min_size"], settings["max_size"]
        )
        log.info("%s: %d of %d sets tested", collection, len(usable), len(sets))
        for _, row in matched[matched["status"] != "tested"].iterrows():
            log.info("  %s %s", row["gene_set"], row["status"])
        if not usable:
            log.warning(
                "%s: no gene set has %d–%d genes in the data",
                collection,
                settings["min_size"],
                settings["max_size"],
            )
        result = enrichment.prerank(
            ranked,
            usable,
            collection,
            settings["permutations"],
            settings["seed"],
            settings["min_size"],
            settings["max_size"],
            args.threads,
        )
        result["leading_edge"] = _as_symbols(result["leading_edge"], symbol_of)
        frames.append(result)
        for direction, genes in degs.items():
            ora = enrichment.over_representation(
                genes, list(ranked.index), usable, collection, direction
            )
            ora["genes"] = _as_symbols(ora["genes"], symbol_of)
            ora_frames.append(ora)
    _write_tsv(pd.concat(frames, ignore_index=True), args.out)
    _write_tsv(pd.concat(ora_frames, ignore_index=True), args.ora_out)


def cmd_dotplot(args: argparse.Namespace) -> None:
    """Dot plot of the curated sets' GSEA across the three contrasts."""
    from . import plots

    gsea = {
        Path(path).stem: pd.read_csv(path, sep="\t").query("collection == 'curated'")
        for path in args.gsea
    }
    plots.gsea_dotplot(gsea, args.out)


def cmd_reversal(args: argparse.Namespace) -> None:
    """Per-gene and per-set reversal statistics, the verdict, and their plots."""
    import anndata as ad

    from . import de, enrichment, genesets, interest, plots, reversal, scores

    settings = json.loads(args.settings)
    rule = reversal.VerdictRule(**settings)
    de_dir, enrichment_dir, out = Path(args.de_dir), Path(args.enrichment_dir), Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = {c.name: de.read_table(de_dir / f"{c.name}.tsv") for c in CONTRASTS}
    genes = reversal.gene_table(
        tables["disease_vs_control"],
        tables["treatment_vs_disease"],
        tables["treatment_vs_control"],
        rule,
    )
    adata = ad.read_h5ad(args.adata)
    size_factors = pd.read_csv(de_dir / "size_factors.tsv", sep="\t", dtype={"sample": str})
    size_factors = size_factors.set_index("sample")
    tested = adata[:, genes["gene"].astype(str).to_numpy()]
    expression = reversal.log_expression(
        tested, size_factors.loc[tested.obs_names, "size_factor"].to_numpy()
    )
    groups = reversal.make_groups(expression, tested.obs["role"].astype(str).to_numpy())
    log.info(
        "signature: %d permutations, %d bootstrap resamples", rule.permutations, rule.bootstrap
    )
    signature = reversal.signature_verdict(genes, groups, rule)
    log.info("overall verdict: %s (%s)", signature.verdict, signature.reason)

    curated = genesets.read_gmt(args.curated)
    usable, _ = genesets.restrict_to_genes(curated, genes["gene"], 1, 10**9)
    # the residual contrast's GSEA is not needed here, so that job can run alongside this one
    gsea = {
        name: pd.read_csv(enrichment_dir / f"{name}.tsv", sep="\t")
        for name in ("disease_vs_control", "treatment_vs_disease")
    }
    sets = reversal.gene_set_verdicts(
        genes,
        groups,
        usable,
        gsea["disease_vs_control"].query("collection == 'curated'"),
        gsea["treatment_vs_disease"].query("collection == 'curated'"),
        rule,
    )
    roles = tested.obs["role"].astype(str).to_numpy()
    labels = dict(adata.uns["conditions"])
    samples = list(tested.obs_names)
    pathway = scores.zscore_scores(expression, list(genes["gene"]), samples, usable)
    restored = scores.restoration(pathway, roles, rule.bootstrap, rule.seed + 3)
    if len(sets):
        sets = sets.merge(restored, on="gene_set", how="left")
    pathway.reset_index().to_csv(
        out / "pathway_scores.tsv", sep="\t", index=False, float_format="%.5g"
    )
    judged = sets.loc[sets["verdict"] != "not changed by disease", "gene_set"] if len(sets) else []
    plots.pathway_scores(
        pathway[[s for s in judged if s in pathway]], roles, labels, out / "pathway_scores.png"
    )
    for _, row in sets.iterrows():
        log.info("gene set %s: %s", row["gene_set"], row["verdict"])

    orthologs = genesets.read_orthologs(args.orthologs) if args.orthologs else None
    symbols = (
        genes.set_index("gene")["symbol"] if "symbol" in genes else genes.set_index("gene")["gene"]
    )
    matched = interest.match_genes(
        json.loads(args.genes_of_interest), symbols.astype(str), adata.uns["species"], orthologs
    )
    wanted = matched.merge(genes.drop(columns=["symbol"], errors="ignore"), on="gene", how="left")
    _write_tsv(wanted, out / "genes_of_interest.tsv")
    found = matched[matched["gene"] != ""]
    index = {g: i for i, g in enumerate(genes["gene"])}
    panel = pd.DataFrame(
        {f"{r.symbol}": expression[index[r.gene]] for r in found.itertuples()}, index=samples
    )
    plots.genes_of_interest(panel, roles, labels, out / "genes_of_interest.png")

    curves = {
        name: {
            c: enrichment.running_score(enrichment.ranking(tables[c]), usable[name])
            for c in ("disease_vs_control", "treatment_vs_disease")
        }
        for name in judged
        if name in usable
    }
    plots.running_scores(curves, out / "gsea_running_scores.png")
    top = genes[genes["disease_gene"]].reindex(
        genes.loc[genes["disease_gene"], "disease_padj"].sort_values().index[:50]
    )
    heat = pd.DataFrame(
        expression[top.index.to_numpy()], index=top["symbol"].astype(str), columns=samples
    )
    plots.disease_gene_heatmap(heat, roles, out / "disease_gene_heatmap.png")
    missing = matched.loc[matched["gene"] == "", "requested"]
    if len(missing):
        log.warning("genes of interest not among the tested genes: %s", ", ".join(missing))
    _write_tsv(genes, out / "gene_reversal.tsv")
    _write_tsv(sets, out / "gene_set_reversal.tsv")
    summary = {
        "signature": signature.to_dict(),
        "rule": rule.__dict__,
        "conditions": dict(adata.uns["conditions"]),
        "kind": str(adata.uns.get("kind", "counts")),
        "gene_sets": {r["gene_set"]: r["verdict"] for _, r in sets.iterrows()},
    }
    (out / "reversal_summary.json").write_text(json.dumps(summary, indent=2))
    plots.reversal_scatter(genes, signature.slope, out / "reversal_scatter.png")
    plots.gene_set_restoration(sets, out / "gene_set_restoration.png")
    plots.nes_pairs(sets, out / "nes_pairs.png")


def cmd_signatures(args: argparse.Namespace) -> None:
    """Descriptive reversal between two published DE tables (no samples, no permutation p)."""
    from . import genesets, plots, reversal, signatures

    rule = reversal.VerdictRule(**json.loads(args.settings))
    disease = signatures.read_published_table(args.disease)
    treatment = signatures.read_published_table(args.treatment, invert=args.invert_treatment)
    sets = {s.name: list(s.genes) for s in genesets.read_gmt(args.curated)}
    summary, table, genes = signatures.compare(disease, treatment, sets, rule)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "signature_summary.json").write_text(json.dumps(summary, indent=2))
    _write_tsv(table, out / "gene_set_nes_pairs.tsv")
    _write_tsv(genes, out / "gene_reversal.tsv")
    plots.reversal_scatter(genes, summary["slope"], out / "reversal_scatter.png")
    log.info("signature comparison: %s", json.dumps(summary))


def cmd_report(args: argparse.Namespace) -> None:
    """Write one self-contained HTML report covering the given analyses."""
    from . import report

    analyses = {}
    for item in args.analysis:
        name, _, folder = item.partition("=")
        analyses[name] = Path(folder)
    report.render(config=json.loads(args.config_json), analyses=analyses, out=Path(args.out))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="signature-reversal", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--log",
        metavar="FILE",
        help="also write the log to FILE (rules pass their log: file; the console keeps a copy)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable, **paths: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=func.__doc__.splitlines()[0])
        command.set_defaults(func=func)
        for option, help_text in paths.items():
            command.add_argument(f"--{option.replace('_', '-')}", required=True, help=help_text)
        return command

    sim = add(
        "simulate",
        cmd_simulate,
        gene_sets="GMT whose skin sets get planted effects",
        out_dir="folder for counts.tsv.gz, samples.tsv, truth.tsv.gz",
    )
    sim.add_argument("--n-genes", type=int, default=15000)
    sim.add_argument("--gene-names", help="TSV whose --gene-column supplies real gene symbols")
    sim.add_argument("--gene-column", default="mouse")
    sim.add_argument("--n-per-group", type=int, default=5)
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--treatment", choices=["reverse", "none", "aggravate"], default="reverse")
    add(
        "load",
        cmd_load,
        out="output .h5ad",
        settings="JSON: dataset, conditions, min_replicates, cell_type, annotation_dir",
    )
    add(
        "genesets",
        cmd_genesets,
        adata="canonical .h5ad",
        settings="JSON of config 'gene_sets'",
        out_dir="folder for <collection>.gmt in the data's gene IDs and coverage.tsv",
    )
    add("qc", cmd_qc, adata="canonical .h5ad", out_dir="QC output folder")
    de_cmd = add(
        "de",
        cmd_de,
        adata="canonical .h5ad",
        settings="JSON of config 'de'",
        out_dir="DE output folder",
    )
    enrich = add(
        "enrich",
        cmd_enrich,
        de="DE table of one contrast",
        settings="JSON of config 'enrichment'",
        out="GSEA table",
        ora_out="over-representation table (up and down genes)",
    )
    enrich.add_argument(
        "--gene-sets",
        nargs="+",
        required=True,
        metavar="NAME=GMT",
        help="prepared collections in the data's gene IDs",
    )
    for command in (de_cmd, enrich):
        command.add_argument("--threads", type=int, default=1)
    rev = add(
        "reversal",
        cmd_reversal,
        adata="canonical .h5ad",
        de_dir="DE output folder",
        enrichment_dir="GSEA output folder",
        curated="curated GMT in the data's gene IDs",
        settings="JSON of config 'reversal'",
        out_dir="reversal output folder",
    )
    rev.add_argument(
        "--genes-of-interest", default="[]", help="JSON list of gene symbols to show per group"
    )
    rev.add_argument("--orthologs", help="ortholog table, to find genes named in the other species")
    sig = add(
        "signatures",
        cmd_signatures,
        disease="published disease-vs-control DE table",
        treatment="published treatment DE table",
        curated="GMT in the tables' gene IDs",
        settings="JSON of config 'reversal'",
        out_dir="output folder",
    )
    sig.add_argument(
        "--invert-treatment",
        action="store_true",
        help="flip the treatment table's contrast (A vs B read as B vs A)",
    )
    dot = add("dotplot", cmd_dotplot, out="output PNG")
    dot.add_argument("--gsea", nargs="+", required=True, help="GSEA tables, one per contrast")
    rep = add("report", cmd_report, config_json="the run's config as JSON", out="output HTML")
    rep.add_argument(
        "--analysis",
        nargs="+",
        required=True,
        metavar="NAME=FOLDER",
        help="analysis name and its results folder (qc/, de/, enrichment/, …)",
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
