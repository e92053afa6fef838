"""Robustness study: the reversal figures across families of data-generating processes.

Every dataset (``signature_reversal.validation.families``: effect-size distributions through the
selection threshold, dispersion–mean relations, low counts, composition shift, unmodelled
batch, an outlier sample, a more variable disease group, correlated modules, unequal reversal
across genes, and plasmode data from real counts) goes through the pipeline's DE step and
reversal statistics (``signature_reversal.validation.robustness``). Prints one row per family ×
treatment × replicates: verdict rates, mean truth, mean estimate and bias, CI coverage, the
interval's width relative to the estimates' spread, and how often a figure was flagged. Rows are
written as they finish (``--out``), so a long run can be read while it goes.

    python benchmarks/robustness_study.py --seeds 50 --workers 2 --out benchmarks/runs/robust
"""

from __future__ import annotations

import argparse
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import pandas as pd

from signature_reversal.reversal.verdicts import VERDICTS
from signature_reversal.settings import VerdictRule
from signature_reversal.validation import families, robustness

SHOWN = {
    "datasets": "n",
    "reverses": "rev %",
    "partially reverses": "part %",
    "no meaningful reversal": "negl %",
    "no evidence": "none %",
    "aggravates": "aggr %",
    "slope truth": "slope truth",
    "slope estimate": "slope est",
    "slope coverage": "slope cov %",
    "slope width ratio": "slope w",
    "percent_improvement_up truth": "up truth",
    "percent_improvement_up estimate": "up est",
    "percent_improvement_up coverage": "up cov %",
    "percent_improvement_down truth": "down truth",
    "percent_improvement_down estimate": "down est",
    "percent_improvement_down coverage": "down cov %",
    "slope flagged": "flag %",
}


def run(job: tuple, rule: VerdictRule, n_genes: int) -> dict:
    warnings.filterwarnings("ignore")
    return robustness.run_job(job, rule, n_genes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="+", default=list(families.FAMILIES))
    parser.add_argument("--treatments", nargs="+", default=list(families.TREATMENTS))
    parser.add_argument("--replicates", type=int, nargs="+", default=[3, 4, 6])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--reference", action="store_true", help="add the reference rows")
    parser.add_argument("--reference-only", action="store_true", help="only the reference rows")
    parser.add_argument("--genes", type=int, default=8000)
    parser.add_argument("--permutations", type=int, default=200, help="null draws per dataset")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, help="prefix for <out>.datasets.tsv and <out>.tsv")
    parser.add_argument(
        "--from-datasets",
        nargs="+",
        type=Path,
        help="summarise earlier runs' <out>.datasets.tsv files together instead of running",
    )
    args = parser.parse_args()
    if args.from_datasets:
        results = pd.concat([pd.read_csv(p, sep="\t") for p in args.from_datasets])
        report(results, args.out)
        return
    rule = VerdictRule.from_config(permutations=args.permutations)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    jobs = robustness.grid(
        args.families,
        args.treatments,
        args.replicates,
        seeds,
        reference=args.reference or args.reference_only,
        own=not args.reference_only,
    )
    started = time.perf_counter()
    rows: list[dict] = []
    with ProcessPoolExecutor(args.workers) as pool:
        for row in pool.map(partial(run, rule=rule, n_genes=args.genes), jobs, chunksize=2):
            rows.append(row)
            if args.out and (len(rows) % 20 == 0 or len(rows) == len(jobs)):
                pd.DataFrame(rows).to_csv(f"{args.out}.datasets.tsv", sep="\t", index=False)
            if len(rows) % 20 == 0 or len(rows) == len(jobs):
                elapsed = time.perf_counter() - started
                print(
                    f"  {len(rows)}/{len(jobs)} datasets, {elapsed:.0f} s "
                    f"(about {elapsed / len(rows) * (len(jobs) - len(rows)):.0f} s to go)",
                    flush=True,
                )
    print(
        f"{len(jobs)} datasets in {time.perf_counter() - started:.0f} s "
        f"({args.genes} genes each, {args.permutations} null draws)"
    )
    report(pd.DataFrame(rows), args.out)


def report(results: pd.DataFrame, out: Path | None) -> None:
    """Print the rows and the targets; with ``out``, write them as TSV and markdown."""
    table = robustness.summarise(results)
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 40)
    pd.set_option("display.max_colwidth", 400)
    shown = table.set_index(["family", "treatment", "n_per_group"])
    shown = shown[[c for c in SHOWN if c in shown]].rename(columns=SHOWN).round(3)
    print(shown.to_string())
    targets = robustness.check_targets(results)
    print(targets.to_string(index=False))
    if out:
        results.to_csv(f"{out}.datasets.tsv", sep="\t", index=False)
        table.to_csv(f"{out}.tsv", sep="\t", index=False)
        Path(f"{out}.md").write_text(markdown(table) + "\n" + targets_markdown(targets))


def markdown(table: pd.DataFrame) -> str:
    """The summary as README's table: verdict rates, then per figure the mean estimate (mean
    truth), its bias and the CI coverage, and how often the figures were marked."""
    head = (
        "| family | treatment | n | datasets | reverses / partially / negligible / no evidence / "
        "aggravates % "
        "| slope: estimate (truth), bias, CI covers % | % impr. up: estimate (truth), bias, "
        "covers % | % impr. down: estimate (truth), bias, covers % | marked % |"
    )
    lines = [head, "|" + "---|" * 9]
    for _, row in table.iterrows():
        verdicts = " / ".join(f"{row[v]:.0f}" for v in VERDICTS)
        cells = []
        for name, digits in (
            ("slope", 2),
            ("percent_improvement_up", 1),
            ("percent_improvement_down", 1),
        ):
            if f"{name} estimate" not in row or pd.isna(row[f"{name} estimate"]):
                cells.append("–")
                continue
            cells.append(
                f"{row[f'{name} estimate']:.{digits}f} ({row[f'{name} truth']:.{digits}f}), "
                f"{row[f'{name} bias']:+.{digits + 1}f}, {row[f'{name} coverage']:.0f}"
            )
        lines.append(
            f"| {row['family']} | {row['treatment']} | {row['n_per_group']} | "
            f"{row['datasets']} | {verdicts} | {' | '.join(cells)} | "
            f"{row['slope flagged']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def targets_markdown(targets: pd.DataFrame) -> str:
    lines = ["| target | result | met |", "|---|---|---|"]
    for _, row in targets.iterrows():
        lines.append(
            f"| {row['target']} | {row['result']} | {'met' if row['met'] else '**not met**'} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
