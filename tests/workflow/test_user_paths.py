"""What a new user does, done as they do it: the README's snippets run as written, a config of
two sections runs, `signature-reversal init` writes a config that runs, a config mistake is one
short message, and a failed rerun cannot leave an old report looking current."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    CI_SIZES,
    REPO,
    chromium_driver,
    run_snakemake,
)

pytestmark = pytest.mark.workflow

README = (REPO / "README.md").read_text()
SNIPPETS = re.findall(r"```yaml\n(.+?)```", README, flags=re.DOTALL)
FULL = [yaml.safe_load(s) for s in SNIPPETS if "datasets" in yaml.safe_load(s)]
FRAGMENTS = [yaml.safe_load(s) for s in SNIPPETS if "datasets" not in yaml.safe_load(s)]


def write_config(workdir: Path, config: dict) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return workdir


@pytest.fixture(scope="module")
def minimal_run(tmp_path_factory):
    """README's 'Your own data' snippet, as written (with the CI's Monte Carlo sizes), run to
    its report."""
    workdir = write_config(tmp_path_factory.mktemp("minimal"), {**FULL[0], **CI_SIZES})
    result = run_snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir


def test_readme_has_the_snippets_this_file_runs():
    assert len(SNIPPETS) >= 4 and FULL and FRAGMENTS
    assert set(FULL[0]) == {"datasets", "conditions"}  # a minimal config: two sections


def test_readme_minimal_config_runs_with_neutral_defaults(minimal_run):
    results = minimal_run / "results"
    (analysis,) = FULL[0]["datasets"]
    summary = json.loads((results / analysis / "reversal" / "reversal_summary.json").read_text())
    assert summary["signature"]["verdict"] == "reverses"  # the example's planted reversal
    # the default curated collection is MSigDB Hallmark: no skin sets, no AD questions
    sets = pd.read_csv(results / analysis / "reversal" / "gene_set_reversal.tsv", sep="\t")
    assert sets["gene_set"].str.startswith("HALLMARK_").all() and len(sets) >= 40
    page = (results / "report.html").read_text()
    assert "By question" not in page and "oxidative stress" not in page
    assert not (results / analysis / "reference").exists()  # no references by default
    assert "SHA-256" in page and "counts.tsv.gz" in page
    assert page == (results / analysis / "report.html").read_text()  # one analysis: one page


@pytest.mark.parametrize("index", range(1, len(FULL)))
def test_readme_full_configs_build(index, tmp_path):
    """Every other complete config in the README: checked and planned (-n) as written."""
    workdir = write_config(tmp_path, FULL[index])
    result = run_snakemake(workdir, "-n", "--cores", "1")
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("index", range(len(FRAGMENTS)))
def test_readme_fragments_build_on_the_minimal_config(index, tmp_path):
    """Every fragment (questions, references, …) added to the minimal config as written."""
    config = {**FULL[0], **FRAGMENTS[index]}
    workdir = write_config(tmp_path, config)
    result = run_snakemake(workdir, "-n", "--cores", "1")
    assert result.returncode == 0, result.stderr[-3000:]


def test_the_hallmark_collection_reads_as_a_table_most_significant_first(minimal_run):
    """The default curated collection is all 50 Hallmark sets: the pathway verdicts are a
    table sorted by FDR in the browser, and no interval is printed as a number when it is too
    wide to read."""
    (analysis,) = FULL[0]["datasets"]
    sets = pd.read_csv(
        minimal_run / "results" / analysis / "reversal" / "gene_set_reversal.tsv", sep="\t"
    )
    judged = sets[sets["verdict"] != "not changed by disease"]
    assert len(sets) >= 40 and len(judged) >= 3
    playwright = chromium_driver()
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto((minimal_run / "results" / "report.html").as_uri())
        holder = page.locator("div.data-table[data-source$='-pathways']").first
        holder.scroll_into_view_if_needed()
        page.wait_for_function(
            "document.querySelector(\"div.data-table[data-source$='-pathways'] table tr td\")",
            timeout=30_000,
        )
        header = [th.inner_text() for th in holder.locator("th").all()]
        column = header.index("FDR ▲")
        fdrs = [
            float(row.locator("td").nth(column).inner_text())
            for row in holder.locator("tr").all()[1:]
        ]
        page.screenshot(path=str(ARTIFACTS / "hallmark_pathways.png"))
        browser.close()
    assert fdrs == sorted(fdrs) and len(fdrs) == min(25, len(judged))


def test_readme_questions_snippet_reaches_the_report(minimal_run, tmp_path):
    """The 'Your questions' snippet: its questions head the pathway verdicts (report only)."""
    (fragment,) = [f for f in FRAGMENTS if "report" in f]
    config = {**FULL[0], **CI_SIZES, **fragment}
    config["report"] = {**CI_SIZES["report"], **fragment["report"]}
    write_config(minimal_run, config)
    result = run_snakemake(minimal_run, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    page = (minimal_run / "results" / "report.html").read_text()
    assert "By question" in page
    for question in fragment["report"]["questions"]:
        assert f"<b>{question}</b>" in page
    assert fragment["report"]["title"] in page


def test_a_config_mistake_is_one_short_message(tmp_path):
    config = {**FULL[0], "de": {"fitt": "joint"}}
    config["datasets"] = {"x": {**next(iter(FULL[0]["datasets"].values())), "specie": "mouse"}}
    write_config(tmp_path, config)
    result = run_snakemake(tmp_path, "-n", "--cores", "1")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "unknown key 'fitt' under 'de'" in output and "'fit'?" in output
    assert "unknown key 'specie'" in output and "'species'?" in output
    assert len(output.splitlines()) < 30  # not a schema dump
    del config["de"], config["datasets"]
    write_config(tmp_path, config)
    result = run_snakemake(tmp_path, "-n", "--cores", "1")
    output = result.stdout + result.stderr
    assert "'datasets' missing at the top level" in output
    assert len(output.splitlines()) < 30


def test_a_failed_rerun_marks_the_old_report_outdated(minimal_run, tmp_path):
    """A sheet typo after a good run: stopped before any job with the closest column named,
    and the earlier report bannered, because its sheet changed since it was written."""
    workdir = tmp_path / "rerun"
    subprocess.run(["cp", "-a", str(minimal_run), str(workdir)], check=True)
    dataset = next(iter(FULL[0]["datasets"].values()))
    sheet = pd.read_csv(REPO / dataset["samples"], sep="\t")
    sheet.loc[sheet["sample"] == "nmn_1", "sample"] = "nmn1"
    sheet.to_csv(workdir / "sheet.tsv", sep="\t", index=False)
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    next(iter(config["datasets"].values()))["samples"] = "sheet.tsv"
    write_config(workdir, config)
    report = workdir / "results" / "report.html"
    assert "OUTDATED" not in report.read_text()
    result = run_snakemake(workdir, "--cores", "2")
    assert result.returncode != 0
    assert "'nmn1' (the table has 'nmn_1')" in result.stdout + result.stderr
    assert "OUTDATED" in report.read_text()
    assert (workdir / "results" / next(iter(FULL[0]["datasets"])) / "data").exists()


# --- init -----------------------------------------------------------------------------------


def geo_style_table(folder: Path) -> Path:
    """The example's counts as GEO ships RNA-seq tables: NCBI GeneIDs, no symbols, 3 of each
    group, and 2,500 genes (the planted ones among them)."""
    counts = pd.read_csv(REPO / "data" / "example" / "counts.tsv.gz", sep="\t", index_col=0)
    with gzip.open(REPO / "config" / "annotation" / "mouse_entrez_symbols.tsv.gz", "rt") as f:
        entrez = pd.read_csv(f, sep="\t", dtype=str).drop_duplicates("symbol")
    ids = entrez.set_index("symbol")["entrez"]
    counts = counts[counts.index.isin(ids.index)].head(2500)
    counts = counts[[c for c in counts.columns if int(c.rsplit("_", 1)[1]) <= 3]]
    counts.index = ids.loc[counts.index].to_numpy()
    counts.index.name = "GeneID"
    path = folder / "GSE000000_raw_counts_GRCm39.tsv.gz"
    counts.to_csv(path, sep="\t")
    return path


def init(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "signature_reversal", "init", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=120)


def test_init_on_a_geo_geneid_table_writes_a_config_that_runs(tmp_path):
    table = geo_style_table(tmp_path)
    asked = init(table.name, "--out", "my.yaml", cwd=tmp_path)
    assert asked.returncode == 2 and "control (3), eczema (3), nmn (3)" in asked.stderr
    wrote = init(
        table.name, "--control", "control", "--disease", "eczema", "--treatment", "nmn",
        "--out", "my.yaml", cwd=tmp_path,
    )  # fmt: skip
    assert wrote.returncode == 0, wrote.stderr
    config = yaml.safe_load((tmp_path / "my.yaml").read_text())
    dataset = config["datasets"]["GSE000000_raw_counts_GRCm39"]
    assert dataset["species"] == "mouse" and dataset["kind"] == "counts"
    assert "NCBI GeneIDs" in (tmp_path / "my.yaml").read_text()
    # as written, with the CI's smaller Monte Carlo size appended
    with (tmp_path / "my.yaml").open("a") as config_file:
        config_file.write("reversal: {calibration_worlds: 10, permutations: 200}\n")
        config_file.write("report: {figure_dpi: 100}\n")
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--cores", "2",
         "--configfile", "my.yaml"],
        capture_output=True, text=True, cwd=tmp_path, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(
        next((tmp_path / "results").glob("*/reversal/reversal_summary.json")).read_text()
    )
    assert summary["signature"]["verdict"] in ("reverses", "partially reverses")
    assert (tmp_path / "results" / "report.html").stat().st_size > 0


def test_init_reads_an_nf_core_salmon_table(tmp_path):
    """nf-core/rnaseq's salmon.merged.gene_counts.tsv: gene_id, gene_name, estimated counts."""
    counts = pd.read_csv(REPO / "data" / "gse248978" / "counts_both_days.tsv.gz", sep="\t")
    counts = counts.head(3000)
    samples = counts.columns[2:]
    counts[samples] = counts[samples] * 1.013  # salmon's estimated counts are fractional
    counts.to_csv(tmp_path / "salmon.merged.gene_counts.tsv", sep="\t", index=False)
    sheet = REPO / "data" / "gse248978" / "samples_both_days.tsv"
    wrote = init(
        "salmon.merged.gene_counts.tsv", "--samples", str(sheet), "--disease", "vehicle_d7",
        "--treatment", "anakinra_d7", "--out", "nf.yaml", cwd=tmp_path,
    )  # fmt: skip
    assert wrote.returncode == 0, wrote.stderr
    written = (tmp_path / "nf.yaml").read_text()
    dataset = yaml.safe_load(written)["datasets"]["salmon"]
    assert dataset["species"] == "mouse" and dataset["non_integer_counts"] == "round"
    assert dataset["symbol_column"] == "gene_name" and dataset["samples"] == str(sheet)
    assert "Ensembl gene IDs" in written and "no control: a two-arm study" in written
    assert not (tmp_path / "nf_samples.tsv").exists()  # the user's sheet is used as it is


# --- docs -------------------------------------------------------------------------------------


def test_readme_is_for_users_and_every_docs_link_resolves():
    assert len(README.splitlines()) <= 300
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)", page.read_text()):
            if target.startswith("http"):
                continue
            assert (page.parent / target).exists(), f"{page.name}: broken link {target}"
    index = (REPO / "docs" / "README.md").read_text()
    for doc in (REPO / "docs").glob("*.md"):
        assert doc.name == "README.md" or f"]({doc.name})" in index, f"{doc.name} not indexed"
