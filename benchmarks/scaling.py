"""How the whole pipeline grows: samples (12, 60, 200, 1,000 at 20,000 genes) and datasets in one
config (1, 5, 20 of 12 samples each). Each row is one fresh ``snakemake --cores 2`` run: wall
time, the summed time of its jobs, the largest peak RSS of any job (from the rules'
``benchmark:`` files) and the slowest rule.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import bench
import pandas as pd


def simulated(work: Path, n_samples: int, seed: int = 5) -> Path:
    """A seeded simulated dataset (the package's own simulator) of ~n_samples samples."""
    folder = work / f"scaling_{n_samples}_seed{seed}"
    if not (folder / "counts.tsv.gz").exists():
        subprocess.run(
            [sys.executable, "-m", "signature_reversal", "simulate",
             "--gene-sets", str(bench.REPO / "config/genesets/mouse/skin_curated.gmt"),
             "--out-dir", str(folder), "--n-genes", "20000",
             "--n-per-group", str(n_samples // 3), "--seed", str(seed)],
            check=True, env=bench.child_environment(), capture_output=True,
        )  # fmt: skip
    return folder


def entry(folder: Path) -> dict:
    return {
        "path": str(folder / "counts.tsv.gz"),
        "samples": str(folder / "samples.tsv"),
        "species": "mouse",
    }


def one_run(work: Path, label: str, datasets: dict[str, dict], cores: int) -> dict:
    config = bench.absolute_config(datasets, example=False)
    result = bench.snakemake_run(work / "scaling_run", config, cores)
    slowest = max(result["rules"], key=result["rules"].get)
    row = {
        "run": label,
        "wall_s": result["wall_s"],
        "jobs_s": sum(result["rules"].values()),
        "largest_job_rss_mb": max(result["peak_rss_mb"].values()),
        "slowest_job": f"{slowest} ({result['rules'][slowest]:.0f} s)",
    }
    print(f"  {label}: {row['wall_s']:.0f} s, peak {row['largest_job_rss_mb']:.0f} MB", flush=True)
    return row


def run(args: argparse.Namespace) -> None:
    work = Path(args.work)
    rows = []
    for n in args.samples:
        rows.append(
            one_run(
                work,
                f"{n} samples x 20,000 genes",
                {"scaled": entry(simulated(work, n))},
                args.cores,
            )
        )
    for count in args.datasets:
        datasets = {f"set{i}": entry(simulated(work, 12, seed=100 + i)) for i in range(count)}
        rows.append(
            one_run(work, f"{count} datasets of 12 samples x 20,000 genes", datasets, args.cores)
        )
    pd.set_option("display.width", 250)
    print(f"\nScaling, snakemake --cores {args.cores} ({bench.machine()})")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.0f}"))


def add_parsers(sub) -> None:
    parser = sub.add_parser("scaling", help="whole pipeline at growing samples and datasets")
    parser.add_argument("--samples", type=int, nargs="*", default=[12, 60, 200, 1000])
    parser.add_argument("--datasets", type=int, nargs="*", default=[1, 5, 20])
    parser.add_argument("--cores", type=int, default=2)
    parser.set_defaults(func=run)
