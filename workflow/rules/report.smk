rule html_report:
    input:
        qc=rules.sample_qc.output,
        de=rules.differential_expression.output,
        gsea=expand("results/enrichment/{contrast}.tsv", contrast=CONTRASTS),
        reversal=rules.reversal.output,
    output:
        "results/report.html",
    log:
        "logs/report/html_report.log",
    benchmark:
        "results/benchmarks/html_report.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        cli=CLI,
        config=json.dumps(config),
        qc_dir=lambda wildcards, input: Path(input.qc[0]).parent,
        de_dir=lambda wildcards, input: Path(input.de[0]).parent,
        gsea_dir=lambda wildcards, input: Path(input.gsea[0]).parent,
        reversal_dir=lambda wildcards, input: Path(input.reversal[0]).parent,
    shell:
        "{params.cli} report --config-json {params.config:q} --qc-dir {params.qc_dir:q} "
        "--de-dir {params.de_dir:q} --enrichment-dir {params.gsea_dir:q} "
        "--reversal-dir {params.reversal_dir:q} --out {output:q} 2> {log:q}"
