# A single-cell dataset's cell-level view: cell QC, embedding, per-cell scores, composition and
# its cell types' verdicts side by side (the verdicts come from the pseudobulk analyses).
rule single_cell_overview:
    input:
        cells=lambda wildcards: config["datasets"][wildcards.dataset]["path"],
        curated=lambda wildcards: AnalysisLayout.of(
            SINGLE_CELLS[wildcards.dataset][0]
        ).gene_set_collection("curated"),
        summaries=lambda wildcards: [
            AnalysisLayout.of(a).reversal_summary
            for a in SINGLE_CELLS[wildcards.dataset]
            if a in THREE_ARM
        ],
    output:
        cells=SingleCellLayout.of("{dataset}").cells,
        cell_qc=SingleCellLayout.of("{dataset}").cell_qc,
        composition=SingleCellLayout.of("{dataset}").composition,
        score_means=SingleCellLayout.of("{dataset}").score_means,
        cell_types=SingleCellLayout.of("{dataset}").cell_types,
        summary=SingleCellLayout.of("{dataset}").summary,
        figures=report(
            [
                SingleCellLayout.of("{dataset}").umap,
                SingleCellLayout.of("{dataset}").violins,
                SingleCellLayout.of("{dataset}").proportions,
                SingleCellLayout.of("{dataset}").forest,
            ],
            caption="../report/single_cell.rst",
            category="Single cell",
            subcategory="{dataset}",
        ),
    log:
        log_file("{dataset}", "single_cell_overview"),
    benchmark:
        benchmark_file("{dataset}", "single_cell_overview")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        cli=CLI,
        settings=single_cell_settings,
        summaries=lambda wildcards, input: (
            "--summaries "
            + named(cell_types_judged(wildcards.dataset), input.summaries)
            if input.summaries
            else ""
        ),
        out_dir=lambda wildcards: SingleCellLayout.of(wildcards.dataset).root,
    shell:
        "{params.cli} --log {log:q} single-cell --path {input.cells:q} "
        "--settings {params.settings:q} --curated {input.curated:q} {params.summaries} "
        "--out-dir {params.out_dir:q}"
