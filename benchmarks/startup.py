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
WILDCARDS = re.compile(r"^\s+wildcards: (.*)")
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


def parse(stderr: str) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Per job (rule and wildcards): seconds spent importing (top-level imports' cumulative
    times), and per imported top-level package its seconds."""
    totals: dict[str, float] = defaultdict(float)
    packages: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    job = None
    for line in stderr.splitlines():
        if header := HEADER.match(line):
            job = header.group(1)
        elif (wildcards := WILDCARDS.match(line)) and job and "[" not in job:
            job = f"{job}[{wildcards.group(1)}]"
        elif (imported := IMPORT.match(line)) and job and len(imported.group(3)) == 1:
            seconds = int(imported.group(2)) / 1e6
            totals[job] += seconds
            packages[job][imported.group(4).split(".")[0]] += seconds
    return dict(totals), {k: dict(v) for k, v in packages.items()}


def wall_times(workdir: Path) -> dict[str, float]:
    """Per job: its wall time from the benchmark files (rule name → seconds, summed)."""
    times: dict[str, float] = defaultdict(float)
    for table in workdir.glob("logs/**/benchmarks/*.tsv"):
        rule = table.stem.split(".")[0]
        times[rule] += float(pd.read_csv(table, sep="\t").iloc[0]["s"])
    return dict(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=3, help="costliest imports shown per job")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="startup-"))
    try:
        totals, packages = parse(run_example(workdir))
        walls = wall_times(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    by_rule: dict[str, list[float]] = defaultdict(list)
    for job, seconds in totals.items():
        by_rule[job.split("[")[0]].append(seconds)
    print(f"{'rule':<28}{'jobs':>5}{'imports s':>11}{'wall s':>9}  costliest imports (one job)")
    for rule, seconds in sorted(by_rule.items(), key=lambda item: -sum(item[1])):
        job = next(j for j in totals if j.split("[")[0] == rule)
        top = sorted(packages[job].items(), key=lambda item: -item[1])[: args.top]
        shown = ", ".join(f"{name} {s:.2f}" for name, s in top)
        wall = walls.get(rule, 0.0)
        print(f"{rule:<28}{len(seconds):>5}{sum(seconds):>11.1f}{wall:>9.1f}  {shown}")
    print(f"\nall jobs: {sum(totals.values()):.1f} s importing; machine: {machine()}")


if __name__ == "__main__":
    main()
