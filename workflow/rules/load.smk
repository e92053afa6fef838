rule load_data:
    input:
        dataset_inputs,
    output:
        FILES.dataset,
    log:
        log_file("{analysis}", "load_data"),
    benchmark:
        FILES.benchmark("load_data")
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
        adata=FILES.dataset,
        sources=gene_set_files(),
    output:
        gmts=[FILES.gene_set_collection(c) for c in COLLECTIONS],
        coverage=FILES.gene_set_coverage,
    log:
        log_file("{analysis}", "prepare_gene_sets"),
    benchmark:
        FILES.benchmark("prepare_gene_sets")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        cli=CLI,
        settings=settings("gene_sets"),
        gmts=lambda wildcards, output: named(COLLECTIONS, output.gmts),
    shell:
        "{params.cli} --log {log:q} genesets --adata {input.adata:q} "
        "--settings {params.settings:q} --gmts {params.gmts} --coverage {output.coverage:q}"
