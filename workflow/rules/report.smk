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


rule combined_report:
    input:
        analysis_outputs(ANALYSES),
        expand("results/{analysis}/report.html", analysis=ANALYSES),
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
        "{params.cli} --log {log:q} report --config-json {params.config:q} "
        "--analysis {params.analyses} --out {output:q}"
