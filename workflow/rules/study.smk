# A study with several treatments, doses or time points: its arms ranked and compared head to
# head (and along their dose or time order), once every arm's analysis is done.
rule head_to_head:
    input:
        arms=study_inputs,
        adata=lambda wildcards: AnalysisLayout.of(STUDIES[wildcards.study][0]).dataset,
        size_factors=lambda wildcards: AnalysisLayout.of(
            STUDIES[wildcards.study][0]
        ).size_factors,
        curated=lambda wildcards: AnalysisLayout.of(
            STUDIES[wildcards.study][0]
        ).gene_set_collection("curated"),
    output:
        comparisons=StudyLayout.of("{study}").comparisons,
        gene_sets=StudyLayout.of("{study}").gene_sets,
        ranking=StudyLayout.of("{study}").ranking,
        summary=StudyLayout.of("{study}").summary,
        forest=report(
            StudyLayout.of("{study}").forest,
            caption="../report/forest.rst",
            category="Head to head",
            subcategory="{study}",
        ),
    log:
        log_file("{study}", "head_to_head"),
    benchmark:
        benchmark_file("{study}", "head_to_head")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        cli=CLI,
        study=study_settings,
        arms=lambda wildcards: named(
            study_arm_names(wildcards.study),
            [AnalysisLayout.of(a).root for a in STUDIES[wildcards.study]],
        ),
        design=lambda wildcards: design_of(STUDIES[wildcards.study][0]),
        out_dir=lambda wildcards: StudyLayout.of(wildcards.study).root,
    shell:
        "{params.cli} --log {log:q} study --study {params.study:q} --arms {params.arms} "
        "--adata {input.adata:q} --size-factors {input.size_factors:q} "
        "--curated {input.curated:q} --design {params.design:q} --out-dir {params.out_dir:q}"
