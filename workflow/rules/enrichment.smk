# The disease and treatment contrasts feed the reversal step; they go first (priority) and the
# residual contrast runs alongside the reversal step.
rule gsea_prerank:
    input:
        de=FILES.de_table("{contrast}"),
        gmts=rules.load_data.output.gmts,
    output:
        gsea=FILES.gsea_table("{contrast}"),
        ora=FILES.ora_table("{contrast}"),
    log:
        log_file("{analysis}", "gsea_prerank.{contrast}"),
    benchmark:
        benchmark_file("{analysis}", "gsea_prerank.{contrast}")
    wildcard_constraints:
        contrast="|".join(REVERSAL_GSEA_CONTRASTS),
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
        gene_sets=lambda wildcards, input: named(COLLECTIONS, input.gmts),
    shell:
        "{params.cli} --log {log:q} enrich --de {input.de:q} --settings {params.settings:q} "
        "--gene-sets {params.gene_sets} --gsea {output.gsea:q} --ora {output.ora:q} "
        "--threads {threads}"


use rule gsea_prerank as gsea_prerank_residual with:
    wildcard_constraints:
        contrast="treatment_vs_control",
    priority: 0


rule gsea_dotplot:
    input:
        lambda wildcards: [
            FILES.gsea_table(c) for c in contrasts_of(wildcards.analysis)
        ],
    output:
        report(
            FILES.gsea_dotplot,
            caption="../report/gsea_dotplot.rst",
            category="Enrichment",
            subcategory="{analysis}",
        ),
    log:
        log_file("{analysis}", "gsea_dotplot"),
    benchmark:
        benchmark_file("{analysis}", "gsea_dotplot")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        cli=CLI,
        gsea=lambda wildcards, input: named(contrasts_of(wildcards.analysis), input),
    shell:
        "{params.cli} --log {log:q} dotplot --gsea {params.gsea} --out {output:q}"
