"""signature-reversal: does a treatment reverse a disease's transcriptomic signature?

Run `snakemake --cores 2` for the bundled example; edit config/config.yaml for your data.
"""

from pathlib import Path

from snakemake.utils import min_version, validate

min_version("9.0")


# A --configfile given on the command line replaces the shipped config instead of being merged
# into it (merging would silently add the example dataset to the user's datasets). The shipped
# config is found beside this file, whatever directory snakemake runs in.
if not workflow.config_settings.configfiles:

    configfile: Path(workflow.basedir) / "config" / "config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/load.smk"
include: "workflow/rules/qc.smk"
include: "workflow/rules/diffexp.smk"
include: "workflow/rules/enrichment.smk"
include: "workflow/rules/reversal.smk"
include: "workflow/rules/reference.smk"
include: "workflow/rules/study.smk"
include: "workflow/rules/single_cell.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        COMBINED_REPORT,
