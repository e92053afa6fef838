rule reversal:
    input:
        adata="results/data/dataset.h5ad",
        de=expand("results/de/{contrast}.tsv", contrast=CONTRASTS),
        size_factors="results/de/size_factors.tsv",
        gsea=expand("results/enrichment/{contrast}.tsv", contrast=CONTRASTS),
        curated=config["enrichment"]["curated"],
    output:
        genes="results/reversal/gene_reversal.tsv",
        sets="results/reversal/gene_set_reversal.tsv",
        summary="results/reversal/reversal_summary.json",
        plots=expand(
            "results/reversal/{plot}.png",
            plot=["reversal_scatter", "gene_set_restoration", "nes_pairs"],
        ),
    params:
        settings=settings("reversal"),
    log:
        "logs/reversal/reversal.log",
    benchmark:
        "results/benchmarks/reversal.tsv"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=60,
    conda:
        ENV
    shell:
        "{CLI} reversal --adata {input.adata:q} --de-dir results/de "
        "--enrichment-dir results/enrichment --curated {input.curated:q} "
        "--settings {params.settings:q} --out-dir results/reversal 2> {log:q}"
