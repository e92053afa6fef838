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
    log:
        "logs/reversal/reversal.log",
    benchmark:
        "results/benchmarks/reversal.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        cli=CLI,
        out_dir=lambda wildcards, output: Path(output.summary).parent,
        de_dir=lambda wildcards, input: Path(input.size_factors).parent,
        gsea_dir=lambda wildcards, input: Path(input.gsea[0]).parent,
        settings=settings("reversal"),
    shell:
        "{params.cli} reversal --adata {input.adata:q} --de-dir {params.de_dir:q} "
        "--enrichment-dir {params.gsea_dir:q} --curated {input.curated:q} "
        "--settings {params.settings:q} --out-dir {params.out_dir:q} 2> {log:q}"
