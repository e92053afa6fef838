# the critical path: start it before QC and gene-set preparation
rule differential_expression:
    input:
        "results/{analysis}/data/dataset.h5ad",
    output:
        tables=report(
            expand("results/{{analysis}}/de/{contrast}.tsv", contrast=CONTRASTS),
            caption="../report/de_table.rst",
            category="Differential expression",
            subcategory="{analysis}",
        ),
        volcanos=report(
            expand(
                "results/{{analysis}}/de/{contrast}.volcano.png", contrast=CONTRASTS
            ),
            caption="../report/volcano.rst",
            category="Differential expression",
            subcategory="{analysis}",
        ),
        filtered="results/{analysis}/de/filtered_genes.tsv",
        size_factors="results/{analysis}/de/size_factors.tsv",
    log:
        "logs/{analysis}/differential_expression.log",
    benchmark:
        "results/{analysis}/benchmarks/differential_expression.tsv"
    priority: 20
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        cli=CLI,
        settings=de_settings,
        out_dir=lambda wildcards, output: Path(output.filtered).parent,
    shell:
        "{params.cli} --log {log:q} de --adata {input:q} --settings {params.settings:q} "
        "--out-dir {params.out_dir:q} --threads {threads}"
