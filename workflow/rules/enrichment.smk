rule gsea_prerank:
    input:
        de="results/{analysis}/de/{contrast}.tsv",
        gmts=rules.prepare_gene_sets.output.gmts,
    output:
        gsea="results/{analysis}/enrichment/{contrast}.tsv",
        ora="results/{analysis}/enrichment/{contrast}.ora.tsv",
    log:
        "logs/{analysis}/gsea_prerank.{contrast}.log",
    benchmark:
        "results/{analysis}/benchmarks/gsea_prerank.{contrast}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        cli=CLI,
        settings=settings("enrichment"),
        gene_sets=lambda wildcards, input: " ".join(
            f"{name}={path}" for name, path in zip(COLLECTIONS, input.gmts)
        ),
    shell:
        "{params.cli} --log {log:q} enrich --de {input.de:q} --settings {params.settings:q} "
        "--gene-sets {params.gene_sets} --out {output.gsea:q} --ora-out {output.ora:q} "
        "--threads {threads}"
