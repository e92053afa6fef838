rule reversal:
    input:
        adata="results/{analysis}/data/dataset.h5ad",
        de=rules.differential_expression.output.tables,
        size_factors=rules.differential_expression.output.size_factors,
        gsea=expand(
            "results/{{analysis}}/enrichment/{contrast}.tsv",
            contrast=["disease_vs_control", "treatment_vs_disease"],
        ),
        curated="results/{analysis}/gene_sets/curated.gmt",
    output:
        genes="results/{analysis}/reversal/gene_reversal.tsv",
        sets="results/{analysis}/reversal/gene_set_reversal.tsv",
        summary=report(
            "results/{analysis}/reversal/reversal_summary.json",
            caption="../report/reversal_summary.rst",
            category="Reversal",
            subcategory="{analysis}",
        ),
        pathway_scores="results/{analysis}/reversal/pathway_scores.tsv",
        genes_of_interest="results/{analysis}/reversal/genes_of_interest.tsv",
        plots=report(
            expand("results/{{analysis}}/reversal/{plot}.png", plot=REVERSAL_PLOTS),
            caption="../report/reversal.rst",
            category="Reversal",
            subcategory="{analysis}",
        ),
    log:
        "logs/{analysis}/reversal.log",
    benchmark:
        "results/{analysis}/benchmarks/reversal.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        cli=CLI,
        settings=settings("reversal"),
        genes_of_interest=json.dumps(config.get("genes_of_interest", [])),
        orthologs=config["gene_sets"].get("orthologs", ""),
        out_dir=lambda wildcards, output: Path(output.summary).parent,
        de_dir=lambda wildcards, input: Path(input.size_factors).parent,
        gsea_dir=lambda wildcards, input: Path(input.gsea[0]).parent,
    shell:
        "{params.cli} --log {log:q} reversal --adata {input.adata:q} --de-dir {params.de_dir:q} "
        "--enrichment-dir {params.gsea_dir:q} --curated {input.curated:q} "
        "--settings {params.settings:q} --out-dir {params.out_dir:q} "
        "--genes-of-interest {params.genes_of_interest:q} --orthologs {params.orthologs:q}"
