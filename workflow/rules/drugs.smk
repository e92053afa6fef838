# one rule per three-group analysis and drug library: which known drugs reverse the disease,
# which the treatment resembles, and where the treatment stands among them
rule drug_connectivity:
    input:
        adata=FILES.dataset,
        genes=FILES.de_table("treatment_vs_disease"),
        size_factors=FILES.size_factors,
        sources=drug_library_sources,
    output:
        signatures=FILES.drug_file("{library}", "signatures.tsv"),
        compounds=FILES.drug_file("{library}", "compounds.tsv"),
        mechanisms=FILES.drug_file("{library}", "mechanisms.tsv"),
        figure=FILES.drug_file("{library}", "connectivity.png"),
        summary=report(
            FILES.drug_file("{library}", "summary.json"),
            caption="../report/drug_summary.rst",
            category="Known drugs",
            subcategory="{analysis}",
        ),
    log:
        log_file("{analysis}", "drugs.{library}"),
    benchmark:
        benchmark_file("{analysis}", "drugs.{library}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        cli=CLI,
        library=lambda wildcards: json.dumps(
            config["drug_libraries"][wildcards.library]
        ),
        settings=settings("drug_connectivity"),
        design=lambda wildcards: json.loads(de_settings(wildcards))["design"],
        orthologs=config["gene_sets"].get("orthologs", ""),
    shell:
        "{params.cli} --log {log:q} drugs --name {wildcards.library:q} "
        "--library {params.library:q} --adata {input.adata:q} --genes {input.genes:q} "
        "--size-factors {input.size_factors:q} --settings {params.settings:q} "
        "--design {params.design:q} --orthologs {params.orthologs:q} "
        "--signatures {output.signatures:q} --compounds {output.compounds:q} "
        "--mechanisms {output.mechanisms:q} --summary {output.summary:q} "
        "--figure {output.figure:q}"


# one rule per reference signature and drug library: which known drugs reverse the published
# disease signature (no samples: the gene-permutation null only); shown in every analysis
rule reference_drugs:
    input:
        sources=lambda wildcards: reference_sources(wildcards)
        + drug_library_sources(wildcards),
    output:
        signatures=reference_drug_outputs("{reference}", "{library}")["signatures"],
        compounds=reference_drug_outputs("{reference}", "{library}")["compounds"],
        summary=reference_drug_outputs("{reference}", "{library}")["summary"],
    log:
        log_file("reference_drugs", "{reference}.{library}"),
    benchmark:
        benchmark_file("reference_drugs", "{reference}.{library}")
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        cli=CLI,
        reference=lambda wildcards: json.dumps(
            config["reference_signatures"][wildcards.reference]
        ),
        library=lambda wildcards: json.dumps(
            config["drug_libraries"][wildcards.library]
        ),
        settings=settings("drug_connectivity"),
        orthologs=config["gene_sets"].get("orthologs", ""),
    shell:
        "{params.cli} --log {log:q} reference-drugs --name {wildcards.reference:q} "
        "--reference {params.reference:q} --library-name {wildcards.library:q} "
        "--library {params.library:q} --settings {params.settings:q} "
        "--orthologs {params.orthologs:q} --signatures {output.signatures:q} "
        "--compounds {output.compounds:q} --summary {output.summary:q}"
