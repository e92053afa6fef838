rule analysis_report:
    input:
        lambda wildcards: analysis_outputs([wildcards.analysis]),
    output:
        report(
            "results/{analysis}/report.html",
            caption="../report/report_html.rst",
            category="HTML report",
            subcategory="{analysis}",
        ),
    log:
        "logs/{analysis}/report.log",
    benchmark:
        "results/{analysis}/benchmarks/report.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        cli=CLI,
        config=json.dumps(config),
        analyses=lambda wildcards: report_arguments([wildcards.analysis]),
    shell:
        "{params.cli} --log {log:q} report --config-json {params.config:q} "
        "--analysis {params.analyses} --out {output:q}"


# One analysis: the combined report is that analysis's report, so copy it instead of rendering
# the same 15 MB page twice.
COMBINED_REPORT_COMMAND = (
    "cp {input.reports:q} {output:q} 2> {log:q}"
    if len(ANALYSES) == 1
    else "{params.cli} --log {log:q} report --config-json {params.config:q} "
    "--analysis {params.analyses} --out {output:q}"
)


rule combined_report:
    input:
        outputs=analysis_outputs(ANALYSES),
        reports=expand("results/{analysis}/report.html", analysis=ANALYSES),
    output:
        "results/report.html",
    log:
        "logs/report.log",
    benchmark:
        "results/benchmarks/combined_report.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        cli=CLI,
        config=json.dumps(config),
        analyses=report_arguments(ANALYSES),
    shell:
        COMBINED_REPORT_COMMAND
