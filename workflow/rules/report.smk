rule html_report:
    input:
        rules.sample_qc.output,
        rules.differential_expression.output,
        expand("results/enrichment/{contrast}.tsv", contrast=CONTRASTS),
        rules.reversal.output,
    output:
        "results/report.html",
    params:
        config=json.dumps(config),
    log:
        "logs/report/html_report.log",
    benchmark:
        "results/benchmarks/html_report.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        ENV
    shell:
        "{CLI} report --config-json {params.config:q} --qc-dir results/qc "
        "--de-dir results/de --enrichment-dir results/enrichment "
        "--reversal-dir results/reversal --out {output:q} 2> {log:q}"
