"""Where every output of an analysis lives: the one place that names each file.

The Snakemake rules declare these paths, the command line writes them and the report reads
them, so a rule's declared files and the files a stage reads or writes cannot drift apart.
This module imports nothing but the standard library, so the workflow can use it while the DAG
is built, before any conda environment exists.

A layout is built on a root such as ``results/example``, or on the pattern
``results/{analysis}`` to give Snakemake wildcard patterns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .roles import CONTRAST_NAMES

RESULTS = "results"
LOGS = "logs"

QC_FIGURES = ("library_sizes", "pca", "correlation")
REVERSAL_FIGURES = (
    "reversal_scatter",
    "gene_set_restoration",
    "nes_pairs",
    "pathway_scores",
    "genes_of_interest",
    "gsea_running_scores",
    "disease_gene_heatmap",
)
# the contrasts the reversal step reads GSEA of; the residual one can run alongside it
REVERSAL_GSEA_CONTRASTS = ("disease_vs_control", "treatment_vs_disease")


@dataclass(frozen=True)
class AnalysisLayout:
    """Every file of one analysis under ``root``."""

    root: str

    @classmethod
    def of(cls, analysis: str) -> AnalysisLayout:
        """The layout of analysis ``analysis`` (``"{analysis}"`` gives wildcard patterns)."""
        return cls(f"{RESULTS}/{analysis}")

    def _path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    # --- load and gene sets ---
    @property
    def dataset(self) -> str:
        return self._path("data", "dataset.h5ad")

    def gene_set_collection(self, collection: str) -> str:
        return self._path("gene_sets", f"{collection}.gmt")

    @property
    def gene_set_coverage(self) -> str:
        return self._path("gene_sets", "coverage.tsv")

    # --- QC ---
    @property
    def sample_metrics(self) -> str:
        return self._path("qc", "sample_metrics.tsv")

    @property
    def pca_scores(self) -> str:
        return self._path("qc", "pca.tsv")

    @property
    def sample_correlation(self) -> str:
        return self._path("qc", "correlation.tsv")

    def qc_figure(self, name: str) -> str:
        return self._path("qc", f"{name}.png")

    # --- differential expression ---
    def de_table(self, contrast: str) -> str:
        return self._path("de", f"{contrast}.tsv")

    def volcano(self, contrast: str) -> str:
        return self._path("de", f"{contrast}.volcano.png")

    @property
    def filtered_genes(self) -> str:
        return self._path("de", "filtered_genes.tsv")

    @property
    def size_factors(self) -> str:
        return self._path("de", "size_factors.tsv")

    @property
    def group_variability(self) -> str:
        return self._path("de", "group_variability.tsv")

    @property
    def dispersions(self) -> str:
        return self._path("de", "dispersions.tsv")

    # --- enrichment ---
    def gsea_table(self, contrast: str) -> str:
        return self._path("enrichment", f"{contrast}.tsv")

    def ora_table(self, contrast: str) -> str:
        return self._path("enrichment", f"{contrast}.ora.tsv")

    @property
    def gsea_dotplot(self) -> str:
        return self._path("enrichment", "gsea_dotplot.png")

    # --- reversal ---
    @property
    def gene_reversal(self) -> str:
        return self._path("reversal", "gene_reversal.tsv")

    @property
    def gene_set_reversal(self) -> str:
        return self._path("reversal", "gene_set_reversal.tsv")

    @property
    def reversal_summary(self) -> str:
        return self._path("reversal", "reversal_summary.json")

    @property
    def pathway_scores(self) -> str:
        return self._path("reversal", "pathway_scores.tsv")

    @property
    def genes_of_interest(self) -> str:
        return self._path("reversal", "genes_of_interest.tsv")

    def reversal_figure(self, name: str) -> str:
        return self._path("reversal", f"{name}.png")

    # --- reference signatures ---
    def reference_file(self, reference: str, name: str) -> str:
        """A file of the comparison with reference signature ``reference``."""
        return self._path("reference", reference, name)

    def reference_genes(self, reference: str) -> str:
        return self.reference_file(reference, "gene_reversal.tsv")

    def reference_sets(self, reference: str) -> str:
        return self.reference_file(reference, "gene_set_reversal.tsv")

    def reference_summary(self, reference: str) -> str:
        return self.reference_file(reference, "summary.json")

    def reference_mapping(self, reference: str) -> str:
        return self.reference_file(reference, "mapping.tsv")

    def reference_scatter(self, reference: str) -> str:
        return self.reference_file(reference, "reversal_scatter.png")

    # --- drug libraries ---
    def drug_file(self, library: str, name: str) -> str:
        """A file of the queries against drug library ``library``."""
        return self._path("drugs", library, name)

    def drug_outputs(self, library: str) -> dict[str, str]:
        """Every file the drug queries write, by the CLI's option name."""
        return {
            "signatures": self.drug_file(library, "signatures.tsv"),
            "compounds": self.drug_file(library, "compounds.tsv"),
            "mechanisms": self.drug_file(library, "mechanisms.tsv"),
            "summary": self.drug_file(library, "summary.json"),
            "figure": self.drug_file(library, "connectivity.png"),
        }

    # --- report and run records ---
    @property
    def report(self) -> str:
        return self._path("report.html")

    def report_inputs(
        self,
        contrasts: Sequence[str] = CONTRAST_NAMES,
        own_signature: bool = True,
        references: Sequence[str] = (),
        drug_libraries: Sequence[str] = (),
    ) -> list[str]:
        """Every file the report reads for this analysis: its contrasts, its own reversal
        (three-arm studies) and the comparison with each reference signature."""
        files = [
            self.sample_metrics,
            *(self.qc_figure(name) for name in QC_FIGURES),
            *(self.de_table(c) for c in contrasts),
            *(self.volcano(c) for c in contrasts),
            self.group_variability,
            *(self.gsea_table(c) for c in contrasts),
            *(self.ora_table(c) for c in contrasts),
            self.gsea_dotplot,
            self.gene_set_coverage,
        ]
        if own_signature:
            files += [
                self.genes_of_interest,
                *(self.reversal_figure(name) for name in REVERSAL_FIGURES),
                self.reversal_summary,
                self.gene_set_reversal,
                self.gene_reversal,
            ]
        for reference in references:
            files += [
                self.reference_genes(reference),
                self.reference_sets(reference),
                self.reference_summary(reference),
                self.reference_mapping(reference),
                self.reference_scatter(reference),
            ]
        for library in drug_libraries:
            files += list(self.drug_outputs(library).values())
        return files


REFERENCE_DRUGS = "reference_drugs"


def reference_drug_outputs(reference: str, library: str) -> dict[str, str]:
    """The disease query of a published signature against a drug library: run once, shown in
    every analysis judged against that reference."""
    root = f"{RESULTS}/{REFERENCE_DRUGS}/{reference}/{library}"
    return {
        "signatures": f"{root}/signatures.tsv",
        "compounds": f"{root}/compounds.tsv",
        "summary": f"{root}/summary.json",
    }


STUDY_FOLDER = "head_to_head"


@dataclass(frozen=True)
class StudyLayout:
    """The files of a multi-arm study's comparison of its arms (``results/<study>/head_to_head``;
    each arm's own analysis is ``results/<study>.<arm>``)."""

    root: str

    @classmethod
    def of(cls, study: str) -> StudyLayout:
        return cls(f"{RESULTS}/{study}/{STUDY_FOLDER}")

    def _path(self, name: str) -> str:
        return f"{self.root}/{name}"

    @property
    def comparisons(self) -> str:
        return self._path("comparisons.tsv")

    @property
    def gene_sets(self) -> str:
        return self._path("gene_set_differences.tsv")

    @property
    def ranking(self) -> str:
        return self._path("ranking.tsv")

    @property
    def summary(self) -> str:
        return self._path("summary.json")

    @property
    def forest(self) -> str:
        return self._path("forest.png")

    @property
    def outputs(self) -> list[str]:
        return [self.comparisons, self.gene_sets, self.ranking, self.summary, self.forest]


@dataclass(frozen=True)
class SingleCellLayout:
    """The cell-level files of a single-cell dataset (``results/<dataset>/single_cell``)."""

    root: str

    @classmethod
    def of(cls, dataset: str) -> SingleCellLayout:
        return cls(f"{RESULTS}/{dataset}/single_cell")

    def _path(self, name: str) -> str:
        return f"{self.root}/{name}"

    @property
    def cells(self) -> str:
        return self._path("cells.h5ad")

    @property
    def cell_qc(self) -> str:
        return self._path("cell_qc.tsv")

    @property
    def composition(self) -> str:
        return self._path("composition.tsv")

    @property
    def score_means(self) -> str:
        return self._path("score_means.tsv")

    @property
    def cell_types(self) -> str:
        return self._path("cell_types.tsv")

    @property
    def summary(self) -> str:
        return self._path("summary.json")

    @property
    def umap(self) -> str:
        return self._path("umap.png")

    @property
    def violins(self) -> str:
        return self._path("score_violins.png")

    @property
    def proportions(self) -> str:
        return self._path("composition.png")

    @property
    def forest(self) -> str:
        return self._path("cell_type_forest.png")

    @property
    def outputs(self) -> list[str]:
        return [
            self.cells,
            self.cell_qc,
            self.composition,
            self.score_means,
            self.cell_types,
            self.summary,
            self.umap,
            self.violins,
            self.proportions,
            self.forest,
        ]


def log_file(analysis: str, step: str) -> str:
    """The log of one step of one analysis (``logs/<analysis>/<step>.log``)."""
    return f"{LOGS}/{analysis}/{step}.log"


def benchmark_file(analysis: str, step: str) -> str:
    """Time and memory of one step (``logs/<analysis>/benchmarks/<step>.tsv``): beside the logs,
    so that a failed run leaves nothing under results/."""
    return f"{LOGS}/{analysis}/benchmarks/{step}.tsv"


COMBINED_REPORT = f"{RESULTS}/report.html"
# figures the reports have embedded, by checksum: the combined report reuses the analyses'
FIGURE_CACHE = f"{RESULTS}/.report_figures"
COMBINED_REPORT_LOG = f"{LOGS}/report.log"
COMBINED_REPORT_BENCHMARK = f"{LOGS}/benchmarks/combined_report.tsv"
