# The first job: read and check the dataset and translate every gene-set collection into its
# gene IDs, so that no input error (gene sets sharing no gene with the data included) is found
# only after DE has run.
rule load_data:
    input:
        data=dataset_inputs,
        gene_sets=gene_set_files(),
    output:
        adata=FILES.dataset,
        gmts=[FILES.gene_set_collection(c) for c in COLLECTIONS],
        coverage=FILES.gene_set_coverage,
    log:
        log_file("{analysis}", "load_data"),
    benchmark:
        benchmark_file("{analysis}", "load_data")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        cli=CLI,
        settings=load_settings,
        gene_sets=settings("gene_sets"),
        gmts=lambda wildcards, output: named(COLLECTIONS, output.gmts),
    shell:
        "{params.cli} --log {log:q} load --settings {params.settings:q} "
        "--gene-sets {params.gene_sets:q} --out {output.adata:q} --gmts {params.gmts} "
        "--coverage {output.coverage:q}"
