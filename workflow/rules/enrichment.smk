rule gsea_prerank:
    input:
        de="results/de/{contrast}.tsv",
        gene_sets=gene_set_files(),
    output:
        table="results/enrichment/{contrast}.tsv",
        coverage="results/enrichment/{contrast}.gene_set_coverage.tsv",
    log:
        "logs/enrichment/{contrast}.log",
    benchmark:
        "results/benchmarks/gsea_prerank.{contrast}.tsv"
    conda:
        ENV
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        cli=CLI,
        settings=settings("enrichment"),
    shell:
        "{params.cli} enrich --de {input.de:q} --settings {params.settings:q} "
        "--out {output.table:q} --coverage-out {output.coverage:q} "
        "--threads {threads} 2> {log:q}"
