"""GSEA at GO scale with multilevel p-values, side by side with R fgsea's ``fgseaMultilevel``.

The ranking is real: the Wald statistic of chronic lesional AD skin vs healthy controls
(GSE121212, DESeq2, shipped in ``data/gse121212``), a contrast in which hundreds of GO sets are
far beyond what 1,000 permutations resolve. The collection is the shipped GO Biological Process
2021 (6,036 sets; 10–500 genes as in the default config). Each tool runs in a fresh process,
one core: the enrichment job's own call (vectorized engine, 1,000 permutations, multilevel
p-values where the permutations are too coarse) and ``fgseaMultilevel(nproc = 1)``, both with
the same ``eps`` (fgsea's default 1e-50 unless --eps).
The printed agreement is on the sets both refine: |log2 p ours − log2 p fgsea|.

    python benchmarks/bench.py go [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import bench
import numpy as np
import pandas as pd
import versus_r

GO_BP = bench.REPO / "config" / "genesets" / "human" / "GO_Biological_Process_2021.gmt.gz"
AD_CONTRAST = bench.REPO / "data" / "gse121212" / "cLS_CO.deseq2.tsv.gz"

R_MULTILEVEL = r"""
suppressMessages({library(fgsea); library(data.table)})
args <- commandArgs(trailingOnly = TRUE)
ranking <- read.delim(args[1])
stats <- setNames(ranking$stat, ranking$gene)
pathways <- gmtPathways(args[2])
set.seed(1)
elapsed <- system.time(res <- fgseaMultilevel(pathways, stats, minSize = 10, maxSize = 500,
                                              eps = as.numeric(args[4]), nproc = 1))[["elapsed"]]
res[, leadingEdge := NULL]
fwrite(res, args[3], sep = "\t")
cat("\nELAPSED", elapsed, "\n")
"""


def ad_ranking(work: Path) -> Path:
    """GSE121212 chronic lesional vs control: gene and Wald statistic (log2FC / lfcSE)."""
    path = work / "go_scale_ranking.tsv"
    table = pd.read_csv(AD_CONTRAST, sep="\t").dropna(subset=["log2FoldChange", "lfcSE"])
    table = table[table["lfcSE"] > 0].drop_duplicates("gene_id")
    stat = table["log2FoldChange"] / table["lfcSE"]
    pd.DataFrame({"gene": table["gene_id"], "stat": stat}).to_csv(path, sep="\t", index=False)
    return path


def child_go(args: argparse.Namespace) -> None:
    from signature_reversal.enrichment import stage as enrichment
    from signature_reversal.inputs.gmt import read_gmt

    ranked = pd.read_csv(args.ranking, sep="\t").set_index("gene")["stat"]
    ranked = ranked.sort_values(ascending=False, kind="mergesort")
    present = set(ranked.index)
    sets = {s.name: [g for g in s.genes if g in present] for s in read_gmt(args.gmt)}
    started = time.perf_counter()
    table = enrichment.prerank(
        ranked,
        sets,
        "go_bp",
        1000,
        42,
        10,
        500,
        threads=args.threads,
        multilevel_sample_size=101,
        multilevel_eps=args.eps,
    )
    seconds = time.perf_counter() - started
    table.to_csv(args.out, sep="\t", index=False)
    print(json.dumps({"seconds": seconds, "peak_rss_mb": bench.peak_rss_mb(), "sets": len(table)}))


def run(args: argparse.Namespace) -> None:
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    ranking = ad_ranking(work)
    rows, ours_table, fgsea_table = [], None, None
    has_fgsea = versus_r.r_has("fgsea")
    script = work / "go_multilevel.R"
    script.write_text(R_MULTILEVEL)
    for repeat in range(args.repeats):  # interleaved
        out = work / "go_ours.tsv"
        done = bench.run_child(
            ["_go", "--ranking", str(ranking), "--gmt", str(GO_BP), "--out", str(out),
             "--eps", str(args.eps), "--threads", str(args.threads)]
        )  # fmt: skip
        rows.append({"tool": "vectorized engine + multilevel", **done})
        ours_table = pd.read_csv(out, sep="\t")
        if has_fgsea:
            fgsea_out = work / "go_fgsea.tsv"
            wall, printed = versus_r.timed(
                ["Rscript", str(script), str(ranking), str(GO_BP), str(fgsea_out), str(args.eps)]
            )
            seconds = float(printed.split("ELAPSED")[-1].split()[0])
            rows.append({"tool": "R fgseaMultilevel", "seconds": seconds})
            fgsea_table = pd.read_csv(fgsea_out, sep="\t")
        print(f"  round {repeat + 1} done", flush=True)
    frame = pd.DataFrame(rows)
    summary = frame.groupby("tool", sort=False).agg(
        median_s=("seconds", "median"),
        runs_s=("seconds", lambda s: " / ".join(f"{v:.1f}" for v in s)),
    )
    if "peak_rss_mb" in frame:
        summary["peak_rss_mb"] = frame.groupby("tool", sort=False)["peak_rss_mb"].max()
    refined = ours_table[ours_table["p_method"] == "multilevel"]
    print(f"\nGO BP at scale, one contrast ({bench.machine()})")
    print(
        f"ranking: {len(pd.read_csv(ranking, sep=chr(9)))} genes (GSE121212 cLS vs control); "
        f"{len(ours_table)} GO BP sets of 10-500 genes; 1,000 permutations"
    )
    print(summary.to_string(float_format=lambda v: f"{v:.1f}"))
    print(
        f"multilevel p-values: {len(refined)} sets refined, smallest p "
        f"{refined['pvalue'].min():.2e}; sets at FDR < 0.05: "
        f"{(ours_table['fdr'] < 0.05).sum()}, at FDR < 1e-4: {(ours_table['fdr'] < 1e-4).sum()}"
    )
    if fgsea_table is not None:
        both = refined.set_index("gene_set").join(
            fgsea_table.set_index("pathway"), how="inner", rsuffix="_fgsea"
        )
        both = both[both["pval"] < 1 / 1001]
        difference = np.log2(both["pvalue"]) - np.log2(both["pval"])
        spread = np.hypot(both["log2err"], both["log2err_fgsea"])
        print(
            f"against fgsea on the {len(both)} sets both put below 1/1001: median |log2 ratio| "
            f"{np.median(np.abs(difference)):.2f}, mean {difference.mean():+.2f}, beyond 2 "
            f"combined log2err {(np.abs(difference) > 2 * spread).mean():.1%}; Pearson r of log p "
            f"{np.corrcoef(np.log(both['pvalue']), np.log(both['pval']))[0, 1]:.4f}"
        )


def add_parsers(sub) -> None:
    parser = sub.add_parser("go", help="GSEA of 6,036 GO BP sets with multilevel p, vs fgsea")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--eps", type=float, default=1e-50, help="fgsea's eps (default 1e-50)")
    parser.add_argument("--threads", type=int, default=1)
    parser.set_defaults(func=run)
    child = sub.add_parser("_go")
    child.add_argument("--ranking", required=True)
    child.add_argument("--gmt", required=True)
    child.add_argument("--out", required=True)
    child.add_argument("--eps", type=float, default=1e-50)
    child.add_argument("--threads", type=int, default=1)
    child.set_defaults(func=child_go)
