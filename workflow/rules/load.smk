rule load_data:
    input:
        dataset_inputs,
    output:
        "results/{analysis}/data/dataset.h5ad",
    log:
        "logs/{analysis}/load_data.log",
    benchmark:
        "results/{analysis}/benchmarks/load_data.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        cli=CLI,
        settings=load_settings,
    shell:
        "{params.cli} --log {log:q} load --settings {params.settings:q} --out {output:q}"


rule prepare_gene_sets:
    input:
        adata="results/{analysis}/data/dataset.h5ad",
        sources=gene_set_files(),
    output:
        gmts=expand(
            "results/{{analysis}}/gene_sets/{collection}.gmt", collection=COLLECTIONS
        ),
        coverage="results/{analysis}/gene_sets/coverage.tsv",
    log:
        "logs/{analysis}/prepare_gene_sets.log",
    benchmark:
        "results/{analysis}/benchmarks/prepare_gene_sets.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        cli=CLI,
        settings=settings("gene_sets"),
        out_dir=lambda wildcards, output: Path(output.coverage).parent,
    shell:
        "{params.cli} --log {log:q} genesets --adata {input.adata:q} --settings {params.settings:q} "
        "--out-dir {params.out_dir:q}"
