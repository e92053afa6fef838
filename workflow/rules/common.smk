"""Helpers shared by the rules: where the package and the shipped files are, the analyses to
run, each stage's settings, and every file name (from the package's layout module)."""

import json
import re
import shlex
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

# The package lives beside the rules; pointing PYTHONPATH at it lets rules run in a conda env
# (--use-conda) that holds the dependencies but not the package itself.
PACKAGE_DIR = Path(workflow.current_basedir).parent
WORKFLOW_ROOT = PACKAGE_DIR.parent
sys.path.insert(0, str(PACKAGE_DIR))

from signature_reversal.layout import (
    COMBINED_REPORT,
    SingleCellLayout,
    StudyLayout,
    COMBINED_REPORT_BENCHMARK,
    COMBINED_REPORT_LOG,
    FIGURE_CACHE,
    QC_FIGURES,
    REVERSAL_FIGURES,
    REVERSAL_GSEA_CONTRASTS,
    AnalysisLayout,
    benchmark_file,
    log_file,
    reference_drug_outputs,
)
from signature_reversal.inputs.preflight import PreflightError, check_config
from signature_reversal.roles import CONTRAST_NAMES
from signature_reversal.study import analysis_names, study_of
from signature_reversal.study import slug as study_slug

CLI = (
    f"PYTHONPATH={PACKAGE_DIR} python -m signature_reversal "
    f"--figure-dpi {config['report']['figure_dpi']}"
)
ENV = "../../envs/signature-reversal.yaml"
# every output of an analysis as a pattern with the {analysis} wildcard
FILES = AnalysisLayout.of("{analysis}")


def locate(path):
    """A configured path as given when it exists from the working directory, else the file
    shipped with the workflow: the default config's gene sets, tables and example data are then
    found when snakemake runs in another directory (--directory) or as a module."""
    if not path or Path(path).is_absolute() or Path(path).exists():
        return path
    shipped = WORKFLOW_ROOT / path
    return str(shipped) if shipped.exists() else path


def locate_configured_files():
    """Resolve every input path of the config once, with :func:`locate`."""
    for dataset in config["datasets"].values():
        for key in ("path", "samples"):
            if dataset.get(key):
                dataset[key] = locate(dataset[key])
    for reference in config["reference_signatures"].values():
        for key in ("path", "up", "down"):
            if isinstance(reference.get(key), str):
                reference[key] = locate(reference[key])
    gene_sets = config["gene_sets"]
    for collection in [gene_sets["curated"], *gene_sets["extra"]]:
        collection["path"] = locate(collection["path"])
    for key in ("orthologs", "annotation_dir"):
        if gene_sets.get(key):
            gene_sets[key] = locate(gene_sets[key])
    for library in config["drug_libraries"].values():
        for key in ("up", "down", "gmt", "matrix", "annotation"):
            if library.get(key):
                library[key] = locate(library[key])


locate_configured_files()


# every input checked now, before any job runs: a bad sheet or a missing file costs seconds
def shown_path(path):
    """A path as the user sees it: relative to the working directory when inside it (so the
    same run in another directory writes the same report)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


CONFIG_NAME = (
    ", ".join(shown_path(f) for f in workflow.config_settings.configfiles)
    or "config/config.yaml"
)


def outdate_previous_reports(err):
    """A run stopped while the workflow was built (bad input): an earlier run's reports
    whose inputs or config changed since are bannered as outdated."""
    from signature_reversal.report import provenance

    inputs = [path for _, path in provenance.configured_files(config)]
    inputs += [str(f) for f in workflow.config_settings.configfiles]
    reason = str(err).splitlines()[0]
    for report in provenance.mark_reports_outdated_by(
        provenance.previous_reports(), inputs, reason
    ):
        print(f"{report}: marked OUTDATED (this run stopped before replacing it)")


try:
    check_config(config, CONFIG_NAME)
except PreflightError as err:
    outdate_previous_reports(err)
    raise WorkflowError(str(err)) from None
COLLECTIONS = ["curated"] + [e["name"] for e in config["gene_sets"]["extra"]]


def cell_types(name, dataset):
    """Cell types of a single-cell dataset: from config, else read from the file's obs."""
    single_cell = dataset["single_cell"]
    if single_cell.get("cell_types"):
        return list(single_cell["cell_types"])
    try:
        from signature_reversal.inputs.anndata_input import cell_types_in
    except ImportError as err:
        raise WorkflowError(
            f"datasets.{name}.single_cell: list the cell types to analyse under 'cell_types' "
            f"(reading them from {dataset['path']} needs the package's dependencies, {err})"
        ) from err
    return cell_types_in(dataset["path"], single_cell["cell_type_column"])


NOT_JUDGED = {}  # dataset → {cell type: why it has no analysis}


def judged_cell_types(name, dataset, conditions):
    """The cell types with enough samples per group; the others are recorded in NOT_JUDGED."""
    from signature_reversal.inputs.anndata_input import cell_types_without_replicates
    from signature_reversal.settings import SingleCellSettings
    from signature_reversal.study import study_of

    labels = study_of(conditions).labels
    skipped = cell_types_without_replicates(
        dataset["path"],
        SingleCellSettings.from_config(dataset["single_cell"]),
        labels,
        config["min_replicates"],
    )
    listed = cell_types(name, dataset)
    NOT_JUDGED[name] = {c: skipped[c] for c in listed if c in skipped}
    for cell_type, reason in NOT_JUDGED[name].items():
        print(
            f"datasets.{name}: cell type {cell_type!r} not judged: {reason}",
            file=sys.stderr,
        )
    return [c for c in listed if c not in skipped]


def list_analyses():
    """analysis name → (dataset name, cell type or None, arm or None): one per dataset, per
    cell type, and per arm of a study with several treatments (``study``)."""
    analyses = {}
    for name, dataset in config["datasets"].items():
        conditions = dataset.get("conditions", config["conditions"])
        if dataset.get("single_cell", {}).get("by_cell_type"):
            parts = {
                f"{name}.{study_slug(cell_type)}": cell_type
                for cell_type in judged_cell_types(name, dataset, conditions)
            }
        else:
            parts = {name: None}
        for part, cell_type in parts.items():
            for analysis, arm in analysis_names(part, conditions).items():
                analyses[analysis] = (name, cell_type, arm)
    return analyses


try:
    ANALYSES = list_analyses()
except PreflightError as err:
    outdate_previous_reports(err)
    raise WorkflowError(str(err)) from None
REFERENCES = list(config["reference_signatures"])
DRUG_LIBRARIES = list(config["drug_libraries"])


def conditions_of(analysis):
    """The condition label of each role in an analysis (no control: a two-arm study)."""
    name, _, arm = ANALYSES[analysis]
    if arm is not None:
        return arm.conditions
    return config["datasets"][name].get("conditions", config["conditions"])


def studies():
    """study name → its arms' analyses, for every dataset (or cell type) with several arms."""
    grouped = {}
    for analysis, (_, _, arm) in ANALYSES.items():
        if arm is not None:
            grouped.setdefault(analysis.rsplit(".", 1)[0], []).append(analysis)
    return grouped


STUDIES = studies()


def single_cells():
    """dataset name → its analyses, for every dataset configured as single-cell."""
    grouped = {}
    for analysis, (name, _, _) in ANALYSES.items():
        if config["datasets"][name].get("single_cell"):
            grouped.setdefault(name, []).append(analysis)
    return grouped


SINGLE_CELLS = single_cells()


def cell_types_judged(dataset):
    """The cell type of each analysis of a single-cell dataset with its own reversal."""
    return [ANALYSES[a][1] or a for a in SINGLE_CELLS[dataset] if a in THREE_ARM]


def single_cell_settings(wildcards):
    """The single-cell view's settings: the dataset's single_cell section, species, the
    conditions (a multi-arm study's first arm) and the reversal rule."""
    name = wildcards.dataset
    dataset = config["datasets"][name]
    return json.dumps(
        {
            "single_cell": dataset["single_cell"],
            "species": dataset.get("species", "mouse"),
            "conditions": conditions_of(SINGLE_CELLS[name][0]),
            "reversal": config["reversal"],
        },
        sort_keys=True,
    )


def study_arm_names(study):
    """The arms' names (the config's treatment labels or pair names), in config order."""
    return [ANALYSES[a][2].name for a in STUDIES[study]]


def design_of(analysis):
    """The DE design of an analysis's dataset."""
    return config["datasets"][ANALYSES[analysis][0]].get(
        "design", config["de"]["design"]
    )


def study_settings(wildcards):
    """The study's arms (name → conditions, in order), references, order and placebo."""
    analyses = STUDIES[wildcards.study]
    name = ANALYSES[analyses[0]][0]
    study = study_of(config["datasets"][name].get("conditions", config["conditions"]))
    return json.dumps(
        {
            "arms": {ANALYSES[a][2].name: ANALYSES[a][2].conditions for a in analyses},
            "references": REFERENCES,
            "ordered": study.ordered,
            "trend_arms": list(study.trend_arms),
            "placebo": study.placebo,
            "full_reversal_slope": config["reversal"]["full_reversal_slope"],
        }
    )


def study_inputs(wildcards):
    """Every file of the arms' analyses the comparison reads."""
    files = []
    for analysis in STUDIES[wildcards.study]:
        layout = AnalysisLayout.of(analysis)
        if analysis in THREE_ARM:
            files += [
                layout.reversal_summary,
                layout.gene_reversal,
                layout.gene_set_reversal,
            ]
        else:
            files.append(layout.de_table("treatment_vs_disease"))
        for reference in REFERENCES:
            files += [
                layout.reference_summary(reference),
                layout.reference_genes(reference),
            ]
    return files


THREE_ARM = [a for a in ANALYSES if "control" in conditions_of(a)]
TWO_ARM = [a for a in ANALYSES if a not in THREE_ARM]
THREE_ARM_CONTRASTS = CONTRAST_NAMES
TWO_ARM_CONTRASTS = ["treatment_vs_disease"]


def contrasts_of(analysis):
    return THREE_ARM_CONTRASTS if analysis in THREE_ARM else TWO_ARM_CONTRASTS


# a dataset file at least this large (~20 bytes per value: ~120 samples of 20,000 genes) gives
# its DE and reversal jobs several threads (gene blocks of the dispersion fits, bootstrap worlds
# side by side); smaller datasets keep one thread per job, so their jobs run beside each other.
# Snakemake lowers the number to --cores; --set-threads overrides it.
LARGE_DATASET_MB = 50
LARGE_DATASET_THREADS = 4


def threads_by_dataset_size(wildcards, input):
    """Threads of a job whose first input is the analysis's dataset: Snakemake asks again when
    the job runs, once the dataset exists (a dry run before then plans one thread)."""
    dataset = Path(input[0])
    large = dataset.exists() and dataset.stat().st_size >= LARGE_DATASET_MB * 2**20
    return LARGE_DATASET_THREADS if large else 1


def one_of(names):
    """A wildcard constraint matching exactly these names (none: matches nothing)."""
    return "|".join(re.escape(n) for n in names) if names else "(?!)"


wildcard_constraints:
    analysis=one_of(ANALYSES),
    contrast="|".join(CONTRAST_NAMES),
    reference=one_of(REFERENCES),
    library=one_of(DRUG_LIBRARIES),
    study=one_of(STUDIES),
    dataset=one_of(SINGLE_CELLS),


def named(names, paths):
    """NAME=PATH arguments for the CLI, one per file, in the order of ``names``."""
    return " ".join(
        shlex.quote(f"{name}={path}") for name, path in zip(names, paths, strict=True)
    )


def dataset_of(wildcards):
    return config["datasets"][ANALYSES[wildcards.analysis][0]]


def dataset_inputs(wildcards):
    dataset = dataset_of(wildcards)
    return [dataset["path"]] + ([dataset["samples"]] if dataset.get("samples") else [])


def load_settings(wildcards):
    """Everything the load step needs, as JSON for its --settings argument."""
    name, cell_type, arm = ANALYSES[wildcards.analysis]
    dataset = config["datasets"][name]
    settings = {
        "dataset": dataset,
        "conditions": conditions_of(wildcards.analysis),
        "min_replicates": config["min_replicates"],
        "cell_type": cell_type,
        "annotation_dir": config["gene_sets"].get("annotation_dir"),
    }
    if arm is not None:  # the study's other groups stay in the model
        settings["others"] = list(arm.others)
    return json.dumps(settings, sort_keys=True)


def de_settings(wildcards):
    """Config 'de' with the dataset's own design, if it has one."""
    settings = dict(config["de"])
    settings["design"] = dataset_of(wildcards).get("design", settings["design"])
    return json.dumps(settings, sort_keys=True)


def settings(section):
    """A config section as JSON for a stage's --settings argument."""
    return json.dumps(config[section], sort_keys=True)


def gene_set_files():
    """Every source GMT and the ortholog table, so edits to them trigger a rerun."""
    gene_sets = config["gene_sets"]
    files = [gene_sets["curated"]["path"]] + [e["path"] for e in gene_sets["extra"]]
    return files + ([gene_sets["orthologs"]] if gene_sets.get("orthologs") else [])


def report_inputs(analyses):
    """Every file a report reads, for the given analyses."""
    return reference_drug_files() + [
        path
        for a in analyses
        for path in AnalysisLayout.of(a).report_inputs(
            contrasts_of(a), a in THREE_ARM, REFERENCES, DRUG_LIBRARIES
        )
    ]


def reference_drug_files():
    """Every reference's disease query against every drug library (read by every report)."""
    return [
        path
        for reference in REFERENCES
        for library in DRUG_LIBRARIES
        for path in reference_drug_outputs(reference, library).values()
    ]


def drug_library_sources(wildcards):
    """The library's own files, so edits trigger a rerun."""
    library = config["drug_libraries"][wildcards.library]
    return [
        library[k]
        for k in ("up", "down", "gmt", "matrix", "annotation")
        if library.get(k)
    ]


def reference_sources(wildcards):
    """The reference's own files (table or gene-list files), so edits trigger a rerun."""
    reference = config["reference_signatures"][wildcards.reference]
    return [
        reference[k]
        for k in ("path", "up", "down")
        if isinstance(reference.get(k), str)
    ]


def report_arguments(analyses):
    """NAME=FOLDER per analysis for the report command."""
    return named(analyses, [AnalysisLayout.of(a).root for a in analyses])


def mark_outdated_reports():
    """After a failed run: a report whose inputs (data, sheets, config, intermediate results)
    changed or are gone since it was written gets a banner saying it describes an earlier run,
    so it cannot be read as the answer for the new inputs."""
    from signature_reversal.report import provenance

    raw = [path for _, path in provenance.configured_files(config)]
    raw += [str(f) for f in workflow.config_settings.configfiles]
    reports = {AnalysisLayout.of(a).report: report_inputs([a]) for a in ANALYSES}
    # STUDY_OUTPUTS, SINGLE_CELL_OUTPUTS: defined with the report rules (report.smk)
    reports[COMBINED_REPORT] = (
        report_inputs(ANALYSES) + STUDY_OUTPUTS + SINGLE_CELL_OUTPUTS + list(reports)
    )
    for report, inputs in reports.items():
        if provenance.is_outdated(
            Path(report), inputs + raw
        ) and provenance.mark_outdated(
            Path(report), "see the Snakemake log; fix the problem and rerun"
        ):
            print(f"{report}: marked OUTDATED (the run that would replace it failed)")
