"""Reports say which inputs they describe, and an outdated report is marked as such."""

from __future__ import annotations

import hashlib
import os

from signature_reversal.report import provenance


def test_every_configured_file_is_listed_with_its_checksum(tmp_path):
    counts = tmp_path / "counts.tsv"
    counts.write_text("gene\ta\n")
    config = {
        "datasets": {"d": {"path": str(counts), "samples": str(tmp_path / "missing.tsv")}},
        "gene_sets": {"curated": {"path": str(counts)}, "extra": []},
        "reference_signatures": {"r": {"up": ["A"], "down": str(counts)}},
    }
    roles = [role for role, _ in provenance.configured_files(config)]
    assert roles == ["dataset d", "sample sheet of d", "gene sets: curated", "reference r (down)"]
    found = provenance.input_files(config)
    assert [f.role for f in found] == ["dataset d", "gene sets: curated", "reference r (down)"]
    assert found[0].sha256 == hashlib.sha256(b"gene\ta\n").hexdigest() and found[0].size == 7


def test_a_report_older_than_an_input_or_missing_one_is_outdated(tmp_path):
    report, sheet = tmp_path / "report.html", tmp_path / "sheet.tsv"
    sheet.write_text("x")
    report.write_text("<html><body><h1>T</h1></body></html>")
    os.utime(sheet, (1_000, 1_000))
    assert not provenance.is_outdated(report, [sheet])
    assert provenance.is_outdated(report, [sheet, tmp_path / "gone.h5ad"])
    os.utime(sheet, None)
    os.utime(report, (1_000, 1_000))
    assert provenance.is_outdated(report, [sheet])


def test_marking_puts_one_banner_at_the_top_of_the_body(tmp_path):
    report = tmp_path / "report.html"
    report.write_text('<html><body class="x"><h1>T</h1></body></html>')
    assert provenance.mark_outdated(report, "sheet <typo>")
    page = report.read_text()
    assert page.index("OUTDATED") < page.index("<h1>") and "sheet &lt;typo&gt;" in page
    assert not provenance.mark_outdated(report, "again")  # once
    assert page.count("OUTDATED") == report.read_text().count("OUTDATED")
    assert not provenance.mark_outdated(tmp_path / "none.html", "x")
