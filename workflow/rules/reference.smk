# one rule per analysis and reference signature: does the treatment reverse that signature?
rule reference_reversal:
    input:
        adata=FILES.dataset,
        treatment=FILES.de_table("treatment_vs_disease"),
        size_factors=FILES.size_factors,
        curated=FILES.gene_set_collection("curated"),
        sources=reference_sources,
    output:
        genes=FILES.reference_genes("{reference}"),
        sets=FILES.reference_sets("{reference}"),
        mapping=FILES.reference_mapping("{reference}"),
        summary=report(
            FILES.reference_summary("{reference}"),
            caption="../report/reference_summary.rst",
            category="Reference signatures",
            subcategory="{analysis}",
        ),
        scatter=report(
            FILES.reference_scatter("{reference}"),
            caption="../report/reference_scatter.rst",
            category="Reference signatures",
            subcategory="{analysis}",
        ),
    log:
        log_file("{analysis}", "reference.{reference}"),
    benchmark:
        benchmark_file("{analysis}", "reference.{reference}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        cli=CLI,
        reference=lambda wildcards: json.dumps(
            config["reference_signatures"][wildcards.reference]
        ),
        settings=settings("reversal"),
        design=lambda wildcards: json.loads(de_settings(wildcards))["design"],
        orthologs=config["gene_sets"].get("orthologs", ""),
    shell:
        "{params.cli} --log {log:q} reference --name {wildcards.reference:q} "
        "--reference {params.reference:q} --adata {input.adata:q} "
        "--treatment {input.treatment:q} --size-factors {input.size_factors:q} "
        "--curated {input.curated:q} --settings {params.settings:q} --design {params.design:q} "
        "--orthologs {params.orthologs:q} --genes {output.genes:q} --sets {output.sets:q} "
        "--mapping {output.mapping:q} --summary {output.summary:q} --scatter {output.scatter:q}"
