# the critical path: start it before QC and gene-set preparation
rule differential_expression:
    input:
        FILES.dataset,
    output:
        tables=report(
            [FILES.de_table(c) for c in CONTRAST_NAMES],
            caption="../report/de_table.rst",
            category="Differential expression",
            subcategory="{analysis}",
        ),
        volcanos=report(
            [FILES.volcano(c) for c in CONTRAST_NAMES],
            caption="../report/volcano.rst",
            category="Differential expression",
            subcategory="{analysis}",
        ),
        filtered=FILES.filtered_genes,
        size_factors=FILES.size_factors,
        group_variability=FILES.group_variability,
        dispersions=FILES.dispersions,
    log:
        log_file("{analysis}", "differential_expression"),
    benchmark:
        benchmark_file("{analysis}", "differential_expression")
    wildcard_constraints:
        analysis=one_of(THREE_ARM),
    priority: 20
    conda:
        ENV
    threads: threads_by_dataset_size
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        cli=CLI,
        settings=de_settings,
        tables=lambda wildcards, output: named(CONTRAST_NAMES, output.tables),
        volcanos=lambda wildcards, output: named(CONTRAST_NAMES, output.volcanos),
    shell:
        "{params.cli} --log {log:q} de --adata {input:q} --settings {params.settings:q} "
        "--tables {params.tables} --volcanos {params.volcanos} "
        "--filtered {output.filtered:q} --size-factors {output.size_factors:q} "
        "--group-variability {output.group_variability:q} "
        "--dispersions {output.dispersions:q} --threads {threads}"


# a two-arm study (disease + treatment, no control) has the treatment contrast only
use rule differential_expression as differential_expression_two_arm with:
    output:
        tables=report(
            [FILES.de_table(c) for c in TWO_ARM_CONTRASTS],
            caption="../report/de_table.rst",
            category="Differential expression",
            subcategory="{analysis}",
        ),
        volcanos=report(
            [FILES.volcano(c) for c in TWO_ARM_CONTRASTS],
            caption="../report/volcano.rst",
            category="Differential expression",
            subcategory="{analysis}",
        ),
        filtered=FILES.filtered_genes,
        size_factors=FILES.size_factors,
        group_variability=FILES.group_variability,
        dispersions=FILES.dispersions,
    wildcard_constraints:
        analysis=one_of(TWO_ARM),
    params:
        cli=CLI,
        settings=de_settings,
        tables=lambda wildcards, output: named(TWO_ARM_CONTRASTS, output.tables),
        volcanos=lambda wildcards, output: named(TWO_ARM_CONTRASTS, output.volcanos),
