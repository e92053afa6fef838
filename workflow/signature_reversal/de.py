"""Differential expression with pydeseq2: fit the model once, test the three role contrasts.

Reference: Love, Huber & Anders, Genome Biol 2014 (DESeq2); Muzellec et al., Bioinformatics
2023 (pydeseq2). Fitting once and testing several contrasts on the same fit is what DESeq2's
``results(dds, contrast=…)`` does too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import anndata as ad
import numpy as np
import pandas as pd
from pydeseq2.dds import DeseqDataSet
from pydeseq2.default_inference import DefaultInference
from pydeseq2.ds import DeseqStats

from .errors import InputError
from .roles import CONTRASTS, Contrast

log = logging.getLogger(__name__)

RESULT_COLUMNS = ("gene", "baseMean", "log2FC", "lfcSE", "stat", "pvalue", "padj")


def low_count_filter(
    adata: ad.AnnData, min_count: int, min_samples: int | None
) -> tuple[ad.AnnData, pd.DataFrame]:
    """Keep genes with ≥ ``min_count`` reads in ≥ ``min_samples`` samples.

    ``min_samples`` defaults to the smallest group size (a gene expressed in one whole group
    is kept). Returns the filtered AnnData and a table of the removed genes with the reason.
    """
    counts = np.asarray(adata.layers["counts"])
    if min_samples is None:
        min_samples = int(adata.obs["role"].value_counts().min())
    enough = (counts >= min_count).sum(axis=0)
    keep = enough >= min_samples
    removed = pd.DataFrame(
        {
            "gene": adata.var_names[~keep],
            "total_count": counts[:, ~keep].sum(axis=0),
            "reason": f"fewer than {min_samples} samples with ≥{min_count} counts",
        }
    )
    log.info(
        "low-count filter: kept %d of %d genes (≥%d counts in ≥%d samples); %d removed",
        keep.sum(),
        adata.n_vars,
        min_count,
        min_samples,
        (~keep).sum(),
    )
    return adata[:, keep].copy(), removed


def check_design(design: str, obs: pd.DataFrame) -> list[str]:
    """Return the design's factors; refuse a design without ``condition`` or unknown columns."""
    terms = [t.strip() for t in design.lstrip("~ ").split("+") if t.strip()]
    if "condition" not in terms:
        raise InputError(
            f"design {design!r} has no 'condition' term",
            source="config 'de.design'",
            fix="use e.g. '~condition' or '~batch + condition'",
        )
    unknown = [t for t in terms if t not in obs.columns]
    if unknown:
        raise InputError(
            f"design term(s) {', '.join(unknown)} are not sample-sheet columns "
            f"({', '.join(c for c in obs.columns if c != 'role')})",
            source="config 'de.design'",
            fix="add the covariate column to the sample sheet or drop it from the design",
        )
    return terms


def fit(adata: ad.AnnData, design: str, threads: int = 1) -> DeseqDataSet:
    """Fit size factors, dispersions and coefficients once for the given design.

    pydeseq2 draws no random numbers, so the fit is deterministic.
    """
    check_design(design, adata.obs)
    obs = adata.obs.drop(columns=["role"]).copy()
    for column in obs.columns:
        obs[column] = obs[column].astype(str)
    data = ad.AnnData(
        X=np.asarray(adata.layers["counts"]).astype(np.int64),
        obs=obs,
        var=pd.DataFrame(index=adata.var_names),
    )
    dds = DeseqDataSet(
        adata=data,
        design=design,
        refit_cooks=True,
        inference=DefaultInference(n_cpus=threads),
        quiet=True,
    )
    dds.deseq2()
    return dds


def test_contrast(
    dds: DeseqDataSet,
    contrast: Contrast,
    conditions: Mapping[str, str],
    alpha: float,
    threads: int = 1,
) -> pd.DataFrame:
    """Wald test of one role contrast; independent filtering and Cook's filtering as in DESeq2."""
    stats = DeseqStats(
        dds,
        contrast=["condition", conditions[contrast.numerator], conditions[contrast.denominator]],
        alpha=alpha,
        independent_filter=True,
        cooks_filter=True,
        inference=DefaultInference(n_cpus=threads),
        quiet=True,
    )
    stats.summary()
    table = stats.results_df.rename(columns={"log2FoldChange": "log2FC"})
    table.index.name = "gene"
    return table.reset_index()[list(RESULT_COLUMNS)]


def run(
    adata: ad.AnnData,
    design: str,
    alpha: float,
    min_count: int,
    min_samples: int | None,
    threads: int = 1,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, np.ndarray]:
    """Filter, fit once, and return per-contrast tables, removed genes and size factors."""
    conditions = adata.uns["conditions"]
    filtered, removed = low_count_filter(adata, min_count, min_samples)
    dds = fit(filtered, design, threads)
    results = {}
    for contrast in CONTRASTS:
        table = test_contrast(dds, contrast, conditions, alpha, threads)
        log.info(
            "%s (%s): %d genes with padj < %g",
            contrast.name,
            contrast.meaning,
            int((table["padj"] < alpha).sum()),
            alpha,
        )
        results[contrast.name] = table
    return results, removed, np.asarray(dds.obs["size_factors"])
