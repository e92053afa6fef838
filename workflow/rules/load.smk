rule load_data:
    input:
        counts=config["counts"],
        samples=config["samples"],
    output:
        "results/data/dataset.h5ad",
    log:
        "logs/load/load_data.log",
    benchmark:
        "results/benchmarks/load_data.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    params:
        cli=CLI,
        settings=json.dumps(
            {
                "conditions": config["conditions"],
                "min_replicates": config["min_replicates"],
            }
        ),
    shell:
        "{params.cli} load --counts {input.counts:q} --samples {input.samples:q} "
        "--settings {params.settings:q} --out {output:q} 2> {log:q}"
