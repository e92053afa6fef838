"""Seeded negative-binomial counts for the R DESeq2 reference (run: python make_counts.py).

3,000 genes × 12 samples (4 control, 4 eczema, 4 nmn); dispersions follow a DESeq2-like trend;
10% of genes change; 20 genes have one group all zero (the Wald test's bounded means).
"""

import numpy as np
import pandas as pd

rng = np.random.default_rng(2024)
n_genes, groups = 3000, np.repeat([0, 1, 2], 4)
base = np.exp(rng.normal(4.0, 2.0, n_genes))
dispersion = 0.04 + 1.0 / base
lfc = np.zeros((3, n_genes))
changed = rng.choice(n_genes, n_genes // 10, replace=False)
lfc[1, changed] = rng.normal(0, 1.5, changed.size)
lfc[2, changed] = lfc[1, changed] * rng.uniform(0, 1, changed.size)
size_factors = np.exp(rng.normal(0, 0.25, groups.size))
mu = size_factors[:, None] * base * 2 ** lfc[groups]
counts = rng.negative_binomial(1 / dispersion, 1 / (1 + mu * dispersion))
silent = rng.choice(np.setdiff1d(np.arange(n_genes), changed), 20, replace=False)
counts[np.ix_(groups == 1, silent)] = 0  # eczema group all zero for these genes
conditions = np.array(["control", "eczema", "nmn"])[groups]
samples = [f"{c}_{i % 4 + 1}" for i, c in enumerate(conditions)]
keep = counts.sum(axis=0) > 0
table = pd.DataFrame(counts[:, keep].T, index=[f"g{i:04d}" for i in np.flatnonzero(keep)])
table.columns = samples
table.index.name = "gene"
table.to_csv("counts.tsv", sep="\t")
pd.DataFrame({"sample": samples, "condition": conditions}).to_csv(
    "samples.tsv", sep="\t", index=False
)
