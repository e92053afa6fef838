"""Multi-arm validation: head-to-head differences across the robustness families.

Studies with control, disease and two treated arms (the first reverses 70% of the signature,
the second 70%, 30% or nothing; ``signature_reversal.validation.multi_arm``), at 3 and 4
replicates, unpaired and paired (a strong patient effect, ``~patient + condition``). Prints,
per family × scenario × replicates × pairing: how often a difference was called (p < 0.05;
false when the arms are equal, power otherwise), the difference intervals' coverage per
figure, and each arm's own verdicts and slope coverage. Rows are written as they finish.

    python benchmarks/multi_arm_study.py --seeds 40 --workers 2 --out benchmarks/runs/multi
"""

from __future__ import annotations

import argparse
import itertools
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import pandas as pd

from signature_reversal.settings import VerdictRule
from signature_reversal.validation import families, multi_arm

FAMILIES = [
    "gamma effects",
    "strongly overdispersed",
    "variable disease group",
    "correlated modules",
    "unequal reversal across genes",
    "plasmode GSE248978",
]


def run(job: tuple, rule: VerdictRule, n_genes: int) -> list[dict]:
    warnings.filterwarnings("ignore")
    family, scenario, n, paired, seed = job
    return multi_arm.evaluate_study(family, scenario, n, seed, rule, n_genes, paired)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="+", default=FAMILIES)
    parser.add_argument("--scenarios", nargs="+", default=list(multi_arm.SCENARIOS))
    parser.add_argument("--replicates", type=int, nargs="+", default=[3, 4])
    parser.add_argument("--paired", choices=["no", "yes", "both"], default="both")
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--first-seed", type=int, default=2000)
    parser.add_argument("--genes", type=int, default=4000)
    parser.add_argument("--permutations", type=int, default=200, help="null draws per arm")
    parser.add_argument("--worlds", type=int, default=20, help="calibration worlds per β")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, help="prefix for <out>.datasets.tsv and <out>.tsv")
    parser.add_argument("--from-datasets", nargs="+", type=Path, help="summarise earlier runs")
    args = parser.parse_args()
    if args.from_datasets:
        report(pd.concat([pd.read_csv(p, sep="\t") for p in args.from_datasets]), args.out)
        return
    rule = VerdictRule.from_config(
        {"permutations": args.permutations, "calibration_worlds": args.worlds}
    )
    pairing = {"no": [False], "yes": [True], "both": [False, True]}[args.paired]
    families_run = [f for f in args.families if f in families.FAMILIES]
    jobs = [
        (family, scenario, n, paired, seed)
        for family, scenario, n, paired in itertools.product(
            families_run, args.scenarios, args.replicates, pairing
        )
        for seed in range(args.first_seed, args.first_seed + args.seeds)
        if not (paired and families.FAMILIES[family].plasmode)  # real samples have no patients
    ]
    print(f"{len(jobs)} studies on {args.workers} workers", flush=True)
    start, rows = time.perf_counter(), []
    with ProcessPoolExecutor(args.workers) as pool:
        for done, result in enumerate(
            pool.map(partial(run, rule=rule, n_genes=args.genes), jobs, chunksize=1), 1
        ):
            rows += result
            if args.out and (done % 20 == 0 or done == len(jobs)):
                args.out.parent.mkdir(parents=True, exist_ok=True)
                pd.DataFrame(rows).to_csv(f"{args.out}.datasets.tsv", sep="\t", index=False)
    print(f"{len(jobs)} studies in {time.perf_counter() - start:.0f} s", flush=True)
    report(pd.DataFrame(rows), args.out)


def report(rows: pd.DataFrame, out: Path | None) -> None:
    table = pd.concat(
        [
            multi_arm.summarise(group).assign(family=family)
            for family, group in rows.groupby("family")
        ]
    )
    if out:
        table.to_csv(f"{out}.tsv", sep="\t", index=False)
    shown = table.rename(
        columns={
            "slope_called": "slope diff called",
            "slope_coverage": "slope cov",
            "percent_improvement_up_coverage": "up cov",
            "percent_improvement_down_coverage": "down cov",
        }
    )
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.max_colwidth", 40)
    print(shown.round(3).to_string(index=False))
    differences = rows[rows["kind"] == "difference"]
    equal = differences[differences["scenario"] == "0.7/0.7"]
    print(
        f"\nfalse 'A differs from B' (0.7/0.7, slope p < 0.05): "
        f"{(equal['slope_p'] < 0.05).sum()} / {len(equal)}"
    )
    for name in ("slope", "percent_improvement_up", "percent_improvement_down"):
        covered = differences[f"{name}_covered"].dropna().astype(bool)
        print(f"difference CI coverage, {name}: {covered.sum()} / {len(covered)}")


if __name__ == "__main__":
    main()
