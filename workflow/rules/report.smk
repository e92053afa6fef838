rule analysis_report:
    input:
        lambda wildcards: report_inputs([wildcards.analysis]),
    output:
        report(
            FILES.report,
            caption="../report/report_html.rst",
            category="HTML report",
            subcategory="{analysis}",
        ),
    log:
        log_file("{analysis}", "report"),
    benchmark:
        benchmark_file("{analysis}", "report")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        cli=CLI,
        config=json.dumps(config),
        config_files=CONFIG_NAME,
        cache=FIGURE_CACHE,
        analyses=lambda wildcards: report_arguments([wildcards.analysis]),
    shell:
        "{params.cli} --log {log:q} report --config-json {params.config:q} "
        "--config-files {params.config_files:q} --figure-cache {params.cache:q} "
        "--analysis {params.analyses} --out {output:q}"


# One analysis: the combined report is that analysis's report, so copy it instead of rendering
# the same 15 MB page twice.
COMBINED_REPORT_COMMAND = (
    "cp {input.reports:q} {output:q} 2> {log:q}"
    if len(ANALYSES) == 1 and not STUDIES and not SINGLE_CELLS
    else "{params.cli} --log {log:q} report --config-json {params.config:q} "
    "--config-files {params.config_files:q} --figure-cache {params.cache:q} --analysis {params.analyses} {params.studies} {params.single_cells} --out {output:q}"
)
STUDY_OUTPUTS = [path for s in STUDIES for path in StudyLayout.of(s).outputs]
SINGLE_CELL_OUTPUTS = [
    path for d in SINGLE_CELLS for path in SingleCellLayout.of(d).outputs
]
SINGLE_CELL_ARGUMENTS = (
    f"--single-cell {named(SINGLE_CELLS, [SingleCellLayout.of(d).root for d in SINGLE_CELLS])}"
    if SINGLE_CELLS
    else ""
)
STUDY_ARGUMENTS = (
    f"--study {named(STUDIES, [StudyLayout.of(s).root for s in STUDIES])}"
    if STUDIES
    else ""
)


rule combined_report:
    input:
        outputs=report_inputs(ANALYSES),
        reports=[AnalysisLayout.of(a).report for a in ANALYSES],
        studies=STUDY_OUTPUTS,
        single_cells=SINGLE_CELL_OUTPUTS,
    output:
        COMBINED_REPORT,
    log:
        COMBINED_REPORT_LOG,
    benchmark:
        COMBINED_REPORT_BENCHMARK
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        cli=CLI,
        config=json.dumps(config),
        config_files=CONFIG_NAME,
        cache=FIGURE_CACHE,
        analyses=report_arguments(ANALYSES),
        studies=STUDY_ARGUMENTS,
        single_cells=SINGLE_CELL_ARGUMENTS,
    shell:
        COMBINED_REPORT_COMMAND
