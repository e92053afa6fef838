"""Did the treatment change which cells are there? Cell-type proportions per sample, tested
between conditions the way propeller does (Phipson et al., Bioinformatics 2022; speckle's
``propeller``): proportions per sample, arcsine-square-root transformed to stabilise their
variance, then per cell type a t-test between two conditions, Benjamini–Hochberg across cell
types. With 3–5 samples per group this is the method built for few samples: it treats the
sample, not the cell, as the replicate (a test on cell counts pooled across samples would call
sample-to-sample variation a composition change). Student's t with the two conditions' pooled
variance here, where propeller moderates that variance across cell types with limma (with 3–8
cell types there is little to borrow); Welch's unpooled test, tried first, had half the degrees
of freedom at 3 + 3 samples and missed a planted halving of T cells.  scCODA (pertpy) models
the counts jointly in a Bayesian way but needs a reference cell type and MCMC; not used."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def proportions(obs: pd.DataFrame, sample: str, cell_type: str) -> pd.DataFrame:
    """Samples × cell types: the share of each sample's cells of each type."""
    counts = pd.crosstab(obs[sample].astype(str), obs[cell_type].astype(str))
    return counts.div(counts.sum(axis=1), axis=0)


def test(
    shares: pd.DataFrame, condition_of: pd.Series, numerator: str, denominator: str, label: str
) -> pd.DataFrame:
    """Per cell type: mean proportions, their ratio and the t-test on asin(√p) between two
    conditions."""
    rows = []
    a = shares.loc[condition_of[condition_of == numerator].index]
    b = shares.loc[condition_of[condition_of == denominator].index]
    for cell_type in shares.columns:
        x, y = np.arcsin(np.sqrt(a[cell_type])), np.arcsin(np.sqrt(b[cell_type]))
        if len(x) >= 2 and len(y) >= 2 and (x.var() + y.var()) > 0:
            p = float(stats.ttest_ind(x, y).pvalue)
        else:
            p = np.nan
        rows.append(
            {
                "comparison": label,
                "cell_type": cell_type,
                f"proportion_{numerator}": float(a[cell_type].mean()),
                f"proportion_{denominator}": float(b[cell_type].mean()),
                "ratio": float(a[cell_type].mean() / b[cell_type].mean())
                if b[cell_type].mean() > 0
                else np.inf,
                "p": p,
            }
        )
    table = pd.DataFrame(rows)
    finite = table["p"].notna()
    table["fdr"] = np.nan
    if finite.any():
        table.loc[finite, "fdr"] = stats.false_discovery_control(table.loc[finite, "p"])
    return table.rename(
        columns={
            f"proportion_{numerator}": "proportion_first",
            f"proportion_{denominator}": "proportion_second",
        }
    )
