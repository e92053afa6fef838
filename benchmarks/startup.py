"""Start-up cost of every rule of the example run: each job's Python imports (``python -X
importtime``, through PYTHONPROFILEIMPORTTIME) beside the job's wall time.

    python benchmarks/startup.py               # the example, one job at a time
    python benchmarks/startup.py --top 5       # and each rule's five costliest imports

Jobs run one at a time (``--cores 1``) so each job's import lines follow its rule header.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import REPO, absolute_config, machine  # noqa: E402

HEADER = re.compile(r"^(?:local)?rule (\w+):")
BENCHMARK = re.compile(r"^\s+benchmark: (\S+)")
IMPORT = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)")


def run_example(workdir: Path) -> str:
    """One forced example run with import timing on; snakemake's and the jobs' stderr."""
    config = workdir / "config.yaml"
    config.write_text(yaml.safe_dump(absolute_config(), sort_keys=False))
    done = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
         "--directory", str(workdir), "--configfile", str(config), "--cores", "1",
         "--forceall", "all"],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"},
    )  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"snakemake failed:\n{done.stderr[-3000:]}")
    return done.stderr


def parse(stderr: str) -> tuple[dict[str, float], dict[str, dict[str, float]], dict[str, str]]:
    """Per job (rule and benchmark file): seconds spent importing (the sum of every imported
    module's own time), per top-level package its seconds, and the job's benchmark file."""
    totals: dict[str, float] = defaultdict(float)
    packages: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    benchmarks: dict[str, str] = {}
    job, rule = None, None
    for line in stderr.splitlines():
        if header := HEADER.match(line):
            rule = header.group(1)
        elif (benchmark := BENCHMARK.match(line)) and rule:
            job = f"{rule}[{benchmark.group(1)}]"
            benchmarks[job] = benchmark.group(1)
        elif (imported := IMPORT.match(line)) and job:
            seconds = int(imported.group(1)) / 1e6
            totals[job] += seconds
            packages[job][imported.group(4).split(".")[0]] += seconds
    return dict(totals), {k: dict(v) for k, v in packages.items()}, benchmarks


def wall_time(workdir: Path, benchmark: str) -> float:
    """A job's wall time from its benchmark file."""
    return float(pd.read_csv(workdir / benchmark, sep="\t").iloc[0]["s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=3, help="costliest imports shown per job")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="startup-"))
    try:
        totals, packages, benchmarks = parse(run_example(workdir))
        walls = {job: wall_time(workdir, path) for job, path in benchmarks.items()}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    by_rule: dict[str, list[str]] = defaultdict(list)
    for job in totals:
        by_rule[job.split("[")[0]].append(job)
    print(f"{'rule':<26}{'jobs':>5}{'imports s':>11}{'wall s':>9}  costliest packages (all jobs)")
    for rule, jobs in sorted(by_rule.items(), key=lambda item: -sum(totals[j] for j in item[1])):
        summed: dict[str, float] = defaultdict(float)
        for job in jobs:
            for name, seconds in packages[job].items():
                summed[name] += seconds
        top = sorted(summed.items(), key=lambda item: -item[1])[: args.top]
        shown = ", ".join(f"{name} {s:.2f}" for name, s in top)
        imports, wall = sum(totals[j] for j in jobs), sum(walls[j] for j in jobs)
        print(f"{rule:<26}{len(jobs):>5}{imports:>11.1f}{wall:>9.1f}  {shown}")
    print(
        f"\nall jobs: {sum(totals.values()):.1f} s importing of {sum(walls.values()):.1f} s "
        f"job wall time; machine: {machine()}"
    )


if __name__ == "__main__":
    main()
