"""The HTML report: user text escaped, nothing fetched, every figure captioned and labelled,
and it works in a real browser."""

from __future__ import annotations

import json
import re
import shutil
from html import escape as html_escape
from pathlib import Path

import pandas as pd
import pytest
from helpers import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    HOSTILE_GENE,
    HOSTILE_SAMPLE,
    HOSTILE_SET,
    HOSTILE_TREATMENT,
    STAGE_CONFIG,
    chromium_driver,
    run_stages,
    simulate_skin,
    write_dataset,
)

from signature_reversal.layout import AnalysisLayout
from signature_reversal.report import html as report


def test_answer_questions_picks_the_judged_sets():
    sets = pd.DataFrame(
        {
            "gene_set": ["A", "B", "C"],
            "verdict": ["reverses", "not changed by disease", "aggravates"],
        }
    )
    answers = report.answer_questions(sets, {"q1": ["A", "B", "MISSING"], "q2": ["C"]})
    assert [s["gene_set"] for s in answers[0]["sets"]] == ["A"]
    assert answers[0]["unchanged"] == ["B"] and answers[0]["missing"] == ["MISSING"]
    assert answers[1]["sets"][0]["verdict"] == "aggravates"


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ({"verdict": "reverses"}, "nmn reverses the eczema signature."),
        ({"verdict": "partially reverses"}, "nmn partially reverses the eczema signature."),
        (
            {"verdict": "no evidence"},
            "No evidence either way: the 95% CI of the effect of nmn on the eczema signature "
            "reaches from a negligible effect to a meaningful one.",
        ),
        (
            {"verdict": "no meaningful reversal"},
            "No meaningful reversal: any effect of nmn on the eczema signature is too small to "
            "matter (its 95% CI lies within the negligible band).",
        ),
        (
            {"verdict": "aggravates"},
            "nmn aggravates the eczema signature: disease genes move further from control.",
        ),
        (
            {"verdict": "no evidence", "not_judged": "too few genes", "n_disease_genes": 4},
            "Not judged: the eczema signature has only 4 genes passing the thresholds, too few "
            "to tell whether nmn reverses it.",
        ),
        (
            {
                "verdict": "no evidence",
                "not_judged": "too few samples",
                "null": {"smallest_p": 0.05},
            },
            "Not judged: the smallest p-value these replicates allow (0.05) is too large for a "
            "call, so whether nmn reverses the eczema signature cannot be decided.",
        ),
    ],
)
def test_every_verdict_reads_as_a_sentence(summary, expected):
    assert report.verdict_sentence("nmn", "eczema", summary) == expected


def test_user_text_is_escaped(evil_results):
    html = Path(evil_results.report).read_text()
    assert "alert(1)</script>" not in html and "<b>bold</b>" not in html  # never raw
    assert "nmn&lt;script&gt;alert(1)&lt;/script&gt;" in html  # escaped in HTML tables
    assert "Title &lt;i&gt;x&lt;/i&gt;" in html
    assert "evil&lt;b&gt;" in html
    assert "&lt;i&gt;Nope&lt;/i&gt;" in html and "<i>Nope" not in html
    assert "<!--" not in html  # no user text can open a comment that swallows the page
    for hostile in (HOSTILE_SAMPLE, HOSTILE_TREATMENT, HOSTILE_SET):
        assert html_escape(hostile) in html  # shown as text wherever it appears as HTML


def test_report_is_self_contained(evil_results):
    html = Path(evil_results.report).read_text()
    assert re.search(r"<script[^>]+src=", html) is None  # plotly.js is inlined
    assert "<link" not in html and "@import" not in html
    images = re.findall(r'<img src="([^"]{0,30})', html)
    assert len(images) >= 11 and all(src.startswith("data:image/webp;base64,") for src in images)
    assert html.count('id="plotly-js"') == 1  # inlined once, packed


def test_report_in_headless_chromium(evil_results):
    """The report loads in a real browser with no JS errors, unpacks and draws every table and
    plot once its section is opened, draws each volcano from every tested gene, shows hostile
    names as text, and its table widget searches; screenshots go to test-artifacts/."""
    playwright = chromium_driver()
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: errors.append(f"dialog opened: {d.message}"))
        page.goto(Path(evil_results.report).as_uri())
        verdict = page.locator("[id$='-overall-verdict']").first.inner_text()
        collapsed = page.locator("div.plotly-figure:has(.main-svg)").count()
        page.screenshot(path=str(ARTIFACTS / "report.png"))  # the top: verdicts
        page.click("#expand-all")
        widgets = page.locator("div.data-table, div.plotly-figure").count()
        page.wait_for_function(
            f"document.querySelectorAll('[data-drawn=\"yes\"]').length === {widgets}",
            timeout=60_000,
        )
        figures = page.locator("div.plotly-figure:has(.main-svg)").count()
        points = page.evaluate(
            """() => [...document.querySelectorAll("div.plotly-figure[data-kind='volcano']")]
                .map((d) => d.data.reduce((n, trace) => n + trace.x.length, 0))"""
        )
        axis_titles = page.evaluate(
            """() => [...document.querySelectorAll("div.plotly-figure")]
                .map((d) => [d.layout.xaxis.title.text, d.layout.yaxis.title.text])"""
        )
        text = page.locator("body").inner_text()
        table = page.locator("div.data-table").first
        unfiltered = table.locator("tr").count()
        page.locator("input.table-search").first.fill("Jak2")
        shown = table.locator("tr").all_inner_texts()[1:]  # the header stays
        page.screenshot(path=str(ARTIFACTS / "report_table_search.png"))
        browser.close()
    assert errors == []  # includes the HTML-laden names never running as script
    assert "Overall:" in verdict and HOSTILE_TREATMENT in verdict
    assert collapsed == 0  # DE sections start collapsed; nothing drawn before it is shown
    assert figures == 6  # volcano + MA for three contrasts
    assert all(x and y for x, y in axis_titles)
    tested = pd.read_csv(Path(evil_results.de_table("disease_vs_control")), sep="\t")
    assert points[0] == int(tested[["log2FC", "pvalue"]].notna().all(axis=1).sum())
    for hostile in (HOSTILE_SAMPLE, HOSTILE_GENE, HOSTILE_SET, HOSTILE_TREATMENT):
        assert hostile in text  # drawn as text, the page after it intact
    assert "Methods, configuration and software" in text  # the last section rendered
    assert shown and all("jak2" in row.lower() for row in shown)  # only matching rows
    assert len(shown) < unfiltered - 1


def test_every_figure_has_labelled_axes_and_a_caption(tmp_path, curated_sets, monkeypatch):
    """Each static figure the stages draw labels both axes of every data panel; each report
    figure carries a caption and each interactive plot titles its axes."""
    from signature_reversal.report import plots

    drawn: list = []
    save = plots._save

    def record(fig, path, crop=False, **options):
        drawn.append((Path(path).name, [ax for ax in fig.axes if ax.axison]))
        unlabelled = [
            (Path(path).name, ax.get_title())
            for ax in fig.axes
            if ax.axison
            and ax.get_label() != "<colorbar>"
            and (not ax.get_xlabel().strip() or not ax.get_ylabel().strip())
        ]
        assert unlabelled == [], f"axes without x or y label: {unlabelled}"
        save(fig, path, crop, **options)

    monkeypatch.setattr(plots, "_save", record)
    data = simulate_skin(curated_sets, n_genes=400, n_per_group=3, seed=5)
    counts, samples = write_dataset(data, tmp_path / "input")
    files = run_stages(
        {"path": str(counts), "samples": str(samples)}, tmp_path / "out", STAGE_CONFIG
    )
    assert len(drawn) >= 14  # QC 3, volcanoes 3, reversal 8
    html = Path(files.report).read_text()
    figures = re.findall(r"<figure>(.*?)</figure>", html, flags=re.S)
    assert len(figures) >= 15
    captions = [re.search(r"<figcaption>(.+?)</figcaption>", f, flags=re.S) for f in figures]
    assert all(c and len(c.group(1).strip()) > 20 for c in captions)
    # the interactive plots are drawn in the browser (their axis titles are checked there)
    kinds = re.findall(r'<div class="plotly-figure" [^>]*data-kind="(\w+)"', html)
    assert sorted(kinds) == ["ma"] * 3 + ["volcano"] * 3


VERDICT_KINDS = {
    "reverses": {"verdict": "reverses"},
    "partially reverses": {"verdict": "partially reverses"},
    "no meaningful reversal": {"verdict": "no meaningful reversal"},
    "no evidence": {"verdict": "no evidence"},
    "aggravates": {"verdict": "aggravates"},
    "too few genes": {"verdict": "no evidence", "not_judged": "too few genes"},
    "too few samples": {"verdict": "no evidence", "not_judged": "too few samples"},
}


def test_every_verdict_kind_renders_in_chromium(evil_results, tmp_path):
    """The report of each outcome — five verdicts and both reasons for making none — opens
    without a JavaScript error, states its own sentence, and draws every table and plot;
    screenshots of each verdict go to test-artifacts/verdict_<kind>.png."""
    playwright = chromium_driver()
    ARTIFACTS.mkdir(exist_ok=True)
    pages = {}
    for kind, fields in VERDICT_KINDS.items():
        root = tmp_path / kind.replace(" ", "_")
        shutil.copytree(evil_results.root, root)
        files = AnalysisLayout(str(root))
        summary_path = Path(files.reversal_summary)
        summary = json.loads(summary_path.read_text())
        summary["signature"].update({"not_judged": None, **fields})
        summary_path.write_text(json.dumps(summary))
        out = root / "report.html"
        report.render(config=evil_results.config, analyses={evil_results.analysis: files}, out=out)
        sentence = report.verdict_sentence(HOSTILE_TREATMENT, "eczema", summary["signature"])
        pages[kind] = (out, sentence)
    seen = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for kind, (out, _) in pages.items():
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error, e=errors: e.append(str(error)))
            page.goto(out.as_uri())
            headline = page.locator("[id$='-overall-verdict'] b").first.inner_text()
            page.screenshot(path=str(ARTIFACTS / f"verdict_{kind.replace(' ', '_')}.png"))
            page.click("#expand-all")
            widgets = page.locator("div.data-table, div.plotly-figure").count()
            page.wait_for_function(
                f"document.querySelectorAll('[data-drawn=\"yes\"]').length === {widgets}",
                timeout=60_000,
            )
            seen[kind] = (headline, errors, widgets)
            page.close()
        browser.close()
    for kind, (_, sentence) in pages.items():
        headline, errors, widgets = seen[kind]
        assert errors == [], kind
        assert headline == sentence, kind
        assert widgets >= 11, kind  # 3 gene tables, 3 GSEA tables, 6 plots, set and gene tables
    assert len({sentence for _, sentence in pages.values()}) == len(VERDICT_KINDS)


def test_variability_advice_only_when_not_taken():
    table = pd.DataFrame(
        {
            "role": ["disease", "treatment", "other:x"],
            "condition": ["vehicle_d7", "drug_d7", "x"],
            "relative_variance": [2.3, 2.1, 1.0],
            "flagged": [True, True, False],
        }
    )
    joint = report.variability_note(table, "joint")
    assert "compare with separate fits per contrast" in joint
    separate = report.variability_note(table, "per_contrast")
    assert "vehicle_d7 (2.3× the quietest group's)" in separate
    assert "compare with" not in separate and "was therefore fitted on its own" in separate


def test_pathway_verdicts_sorted_by_fdr_and_unreadable_intervals_said_so():
    sets = pd.DataFrame(
        {
            "gene_set": ["A", "B", "C", "D"],
            "verdict": ["partially reverses", "reverses", "not changed by disease", "aggravates"],
            "fdr": [0.02, 0.001, 0.9, 0.04],
            "p_reversal": [0.01, 0.0005, 0.8, 0.9],
            "fraction_restored": [0.4, 0.9, 0.0, -5.9],
            "fraction_restored_ci_low": [0.1, 0.7, -1, -20.4],
            "fraction_restored_ci_high": [0.7, 1.1, 1, 0.89],
            "percent_restored": [40.0, 90.0, 0.0, -590.0],
            "shared_with": [None, None, None, "A"],
        }
    )
    table = report.pathway_verdicts(sets)
    assert table["gene set"].tolist() == ["B", "A", "D"]  # judged only, FDR first
    wide = table.set_index("gene set").loc["D"]
    assert pd.isna(wide["95% CI low"]) and "too wide" in wide["note"]
    assert table.set_index("gene set").loc["A", "95% CI low"] == 0.1
