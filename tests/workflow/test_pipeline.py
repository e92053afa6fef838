"""Snakemake end to end on tiny simulated datasets, checking the answers, not just the files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import REPO, make_config, run_snakemake, simulate_skin, table_dataset, write_dataset

from signature_reversal.report.html import verdict_sentence

pytestmark = pytest.mark.workflow


# a planted reversal through Snakemake is the shipped example's and the README run's test
# (test_shipped_configs.py, test_user_paths.py); here the other two outcomes, as two datasets
# of one run (one Snakemake start, their jobs side by side)
SCENARIOS = ("none", "aggravate")


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory, curated_sets) -> Path:
    workdir = tmp_path_factory.mktemp("pipeline")
    datasets = {}
    for scenario in SCENARIOS:
        data = simulate_skin(curated_sets, treatment=scenario, n_genes=1500, n_per_group=4, seed=42)
        counts, samples = write_dataset(data, workdir / f"input_{scenario}")
        datasets[scenario] = table_dataset(counts, samples)
    library = write_matrix_library(workdir / "library.gctx", data.truth)
    make_config(
        workdir,
        datasets,
        drug_libraries={"lincs_like": {"matrix": library, "species": "mouse", "tags": 50}},
        drug_connectivity={"draws": 50},
    )
    result = run_snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def write_matrix_library(path: Path, truth: pd.DataFrame) -> str:
    """A GCTX (clue.io's layout) of 60 signatures over the data's genes: noise, and one
    planted reverser whose values are the disease's effects upside down."""
    rng = np.random.default_rng(0)
    values = rng.normal(size=(60, len(truth))).astype(np.float32)
    values[17] = -3 * truth["disease_lfc"].to_numpy() + rng.normal(0, 0.5, len(truth))
    names = [f"compound{i}" for i in range(60)]
    names[17] = "planted_reverser"
    with h5py.File(path, "w") as handle:
        handle["/0/DATA/0/matrix"] = values
        handle["/0/META/ROW/id"] = np.array(list(truth.index), dtype="S")
        handle["/0/META/COL/id"] = np.array([f"sig{i}" for i in range(60)], dtype="S")
        handle["/0/META/COL/pert_iname"] = np.array(names, dtype="S")
        handle["/0/META/COL/cell_id"] = np.array(["A", "B"] * 30, dtype="S")
    return path.name


def test_a_matrix_library_finds_the_planted_reverser(pipeline_run):
    """The drug job through Snakemake on a GCTX file: the signature planted as the disease's
    inverse is the disease query's strongest reverser, called at FDR 5%, in both analyses."""
    _, results = pipeline_run
    folder = results / "drugs" / "lincs_like"
    signatures = pd.read_csv(folder / "signatures.tsv", sep="\t")
    assert len(signatures) == 60 and signatures["disease_p"].notna().all()
    compounds = pd.read_csv(folder / "compounds.tsv", sep="\t").sort_values("disease_ncs")
    first = compounds.iloc[0]
    assert first["compound"] == "planted_reverser" and first["disease_fdr"] < 0.05, first
    assert (compounds.iloc[1:]["disease_fdr"] > 0.05).all()
    summary = json.loads((folder / "summary.json").read_text())
    assert "60 signatures" in summary["coverage"] and "queries of 50 + 50" in summary["coverage"]
    assert "planted_reverser" in (results / "report.html").read_text()


@pytest.fixture(params=SCENARIOS)
def pipeline_run(request, both_runs):
    return request.param, both_runs / "results" / request.param


def test_verdict_matches_the_planted_treatment(pipeline_run):
    scenario, results = pipeline_run
    summary = json.loads((results / "reversal" / "reversal_summary.json").read_text())
    verdict = summary["signature"]["verdict"]
    # a treatment that does nothing may be shown negligible or left open, never claimed
    expected = {
        "reverse": {"reverses"},
        "none": {"no meaningful reversal", "no evidence"},
        "aggravate": {"aggravates"},
    }
    assert verdict in expected[scenario], summary["signature"]
    jak = summary["gene_sets"]["SKIN_JAK_STAT_AD_SIGNALING"]
    assert jak in expected[scenario]


def test_disease_signature_is_found(pipeline_run):
    _, results = pipeline_run
    gsea = pd.read_csv(results / "enrichment" / "disease_vs_control.tsv", sep="\t")
    row = gsea.set_index("gene_set").loc["SKIN_JAK_STAT_AD_SIGNALING"]
    assert row["NES"] > 0 and row["fdr"] < 0.05
    barrier = gsea.set_index("gene_set").loc["SKIN_BARRIER_CORNIFIED_ENVELOPE"]
    assert barrier["NES"] < 0 and barrier["fdr"] < 0.05
    assert set(gsea["collection"]) == {"curated", "hallmark"}


def test_outputs_are_documented_and_complete(pipeline_run):
    scenario, results = pipeline_run
    for contrast in ("disease_vs_control", "treatment_vs_disease", "treatment_vs_control"):
        table = pd.read_csv(results / "de" / f"{contrast}.tsv", sep="\t")
        assert list(table.columns) == [
            "gene",
            "symbol",
            "baseMean",
            "log2FC",
            "lfcSE",
            "stat",
            "pvalue",
            "padj",
        ]
    filtered = pd.read_csv(results / "de" / "filtered_genes.tsv", sep="\t")
    tested = pd.read_csv(results / "de" / "disease_vs_control.tsv", sep="\t")
    assert len(filtered) + len(tested) == 1500  # every gene accounted for
    summary = json.loads((results / "reversal" / "reversal_summary.json").read_text())
    sentence = verdict_sentence("nmn", "eczema", summary["signature"])
    for html in (
        (results.parent / "report.html").read_text(),
        (results / "report.html").read_text(),
    ):
        assert "SIMULATED" in html
        assert f"<b>{sentence}</b>" in html  # the combined page and the analysis's own
        assert re.search(r"<script[^>]+src=", html) is None and "<link" not in html  # offline
    for stage in ("load_data", "differential_expression", "reversal", "report"):
        assert (results.parents[1] / "logs" / scenario / "benchmarks" / f"{stage}.tsv").is_file()


def test_bad_input_fails_cleanly_and_rerun_works(tmp_path, curated_sets):
    data = simulate_skin(curated_sets, n_genes=300, n_per_group=3)
    counts, samples = write_dataset(data, tmp_path / "input")
    good = counts.read_text()
    lines = good.splitlines()
    fields = lines[5].split("\t")
    fields[3] = "NA_oops"
    counts.write_text("\n".join([*lines[:5], "\t".join(fields), *lines[6:]]) + "\n")
    make_config(tmp_path, {"bad": table_dataset(counts, samples)})
    result = run_snakemake(tmp_path, "--cores", "1", "--until", "load_data")
    assert result.returncode != 0
    log = (tmp_path / "logs" / "bad" / "load_data.log").read_text()
    assert "not a number" in log and fields[0] in log and "Fix:" in log
    assert not (tmp_path / "results" / "bad" / "data" / "dataset.h5ad").exists()
    counts.write_text(good)
    result = run_snakemake(tmp_path, "--cores", "1", "--until", "load_data")
    assert result.returncode == 0, result.stderr[-2000:]


def test_lint_and_dry_run():
    lint = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint"], cwd=REPO, capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "Lints for" not in lint.stdout + lint.stderr
    dry = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert dry.returncode == 0, dry.stderr[-2000:]


def test_snakefmt_clean():
    files = [
        str(REPO / "Snakefile"),
        *map(str, sorted((REPO / "workflow" / "rules").glob("*.smk"))),
    ]
    result = subprocess.run(
        [sys.executable, "-m", "snakefmt", "--check", *files], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_bad_config_value_names_the_key_path(tmp_path):
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config["de"]["alpha"] = 2
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--configfile", str(tmp_path / "bad.yaml")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "de.alpha is 2, but must be below 1" in output  # the key path, in a user's words
    assert len(output.splitlines()) < 15  # not the schema


def test_configfile_replaces_the_shipped_config(tmp_path, curated_sets):
    data = simulate_skin(curated_sets, n_genes=200, n_per_group=3)
    counts, samples = write_dataset(data, tmp_path / "input")
    make_config(tmp_path, {"mine": table_dataset(counts, samples)})
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-n",
            "--forceall",  # list every job, even where results from other runs exist
            "--configfile",
            str(tmp_path / "config.yaml"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    planned = result.stdout + result.stderr
    assert "wildcards: analysis=mine" in planned
    assert "wildcards: analysis=example" not in planned


def test_snakemake_report_zip(both_runs):
    workdir = both_runs
    result = run_snakemake(workdir, "--report", "report.zip")
    assert result.returncode == 0, result.stderr[-2000:]
    with zipfile.ZipFile(workdir / "report.zip") as archive:
        names = "\n".join(archive.namelist())
    for expected in (
        "report.html",
        "reversal_scatter.png",
        "disease_vs_control.volcano.png",
        "pca.png",
        "reversal_summary.json",
    ):
        assert expected in names, expected


def test_two_runs_from_scratch_are_byte_identical(tmp_path, curated_sets):
    """Same inputs → identical outputs, every file under results/ (the report included)."""
    data = simulate_skin(curated_sets, "reverse", n_genes=400, n_per_group=3, seed=8)
    trees = []
    for run in ("first", "second"):
        workdir = tmp_path / run
        write_dataset(data, workdir / "input")
        dataset = table_dataset(Path("input/counts.tsv"), Path("input/samples.tsv"))
        config = make_config(workdir, {"sim": dataset})
        config["gene_sets"]["extra"] = []
        (workdir / "config.yaml").write_text(yaml.safe_dump(config))
        result = run_snakemake(workdir, "--cores", "2")
        assert result.returncode == 0, result.stderr[-3000:]
        root = workdir / "results"
        trees.append(
            {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
        )
    assert trees[0].keys() == trees[1].keys()
    different = [str(name) for name in trees[0] if trees[0][name] != trees[1][name]]
    assert different == []


def test_a_large_dataset_gives_de_and_reversal_several_threads(tmp_path, curated_sets):
    """Jobs are planned with one thread each; once an analysis's dataset file is 50 MB or more,
    its DE and reversal jobs ask for 4 threads, lowered to --cores."""
    data = simulate_skin(curated_sets, n_genes=200, n_per_group=3)
    counts, samples = write_dataset(data, tmp_path / "input")
    make_config(tmp_path, {"mine": table_dataset(counts, samples)})

    def planned_threads(cores: int) -> dict[str, int]:
        done = subprocess.run(
            [sys.executable, "-m", "snakemake", "-n", "--forceall", "--cores", str(cores),
             "--directory", str(tmp_path), "--snakefile", str(REPO / "Snakefile"),
             "--configfile", str(tmp_path / "config.yaml")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        threads = {}
        for block in re.split(r"\n(?=(?:local)?rule )", done.stdout + done.stderr):
            name = re.match(r"(?:local)?rule (\w+):", block)
            if name and name.group(1) in ("differential_expression", "reversal"):
                found = re.search(r"threads: (\d+)", block)
                threads[name.group(1)] = int(found.group(1)) if found else 1
        return threads

    assert planned_threads(8) == {"differential_expression": 1, "reversal": 1}
    dataset = tmp_path / "results" / "mine" / "data" / "dataset.h5ad"
    dataset.parent.mkdir(parents=True)
    with open(dataset, "wb") as handle:
        handle.truncate(60 * 2**20)  # its size is all the rule reads
    assert planned_threads(8) == {"differential_expression": 4, "reversal": 4}
    assert planned_threads(2) == {"differential_expression": 2, "reversal": 2}
