"""signature-reversal: does a treatment reverse a disease's transcriptomic signature?

Run `snakemake --cores 2` for the bundled example; edit config/config.yaml for your data.
"""

import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

sys.path.insert(0, str(Path(workflow.current_basedir) / "workflow"))
from signature_reversal import config_schema

min_version("9.0")


# A --configfile given on the command line replaces the shipped config instead of being merged
# into it (merging would silently add the example dataset to the user's datasets). The shipped
# config is found beside this file, whatever directory snakemake runs in.
if not workflow.config_settings.configfiles:

    configfile: Path(workflow.basedir) / "config" / "config.yaml"


# one message naming the key, the file and the fix (not Snakemake's schema dump); then
# Snakemake's validate fills in the schema's defaults
try:
    config_schema.check(
        config,
        ", ".join(map(str, workflow.config_settings.configfiles))
        or "config/config.yaml",
    )
except config_schema.InputError as err:
    # an earlier run's reports, when the config changed since, must not look current
    from signature_reversal.report import provenance

    provenance.mark_reports_outdated_by(
        provenance.previous_reports(),
        workflow.config_settings.configfiles,
        str(err).splitlines()[0],
    )
    raise WorkflowError(str(err)) from None
validate(config, "workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/load.smk"
include: "workflow/rules/qc.smk"
include: "workflow/rules/diffexp.smk"
include: "workflow/rules/enrichment.smk"
include: "workflow/rules/reversal.smk"
include: "workflow/rules/reference.smk"
include: "workflow/rules/drugs.smk"
include: "workflow/rules/study.smk"
include: "workflow/rules/single_cell.smk"
include: "workflow/rules/report.smk"


# a failed run: reports whose inputs changed since are bannered OUTDATED (common.smk)
onerror:
    mark_outdated_reports()


rule all:
    default_target: True
    input:
        COMBINED_REPORT,
