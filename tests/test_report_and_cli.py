"""The stages through the CLI: report escaping and offline-ness, determinism, clean errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import CONDITIONS, MOUSE_CURATED, simulate_skin, write_dataset

from signature_reversal import cli

CONTRASTS = ("disease_vs_control", "treatment_vs_disease", "treatment_vs_control")
EVIL_SAMPLE = "nmn<script>alert(1)</script>"


def run_stages(dataset: dict, out: Path, config: dict) -> None:
    """load → genesets → qc → de → enrich → reversal → report, as the rules call them."""
    adata, sets = out / "data" / "dataset.h5ad", out / "gene_sets"
    load_settings = {"dataset": dataset, "conditions": CONDITIONS}
    steps = [
        ["load", "--settings", json.dumps(load_settings), "--out", adata],
        [
            "genesets",
            "--adata",
            adata,
            "--settings",
            json.dumps(config["gene_sets"]),
            "--out-dir",
            sets,
        ],
        ["qc", "--adata", adata, "--out-dir", out / "qc"],
        ["de", "--adata", adata, "--settings", json.dumps(config["de"]), "--out-dir", out / "de"],
    ]
    for contrast in CONTRASTS:
        steps.append(
            [
                "enrich",
                "--de",
                out / "de" / f"{contrast}.tsv",
                "--settings",
                json.dumps(config["enrichment"]),
                "--gene-sets",
                f"curated={sets}/curated.gmt",
                "--out",
                out / "enrichment" / f"{contrast}.tsv",
                "--ora-out",
                out / "enrichment" / f"{contrast}.ora.tsv",
            ]
        )
    steps += [
        [
            "reversal",
            "--adata",
            adata,
            "--de-dir",
            out / "de",
            "--enrichment-dir",
            out / "enrichment",
            "--curated",
            sets / "curated.gmt",
            "--settings",
            json.dumps(config["reversal"]),
            "--out-dir",
            out / "reversal",
            "--genes-of-interest",
            json.dumps(["Jak2", "Flg", "<i>Nope</i>"]),
        ],
        [
            "dotplot",
            "--gsea",
            *(out / "enrichment" / f"{contrast}.tsv" for contrast in CONTRASTS),
            "--out",
            out / "enrichment" / "gsea_dotplot.png",
        ],
        [
            "report",
            "--config-json",
            json.dumps(config),
            "--analysis",
            f"evil<b>={out}",
            "--out",
            out / "report.html",
        ],  # an analysis name with HTML in it
    ]
    for step in steps:
        assert cli.main([str(a) for a in step]) == 0, step[0]


CONFIG = {
    "conditions": CONDITIONS,
    "de": {"design": "~condition", "alpha": 0.05, "min_count": 1, "min_samples": None},
    "gene_sets": {"curated": {"path": str(MOUSE_CURATED), "species": "mouse"}},
    "enrichment": {"permutations": 50, "min_size": 10, "max_size": 500, "seed": 1},
    "reversal": {"permutations": 100, "bootstrap": 50},
    "report": {"title": "Title <i>x</i>", "simulated_note": ""},
}


@pytest.fixture(scope="module")
def evil_results(tmp_path_factory, curated_sets):
    """A full CLI run where a sample name and a gene name contain HTML."""
    root = tmp_path_factory.mktemp("evil")
    data = simulate_skin(curated_sets, n_genes=500, n_per_group=3, seed=3)
    data.counts = data.counts.rename(
        columns={"nmn_1": EVIL_SAMPLE}, index={"Gene00001": "<b>bold</b>"}
    )
    data.samples.loc[data.samples["sample"] == "nmn_1", "sample"] = EVIL_SAMPLE
    counts, samples = write_dataset(data, root / "input")
    out = root / "results"
    run_stages({"path": str(counts), "samples": str(samples)}, out, CONFIG)
    return out


def test_user_text_is_escaped(evil_results):
    html = (evil_results / "report.html").read_text()
    assert "alert(1)</script>" not in html and "<b>bold</b>" not in html  # never raw
    assert "nmn&lt;script&gt;alert(1)&lt;/script&gt;" in html  # escaped in HTML tables
    assert "Title &lt;i&gt;x&lt;/i&gt;" in html
    assert "evil&lt;b&gt;" in html
    assert "&lt;i&gt;Nope&lt;/i&gt;" in html and "<i>Nope" not in html


def test_report_is_self_contained(evil_results):
    html = (evil_results / "report.html").read_text()
    assert re.search(r"<script[^>]+src=", html) is None  # plotly.js is inlined
    assert "<link" not in html and "@import" not in html
    images = re.findall(r'<img src="([^"]{0,30})', html)
    assert len(images) >= 11 and all(src.startswith("data:image/png;base64,") for src in images)
    assert html.count("plotly.js v") == 1  # inlined once


def test_outputs_are_deterministic(evil_results, tmp_path):
    """A second reversal run on the same inputs gives identical tables."""
    out = evil_results
    again = tmp_path / "again"
    assert (
        cli.main(
            [
                "reversal",
                "--adata",
                str(out / "data" / "dataset.h5ad"),
                "--de-dir",
                str(out / "de"),
                "--enrichment-dir",
                str(out / "enrichment"),
                "--curated",
                str(out / "gene_sets" / "curated.gmt"),
                "--settings",
                json.dumps(CONFIG["reversal"]),
                "--out-dir",
                str(again),
            ]
        )
        == 0
    )
    for name in ("gene_reversal.tsv", "gene_set_reversal.tsv", "reversal_summary.json"):
        assert (again / name).read_bytes() == (out / "reversal" / name).read_bytes(), name


def test_cli_input_error_exits_2_with_message(tmp_path):
    settings = {
        "dataset": {"path": str(tmp_path / "x.tsv"), "samples": str(tmp_path / "s.tsv")},
        "conditions": CONDITIONS,
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "signature_reversal",
            "load",
            "--settings",
            json.dumps(settings),
            "--out",
            str(tmp_path / "o.h5ad"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "ERROR:" in result.stderr and "Traceback" not in result.stderr
    assert "sample sheet not found" in result.stderr
    assert not (tmp_path / "o.h5ad").exists()


def run_genesets(results: Path, settings: dict, out: Path) -> int:
    return cli.main(
        [
            "genesets",
            "--adata",
            str(results / "data" / "dataset.h5ad"),
            "--settings",
            json.dumps(settings),
            "--out-dir",
            str(out),
        ]
    )


def test_zero_overlap_message(evil_results, tmp_path, capsys):
    human = tmp_path / "human_style.gmt"
    human.write_text("SET_A\tdesc\tSTAT3\tJAK2\tSOCS3\n")
    settings = {"curated": {"path": str(human), "species": "mouse"}}
    assert run_genesets(evil_results, settings, tmp_path / "o") == 2
    message = capsys.readouterr().err
    assert "none of the 1 gene sets shares a gene with the data" in message
    assert "mouse-style symbols" in message and "human-style symbols" in message
    assert str(human) in message and "Fix:" in message


def test_coverage_reports_ortholog_matching(evil_results, tmp_path):
    human = tmp_path / "human.gmt"
    human.write_text("SET_A\tdesc\tSTAT3\tJAK2\tSOCS3\tNOT_A_GENE\n")
    settings = {
        "curated": {"path": str(human), "species": "human"},
        "orthologs": str(
            Path(MOUSE_CURATED).parents[2] / "orthologs" / "human_mouse_orthologs.tsv.gz"
        ),
    }
    assert run_genesets(evil_results, settings, tmp_path / "o") == 0
    coverage = pd.read_csv(tmp_path / "o" / "coverage.tsv", sep="\t").iloc[0]
    assert coverage["genes_in_file"] == 4 and coverage["genes_after_orthologs"] == 3
    gmt = (tmp_path / "o" / "curated.gmt").read_text().split("\t")
    assert {g.strip() for g in gmt[2:]} == {"Stat3", "Jak2", "Socs3"}


CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def test_report_in_headless_chromium(evil_results):
    """The report loads in a real browser with no JS errors, draws its plotly figures, shows the
    verdict, and its table widget searches; a screenshot is kept under test-artifacts/."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: errors.append(f"dialog opened: {d.message}"))
        page.goto((evil_results / "report.html").as_uri())
        page.wait_for_selector("div.plotly-figure .main-svg", timeout=60_000)
        verdict = page.locator("[id$='-overall-verdict']").first.inner_text()
        figures = page.locator("div.plotly-figure .main-svg").count()
        page.screenshot(path=str(ARTIFACTS / "report.png"))  # the top: verdicts
        search = page.locator("input.table-search").first
        search.fill("Jak2")
        rows = page.locator("div.data-table").first.locator("tr").count()
        page.screenshot(path=str(ARTIFACTS / "report_table_search.png"))
        browser.close()
    assert errors == []  # includes the HTML-laden sample name never running as script
    assert "Overall:" in verdict and "nmn" in verdict
    assert figures >= 6  # volcano + MA for three contrasts
    assert rows == 2  # header + the one matching gene


def test_every_figure_has_labelled_axes_and_a_caption(tmp_path, curated_sets, monkeypatch):
    """Each static figure the stages draw labels both axes of every data panel; each report
    figure carries a caption and each interactive plot titles its axes."""
    from signature_reversal import plots

    drawn: list = []
    save = plots._save

    def record(fig, path, crop=False):
        drawn.append((Path(path).name, [ax for ax in fig.axes if ax.axison]))
        unlabelled = [
            (Path(path).name, ax.get_title())
            for ax in fig.axes
            if ax.axison
            and ax.get_label() != "<colorbar>"
            and (not ax.get_xlabel().strip() or not ax.get_ylabel().strip())
        ]
        assert unlabelled == [], f"axes without x or y label: {unlabelled}"
        save(fig, path, crop)

    monkeypatch.setattr(plots, "_save", record)
    data = simulate_skin(curated_sets, n_genes=400, n_per_group=3, seed=5)
    counts, samples = write_dataset(data, tmp_path / "input")
    run_stages({"path": str(counts), "samples": str(samples)}, tmp_path / "out", CONFIG)
    assert len(drawn) >= 14  # QC 3, volcanoes 3, reversal 8
    html = (tmp_path / "out" / "report.html").read_text()
    figures = re.findall(r"<figure>(.*?)</figure>", html, flags=re.S)
    assert len(figures) >= 15
    captions = [re.search(r"<figcaption>(.+?)</figcaption>", f, flags=re.S) for f in figures]
    assert all(c and len(c.group(1).strip()) > 20 for c in captions)
    plotly_payloads = re.findall(
        r'<script type="application/json" id="[^"]+-(?:volcano|ma)">(.*?)</script>', html, re.S
    )
    assert len(plotly_payloads) == 6
    for payload in plotly_payloads:
        layout = json.loads(payload)["layout"]
        assert layout["xaxis"]["title"]["text"] and layout["yaxis"]["title"]["text"]
