rule sample_qc:
    input:
        FILES.dataset,
    output:
        metrics=FILES.sample_metrics,
        pca=FILES.pca_scores,
        correlation=FILES.sample_correlation,
        figures=report(
            [FILES.qc_figure(name) for name in QC_FIGURES],
            caption="../report/qc.rst",
            category="Quality control",
            subcategory="{analysis}",
        ),
    log:
        log_file("{analysis}", "sample_qc"),
    benchmark:
        benchmark_file("{analysis}", "sample_qc")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    params:
        cli=CLI,
        figures=lambda wildcards, output: named(QC_FIGURES, output.figures),
    shell:
        "{params.cli} --log {log:q} qc --adata {input:q} --metrics {output.metrics:q} "
        "--pca {output.pca:q} --correlation {output.correlation:q} --figures {params.figures}"
