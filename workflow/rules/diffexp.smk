rule differential_expression:
    input:
        "results/data/dataset.h5ad",
    output:
        tables=expand("results/de/{contrast}.tsv", contrast=CONTRASTS),
        volcanos=expand("results/de/{contrast}.volcano.png", contrast=CONTRASTS),
        filtered="results/de/filtered_genes.tsv",
        size_factors="results/de/size_factors.tsv",
    params:
        settings=settings("de"),
    log:
        "logs/de/differential_expression.log",
    benchmark:
        "results/benchmarks/differential_expression.tsv"
    threads: 4
    resources:
        mem_mb=8000,
        runtime=120,
    conda:
        ENV
    shell:
        "{CLI} de --adata {input:q} --settings {params.settings:q} "
        "--out-dir results/de --threads {threads} 2> {log:q}"
