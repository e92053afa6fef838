rule sample_qc:
    input:
        "results/{analysis}/data/dataset.h5ad",
    output:
        metrics="results/{analysis}/qc/sample_metrics.tsv",
        pca="results/{analysis}/qc/pca.tsv",
        correlation="results/{analysis}/qc/correlation.tsv",
        plots=report(
            expand(
                "results/{{analysis}}/qc/{plot}.png",
                plot=["library_sizes", "pca", "correlation"],
            ),
            caption="../report/qc.rst",
            category="Quality control",
            subcategory="{analysis}",
        ),
    log:
        "logs/{analysis}/sample_qc.log",
    benchmark:
        "results/{analysis}/benchmarks/sample_qc.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    params:
        cli=CLI,
        out_dir=lambda wildcards, output: Path(output.metrics).parent,
    shell:
        "{params.cli} --log {log:q} qc --adata {input:q} --out-dir {params.out_dir:q}"
