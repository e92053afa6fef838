"""The output layout: one name per file, wildcard patterns for the rules."""

from __future__ import annotations

from signature_reversal.layout import (
    QC_FIGURES,
    REVERSAL_FIGURES,
    AnalysisLayout,
    benchmark_file,
    log_file,
)
from signature_reversal.roles import CONTRAST_NAMES


def test_every_report_input_is_a_distinct_file_under_the_root():
    files = AnalysisLayout.of("example").report_inputs()
    assert len(files) == len(set(files))
    assert all(f.startswith("results/example/") for f in files)
    expected = 1 + len(QC_FIGURES) + 4 * len(CONTRAST_NAMES) + 1 + 1 + 1 + len(REVERSAL_FIGURES) + 4
    assert len(files) == expected


def test_patterns_keep_wildcards_for_snakemake():
    pattern = AnalysisLayout.of("{analysis}")
    assert pattern.de_table("{contrast}") == "results/{analysis}/de/{contrast}.tsv"
    assert benchmark_file("{analysis}", "reversal") == "logs/{analysis}/benchmarks/reversal.tsv"
    assert log_file("{analysis}", "reversal") == "logs/{analysis}/reversal.log"
