rule reversal:
    input:
        adata=FILES.dataset,
        de=rules.differential_expression.output.tables,
        size_factors=rules.differential_expression.output.size_factors,
        dispersions=rules.differential_expression.output.dispersions,
        gsea=[FILES.gsea_table(c) for c in REVERSAL_GSEA_CONTRASTS],
        curated=FILES.gene_set_collection("curated"),
    output:
        genes=FILES.gene_reversal,
        sets=FILES.gene_set_reversal,
        summary=report(
            FILES.reversal_summary,
            caption="../report/reversal_summary.rst",
            category="Reversal",
            subcategory="{analysis}",
        ),
        pathway_scores=FILES.pathway_scores,
        genes_of_interest=FILES.genes_of_interest,
        figures=report(
            [FILES.reversal_figure(name) for name in REVERSAL_FIGURES],
            caption="../report/reversal.rst",
            category="Reversal",
            subcategory="{analysis}",
        ),
    log:
        log_file("{analysis}", "reversal"),
    benchmark:
        benchmark_file("{analysis}", "reversal")
    # the longest step on the way to the report: it starts before the residual GSEA and the
    # reference comparisons, which run beside it
    priority: 10
    conda:
        ENV
    # one thread beside the other jobs; on a large dataset the bootstrap worlds dominate and are
    # drawn side by side (same figures)
    threads: threads_by_dataset_size
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        cli=CLI,
        settings=settings("reversal"),
        design=lambda wildcards: json.loads(de_settings(wildcards))["design"],
        genes_of_interest=json.dumps(config["genes_of_interest"]),
        orthologs=config["gene_sets"].get("orthologs", ""),
        de=lambda wildcards, input: named(CONTRAST_NAMES, input.de),
        gsea=lambda wildcards, input: named(REVERSAL_GSEA_CONTRASTS, input.gsea),
        figures=lambda wildcards, output: named(REVERSAL_FIGURES, output.figures),
    shell:
        "{params.cli} --log {log:q} reversal --adata {input.adata:q} --de {params.de} "
        "--size-factors {input.size_factors:q} --dispersions {input.dispersions:q} "
        "--gsea {params.gsea} --threads {threads} "
        "--curated {input.curated:q} --settings {params.settings:q} --design {params.design:q} "
        "--genes-of-interest {params.genes_of_interest:q} --orthologs {params.orthologs:q} "
        "--genes {output.genes:q} --sets {output.sets:q} --summary {output.summary:q} "
        "--pathway-scores {output.pathway_scores:q} "
        "--genes-of-interest-table {output.genes_of_interest:q} --figures {params.figures}"
