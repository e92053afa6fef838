rule differential_expression:
    input:
        "results/data/dataset.h5ad",
    output:
        tables=expand("results/de/{contrast}.tsv", contrast=CONTRASTS),
        volcanos=expand("results/de/{contrast}.volcano.png", contrast=CONTRASTS),
        filtered="results/de/filtered_genes.tsv",
        size_factors="results/de/size_factors.tsv",
    log:
        "logs/de/differential_expression.log",
    benchmark:
        "results/benchmarks/differential_expression.tsv"
    conda:
        ENV
    threads: 4
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        cli=CLI,
        out_dir=lambda wildcards, output: Path(output.filtered).parent,
        settings=settings("de"),
    shell:
        "{params.cli} de --adata {input:q} --settings {params.settings:q} "
        "--out-dir {params.out_dir:q} --threads {threads} 2> {log:q}"
