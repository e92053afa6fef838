# The disease and treatment contrasts feed the reversal step; they go first (priority) and the
# residual contrast runs alongside the reversal step.
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
    wildcard_constraints:
        contrast="disease_vs_control|treatment_vs_disease",
    priority: 10
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


use rule gsea_prerank as gsea_prerank_residual with:
    wildcard_constraints:
        contrast="treatment_vs_control",
    priority: 0


rule gsea_dotplot:
    input:
        expand("results/{{analysis}}/enrichment/{contrast}.tsv", contrast=CONTRASTS),
    output:
        report(
            "results/{analysis}/enrichment/gsea_dotplot.png",
            caption="../report/gsea_dotplot.rst",
            category="Enrichment",
            subcategory="{analysis}",
        ),
    log:
        "logs/{analysis}/gsea_dotplot.log",
    benchmark:
        "results/{analysis}/benchmarks/gsea_dotplot.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        cli=CLI,
    shell:
        "{params.cli} --log {log:q} dotplot --gsea {input:q} --out {output:q}"
