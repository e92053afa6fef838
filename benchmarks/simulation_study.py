"""Simulation study: how often each verdict is given, per scenario, replicate count and effect.

Prints a table (and writes it as TSV with --out). Targets: "reverses" in ≥ 90% of planted full
reversal at 4+ replicates; false "reverses" ≤ 5% under no effect; pathway calls likewise.

    python benchmarks/simulation_study.py --seeds 50 --workers 2
"""

from __future__ import annotations

import argparse
import itertools
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import pandas as pd

from signature_reversal import calibration
from signature_reversal.genesets import read_gmt
from signature_reversal.settings import VerdictRule

CURATED = Path(__file__).resolve().parents[1] / "config" / "genesets" / "mouse" / "skin_curated.gmt"
VERDICTS = ("reverses", "partially reverses", "no evidence", "aggravates")


def run_one(job: tuple, curated: dict, rule: VerdictRule, n_genes: int) -> dict:
    scenario, n_per_group, lfc_min, seed = job
    result = calibration.evaluate(
        curated, scenario, n_per_group, seed, rule, n_genes=n_genes, lfc_min=lfc_min
    )
    return {**result, "lfc_min": lfc_min}


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    keys = ["scenario", "n_per_group", "lfc_min"]
    table = pd.crosstab([results[k] for k in keys], results["verdict"], normalize="index") * 100
    table = table.reindex(columns=list(VERDICTS), fill_value=0.0)
    grouped = results.groupby(keys)
    table["runs"] = grouped.size()
    table["median slope"] = grouped["slope"].median()
    table["JAK-STAT set reverses %"] = grouped["focus_set_verdict"].apply(
        lambda v: 100 * (v == "reverses").mean()
    )
    table["other sets reverse %"] = grouped["other_sets_reversed"].mean() * 100
    return table.round(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--replicates", type=int, nargs="+", default=[3, 4, 6])
    parser.add_argument(
        "--effects",
        type=float,
        nargs="+",
        default=[1.0, 0.6],
        help="smallest planted |log2FC| (SimulationSpec.lfc_min)",
    )
    parser.add_argument("--scenarios", nargs="+", default=list(calibration.SCENARIOS))
    parser.add_argument("--genes", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    curated = {s.name: s.genes for s in read_gmt(CURATED)}
    rule = VerdictRule.from_config(permutations=1000, bootstrap=100)
    jobs = list(
        itertools.product(
            args.scenarios, args.replicates, args.effects, range(1000, 1000 + args.seeds)
        )
    )
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(
            pool.map(
                partial(run_one, curated=curated, rule=rule, n_genes=args.genes), jobs, chunksize=8
            )
        )
    results = pd.DataFrame(rows)
    table = summarise(results)
    pd.set_option("display.width", 200)
    print(
        f"{len(jobs)} simulated datasets in {time.perf_counter() - started:.0f} s "
        f"({args.genes} genes each; verdict columns are % of runs)"
    )
    print(table.to_string())
    if args.out:
        table.to_csv(args.out, sep="\t")


if __name__ == "__main__":
    main()
