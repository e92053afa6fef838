# A single-cell dataset's cell-level view: cell QC, embedding, per-cell scores and composition.
# It waits for nothing (it is the long step): it maps the curated sets onto the file's genes
# itself and runs beside the cell types' analyses.
rule single_cell_view:
    input:
        cells=lambda wildcards: config["datasets"][wildcards.dataset]["path"],
        gene_sets=gene_set_files(),
    output:
        cells=SingleCellLayout.of("{dataset}").cells,
        cell_qc=SingleCellLayout.of("{dataset}").cell_qc,
        composition=SingleCellLayout.of("{dataset}").composition,
        score_means=SingleCellLayout.of("{dataset}").score_means,
        summary=SingleCellLayout.of("{dataset}").summary,
        figures=report(
            [
                SingleCellLayout.of("{dataset}").umap,
                SingleCellLayout.of("{dataset}").violins,
                SingleCellLayout.of("{dataset}").proportions,
            ],
            caption="../report/single_cell.rst",
            category="Single cell",
            subcategory="{dataset}",
        ),
    log:
        log_file("{dataset}", "single_cell_view"),
    benchmark:
        benchmark_file("{dataset}", "single_cell_view")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        cli=CLI,
        settings=single_cell_settings,
        gene_sets=settings("gene_sets"),
        out_dir=lambda wildcards: SingleCellLayout.of(wildcards.dataset).root,
    shell:
        "{params.cli} --log {log:q} single-cell --path {input.cells:q} "
        "--settings {params.settings:q} --gene-sets {params.gene_sets:q} "
        "--out-dir {params.out_dir:q}"


# The cell types' verdicts side by side: a table and a forest plot (or why a cell type was not
# judged).
rule cell_type_verdicts:
    input:
        summaries=lambda wildcards: [
            AnalysisLayout.of(a).reversal_summary
            for a in SINGLE_CELLS[wildcards.dataset]
            if a in THREE_ARM
        ],
    output:
        cell_types=SingleCellLayout.of("{dataset}").cell_types,
        forest=report(
            SingleCellLayout.of("{dataset}").forest,
            caption="../report/single_cell.rst",
            category="Single cell",
            subcategory="{dataset}",
        ),
    log:
        log_file("{dataset}", "cell_type_verdicts"),
    benchmark:
        benchmark_file("{dataset}", "cell_type_verdicts")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        cli=CLI,
        not_judged=lambda wildcards: json.dumps(NOT_JUDGED.get(wildcards.dataset, {})),
        summaries=lambda wildcards, input: (
            "--summaries "
            + named(cell_types_judged(wildcards.dataset), input.summaries)
            if input.summaries
            else ""
        ),
        out_dir=lambda wildcards: SingleCellLayout.of(wildcards.dataset).root,
    shell:
        "{params.cli} --log {log:q} cell-types --not-judged {params.not_judged:q} "
        "{params.summaries} --out-dir {params.out_dir:q}"
