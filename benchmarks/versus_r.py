"""Side by side with the tools a user would otherwise run, on this machine, in one run.

- DE: R DESeq2 (``DESeq()`` + three ``results()``) against the pipeline's DE step, both as whole
  processes (start-up, reading the counts, fitting, writing three tables), 20,000 genes × 12 and
  × 60 samples, runs interleaved; agreement of each engine with R (padj < 0.05 calls that differ,
  lfcSE relative difference for genes with baseMean ≥ 10).
- GSEA: one ranking (the example's treatment-vs-disease Wald statistics, 50 Hallmark sets,
  1,000 permutations), time inside the call and peak RSS of the process, for the vectorized
  engine, gseapy and (when installed) R fgsea's ``fgseaSimple`` and ``fgseaMultilevel``.
- Pipeline: the example, ``snakemake --cores 2`` on fresh results, against R DESeq2's
  whole-process time at 12 samples.

R packages come from Debian (``r-bioc-deseq2``; fgsea has no Debian package in bookworm): a
missing one is reported and its rows are skipped.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import bench
import numpy as np
import pandas as pd

R_DESEQ2 = r"""
suppressMessages(library(DESeq2))
args <- commandArgs(trailingOnly = TRUE)
counts <- as.matrix(read.delim(args[1], row.names = 1, check.names = FALSE))
samples <- read.delim(args[2], row.names = 1)
samples$condition <- factor(samples$condition, levels = c("control", "eczema", "nmn"))
started <- Sys.time()
dds <- DESeq(DESeqDataSetFromMatrix(counts, samples, ~condition), quiet = TRUE)
contrasts <- list(disease_vs_control = c("eczema", "control"),
                  treatment_vs_disease = c("nmn", "eczema"),
                  treatment_vs_control = c("nmn", "control"))
dir.create(args[3], showWarnings = FALSE)
for (name in names(contrasts)) {
  r <- results(dds, contrast = c("condition", contrasts[[name]]), alpha = 0.05)
  write.table(data.frame(gene = rownames(r), baseMean = r$baseMean, log2FC = r$log2FoldChange,
                         lfcSE = r$lfcSE, padj = r$padj),
              file.path(args[3], paste0(name, ".tsv")), sep = "\t", quote = FALSE,
              row.names = FALSE)
}
cat(as.numeric(Sys.time() - started, units = "secs"), "\n")
"""

R_FGSEA = r"""
suppressMessages(library(fgsea))
args <- commandArgs(trailingOnly = TRUE)
ranking <- read.delim(args[1])
stats <- setNames(ranking$stat, ranking$gene)
pathways <- gmtPathways(args[2])
set.seed(1)
simple <- system.time(fgseaSimple(pathways, stats, nperm = 1000, minSize = 15, maxSize = 500))
multilevel <- system.time(fgseaMultilevel(pathways, stats, minSize = 15, maxSize = 500))
cat(simple[["elapsed"]], multilevel[["elapsed"]], "\n")
"""


def r_has(package: str) -> bool:
    """Whether Rscript exists and can load ``package``."""
    if shutil.which("Rscript") is None:
        return False
    done = subprocess.run(
        ["Rscript", "-e", f"suppressMessages(library({package}))"],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def prepared(work: Path, n_samples: int) -> tuple[Path, Path, Path]:
    """The benchmark counts after the pipeline's low-count filter (so both tools fit the same
    genes): an h5ad for the pipeline, counts and sample TSVs for R."""
    import anndata as ad

    from signature_reversal.de import stage as de
    from signature_reversal.settings import DESettings

    folder = work / f"versus_r_{n_samples}"
    h5ad, counts, samples = (folder / n for n in ("data.h5ad", "counts.tsv", "samples.tsv"))
    if h5ad.exists():
        return h5ad, counts, samples
    folder.mkdir(parents=True, exist_ok=True)
    raw = ad.read_h5ad(bench.de_dataset(work / f"de_20000x{n_samples}.h5ad", 20000, n_samples // 3))
    settings = DESettings.from_config({})
    kept, _ = de.low_count_filter(raw, settings.min_count, settings.min_samples)
    kept.write_h5ad(h5ad)
    table = pd.DataFrame(np.asarray(kept.layers["counts"]).T, index=kept.var_names)
    table.columns = kept.obs_names
    table.to_csv(counts, sep="\t")
    kept.obs[["condition"]].to_csv(samples, sep="\t")
    return h5ad, counts, samples


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, env=bench.child_environment()
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def agreement(ours: Path, reference: Path) -> dict:
    """Over the three contrasts: padj < 0.05 calls that differ; lfcSE relative difference of
    genes with baseMean ≥ 10 (largest, and how many differ by more than 0.1%)."""
    differing, largest, above = 0, 0.0, 0
    for name in bench.CONTRASTS:
        a = pd.read_csv(ours / f"{name}.tsv", sep="\t", index_col="gene")
        b = pd.read_csv(reference / f"{name}.tsv", sep="\t", index_col="gene").loc[a.index]
        calls_a, calls_b = set(a.index[a["padj"] < 0.05]), set(b.index[b["padj"] < 0.05])
        differing += len(calls_a ^ calls_b)
        expressed = b["baseMean"] >= 10
        relative = (a["lfcSE"] / b["lfcSE"] - 1).abs()[expressed]
        largest = max(largest, float(relative.max()))
        above += int((relative > 0.001).sum())
    return {"calls_differing": differing, "lfcse_max_rel": largest, "lfcse_over_0.1%": above}


def compare_de(args: argparse.Namespace, work: Path) -> pd.DataFrame:
    script = work / "deseq2.R"
    script.write_text(R_DESEQ2)
    rows = []
    for n_samples in args.samples:
        h5ad, counts, samples = prepared(work, n_samples)
        walls: dict[str, list[float]] = {}
        outputs = {}
        for repeat in range(args.repeats):  # interleaved: R, then each engine, per repeat
            if r_has("DESeq2"):
                out = work / f"versus_r_{n_samples}" / "R"
                seconds, _ = timed(["Rscript", str(script), str(counts), str(samples), str(out)])
                walls.setdefault("R DESeq2", []).append(seconds)
                outputs["R DESeq2"] = out
            for engine in args.engines:
                out = work / f"versus_r_{n_samples}" / engine
                seconds, _ = timed(
                    [sys.executable, bench.__file__, "_de", "--data", str(h5ad), "--engine",
                     engine, "--threads", "1", "--out", str(out)]
                )  # fmt: skip
                walls.setdefault(engine, []).append(seconds)
                outputs[engine] = out
            print(
                f"  DE 20,000 x {n_samples}, run {repeat + 1}: "
                + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in walls.items()),
                flush=True,
            )
        for tool, runs in walls.items():
            row = {
                "step": f"DE, 20,000 genes x {n_samples}, whole process",
                "tool": tool,
                "median_s": statistics.median(runs),
                "runs_s": " / ".join(f"{r:.1f}" for r in runs),
            }
            if tool != "R DESeq2" and "R DESeq2" in outputs:
                row.update(agreement(outputs[tool], outputs["R DESeq2"]))
            rows.append(row)
    if not r_has("DESeq2"):
        print("  R DESeq2 not found (Debian: apt install r-bioc-deseq2): R rows skipped")
    return pd.DataFrame(rows)


def example_ranking(work: Path) -> Path:
    """The example's treatment-vs-disease Wald statistics (mouse symbols), from a pipeline run
    of the example (run once and cached)."""
    ranking = work / "versus_r_ranking.tsv"
    if ranking.exists():
        return ranking
    run = bench.snakemake_run(work / "versus_r_example", bench.absolute_config(), 2)
    del run
    table = pd.read_csv(
        work / "versus_r_example" / "results" / "example" / "de" / "treatment_vs_disease.tsv",
        sep="\t",
    )
    table = table.dropna(subset=["stat"]).drop_duplicates("symbol")
    table[["symbol", "stat"]].rename(columns={"symbol": "gene"}).to_csv(
        ranking, sep="\t", index=False
    )
    return ranking


def compare_gsea(args: argparse.Namespace, work: Path) -> pd.DataFrame:
    ranking = example_ranking(work)
    hallmark = bench.REPO / "config" / "genesets" / "mouse" / "hallmark_v7.0.gmt"
    rows = []
    for engine in ("vectorized", "gseapy"):
        runs = [
            bench.run_child(
                ["_gsea", "--ranking", str(ranking), "--gmt", str(hallmark), "--engine", engine]
            )  # fmt: skip
            for _ in range(args.repeats)
        ]
        rows.append(
            {
                "step": "GSEA prerank, 50 Hallmark sets, 1,000 permutations, inside the call",
                "tool": f"{engine} engine" if engine == "vectorized" else "gseapy.prerank",
                "median_s": bench.median_of(runs, "seconds"),
                "runs_s": " / ".join(f"{r['seconds']:.2f}" for r in runs),
                "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                "genes": runs[0]["genes"],
            }
        )
    if r_has("fgsea"):
        script = work / "fgsea.R"
        script.write_text(R_FGSEA)
        times = [timed(["Rscript", str(script), str(ranking), str(hallmark)])[1].split()
                 for _ in range(args.repeats)]  # fmt: skip
        for i, name in enumerate(("R fgseaSimple", "R fgseaMultilevel")):
            values = [float(t[i]) for t in times]
            rows.append({"step": rows[0]["step"], "tool": name,
                         "median_s": statistics.median(values),
                         "runs_s": " / ".join(f"{v:.2f}" for v in values)})  # fmt: skip
    else:
        print(
            "  R fgsea not found (no Debian package in bookworm; Bioconductor: "
            "BiocManager::install('fgsea')): fgsea rows skipped"
        )
    return pd.DataFrame(rows)


def child_gsea(args: argparse.Namespace) -> None:
    from signature_reversal.enrichment import stage as enrichment
    from signature_reversal.inputs.gmt import read_gmt

    ranked = pd.read_csv(args.ranking, sep="\t").set_index("gene")["stat"]
    ranked = ranked.sort_values(ascending=False)
    sets = {s.name: s.genes for s in read_gmt(args.gmt)}
    started = time.perf_counter()
    enrichment.prerank(ranked, sets, "hallmark", 1000, 1, 15, 500, 1, args.engine)
    seconds = time.perf_counter() - started
    print(
        json.dumps({"seconds": seconds, "peak_rss_mb": bench.peak_rss_mb(), "genes": len(ranked)})
    )


def compare_pipeline(args: argparse.Namespace, work: Path) -> pd.DataFrame:
    walls = []
    for repeat in range(args.repeats):
        walls.append(bench.snakemake_run(work / "versus_r_pipeline", bench.absolute_config(), 2))
        print(f"  example pipeline run {repeat + 1}: {walls[-1]['wall_s']:.1f} s", flush=True)
    return pd.DataFrame(
        [
            {
                "step": "example pipeline (15,000 genes x 15 samples), snakemake --cores 2",
                "tool": "this pipeline",
                "median_s": statistics.median(w["wall_s"] for w in walls),
                "runs_s": " / ".join(f"{w['wall_s']:.1f}" for w in walls),
                "peak_rss_mb": max(max(w["peak_rss_mb"].values()) for w in walls),
                "cpu_s": statistics.median(sum(w["rules"].values()) for w in walls),
            }
        ]
    )


def run(args: argparse.Namespace) -> None:
    work = Path(args.work)
    tables = [compare_de(args, work), compare_gsea(args, work), compare_pipeline(args, work)]
    table = pd.concat(tables, ignore_index=True)
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 20)
    print(f"\nSide by side ({bench.machine()})")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))


def add_parsers(sub) -> None:
    parser = sub.add_parser("r", help="side by side with R DESeq2 and fgsea")
    parser.add_argument("--samples", type=int, nargs="+", default=[12, 60])
    parser.add_argument("--engines", nargs="+", default=["vectorized", "pydeseq2"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.set_defaults(func=run)
    child = sub.add_parser("_gsea")
    for option in ("--ranking", "--gmt", "--engine"):
        child.add_argument(option, required=True)
    child.set_defaults(func=child_gsea)
