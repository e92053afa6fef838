"""Differential expression with pydeseq2: fit the model once, test the three role contrasts.

Reference: Love, Huber & Anders, Genome Biol 2014 (DESeq2); Muzellec et al., Bioinformatics
2023 (pydeseq2). Fitting once and testing several contrasts on the same fit is what DESeq2's
``results(dds, contrast=…)`` does too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import anndata as ad
import numpy as np
import pandas as pd
from pydeseq2 import dds as pydeseq2_dds
from pydeseq2.dds import DeseqDataSet
from pydeseq2.default_inference import DefaultInference
from pydeseq2.ds import DeseqStats

from ..errors import InputError
from ..inputs.load import other_groups
from ..progress import stage, timed_calls
from ..roles import ROLES, Contrast, contrasts_for, present_roles
from ..settings import DESettings
from . import dispersion_trend, limma
from .vectorized_inference import VectorizedInference

log = logging.getLogger(__name__)

RESULT_COLUMNS = ("gene", "symbol", "baseMean", "log2FC", "lfcSE", "stat", "pvalue", "padj")


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
    # the kept genes' counts only: X (the same counts for count data) is not copied again
    lean = ad.AnnData(obs=adata.obs, var=adata.var, uns=adata.uns, layers={"counts": counts})
    return lean[:, keep].copy(), removed


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


ENGINES = ("vectorized", "pydeseq2")


def inference_for(engine: str, threads: int = 1) -> DefaultInference:
    """The pydeseq2 ``Inference`` behind an engine name (config ``de.engine``)."""
    if engine == "vectorized":
        return VectorizedInference(n_cpus=threads)
    if engine == "pydeseq2":
        return DefaultInference(n_cpus=threads)
    raise InputError(
        f"unknown DE engine {engine!r}",
        source="config 'de.engine'",
        fix=f"use one of {', '.join(ENGINES)}",
    )


class RDeseqDataSet(DeseqDataSet):
    """pydeseq2's data set with R DESeq2's dispersion trend (``dispersion_trend``): the
    vectorized engine's fit then follows R step for step."""

    def fit_dispersion_trend(self, vst: bool = False) -> None:
        if vst:
            super().fit_dispersion_trend(vst)
            return
        non_zero = self.var["non_zero"].to_numpy()
        means = self.var["_normed_means"].to_numpy(float)
        trend = dispersion_trend.fit(
            means[non_zero], self.var["genewise_dispersions"].to_numpy(float)[non_zero]
        )
        if trend.kind == "local":
            log.warning(
                "the dispersion trend is not captured by a + b / mean; a local regression fit "
                "was substituted (as R DESeq2 does with fitType = 'parametric')"
            )
        self.uns["dispersion_trend"] = trend
        self.uns["disp_function_type"] = trend.kind
        if trend.coefficients is not None:
            self.uns["trend_coeffs"] = pd.Series(trend.coefficients, index=["a0", "a1"])
        fitted = np.full(self.n_vars, np.nan)
        fitted[non_zero] = trend(means[non_zero])
        self.var["fitted_dispersions"] = fitted

    def disp_function(self, x):
        if self.uns.get("disp_function_type") == "local":
            return self.uns["dispersion_trend"](np.asarray(x, dtype=float))
        return super().disp_function(x)

    def _refit_without_outliers(self) -> None:
        """pydeseq2 refits outlier genes in a plain ``DeseqDataSet`` that knows only its own
        trend types; a local trend is handed to it through a subclass for that call."""
        if self.uns.get("disp_function_type") != "local":
            super()._refit_without_outliers()
            return
        trend = self.uns["dispersion_trend"]

        class WithLocalTrend(DeseqDataSet):
            def disp_function(self, x):
                return trend(np.asarray(x, dtype=float))

        plain = pydeseq2_dds.DeseqDataSet
        pydeseq2_dds.DeseqDataSet = WithLocalTrend
        try:
            super()._refit_without_outliers()
        finally:
            pydeseq2_dds.DeseqDataSet = plain


def fit(
    adata: ad.AnnData, design: str, threads: int = 1, engine: str = "vectorized"
) -> DeseqDataSet:
    """Fit size factors, dispersions and coefficients once for the given design.

    pydeseq2 draws no random numbers, so the fit is deterministic.
    """
    check_design(design, adata.obs)
    obs = adata.obs.drop(columns=["role"]).copy()
    for column in obs.columns:
        obs[column] = obs[column].astype(str)
    data = ad.AnnData(
        X=np.asarray(adata.layers["counts"]).astype(np.int64, copy=False),
        obs=obs,
        var=pd.DataFrame({"symbol": adata.var["symbol"].to_numpy()}, index=adata.var_names),
    )
    dataset = RDeseqDataSet if engine == "vectorized" else DeseqDataSet
    dds = dataset(
        adata=data,
        design=design,
        refit_cooks=True,
        inference=inference_for(engine, threads),
        quiet=True,
    )
    n_genes = data.n_vars
    del data  # pydeseq2 holds its own copy of the counts
    # DeseqDataSet.deseq2() split into its steps so the log shows where the time goes
    timed_calls(
        [
            (
                "size factors",
                lambda: dds.fit_size_factors(
                    fit_type=dds.size_factors_fit_type, control_genes=dds.control_genes
                ),
            ),
            (f"gene-wise dispersions of {n_genes} genes", dds.fit_genewise_dispersions),
            ("dispersion trend", dds.fit_dispersion_trend),
            ("dispersion prior", dds.fit_dispersion_prior),
            ("MAP dispersions", dds.fit_MAP_dispersions),
            ("log2 fold changes", dds.fit_LFC),
            ("Cook's distances", dds.calculate_cooks),
            ("refit of genes with outlier counts", dds.refit),
            ("outlier mask", dds.cooks_outlier),
        ]
    )
    return dds


def test_contrast(
    dds: DeseqDataSet,
    contrast: Contrast,
    conditions: Mapping[str, str],
    alpha: float,
) -> pd.DataFrame:
    """Wald test of one role contrast; independent filtering and Cook's filtering as in DESeq2."""
    # the vectorized engine finishes as R's results() does; the pydeseq2 engine stays pydeseq2
    tester = RResultsStats if isinstance(dds.inference, VectorizedInference) else DeseqStats
    stats = tester(
        dds,
        contrast=["condition", conditions[contrast.numerator], conditions[contrast.denominator]],
        alpha=alpha,
        independent_filter=True,
        cooks_filter=True,
        inference=dds.inference,
        quiet=True,
    )
    stats.summary()
    table = stats.results_df.rename(columns={"log2FoldChange": "log2FC"})
    table.index.name = "gene"
    table["symbol"] = dds.var["symbol"].reindex(table.index).to_numpy()
    return table.reset_index()[list(RESULT_COLUMNS)]


class RResultsStats(DeseqStats):
    """pydeseq2's Wald tests finished the way R DESeq2's ``results()`` finishes them.

    - Genes whose counts are zero in every sample of both contrasted groups get log2FC 0,
      stat 0 and p 1 (R's ``cleanContrast``); pydeseq2 reports a fold change between two
      fitted near-zero means.
    - Independent filtering chooses the base-mean cutoff where the number of rejections comes
      within one residual SD of its lowess fit; pydeseq2's own lowess differs from R's
      ``lowess`` (which interpolates over points closer than 1% of the range, ``delta``),
      enough to pick another cutoff and change calls near padj = 0.05. statsmodels' lowess is
      R's algorithm (``clowess``).
    - Cook's filtering spares a gene whose outlier count is exceeded by three or more counts
      only in a two-group design (R's heuristic for low-count outliers); pydeseq2 spares such
      genes in every design, which kept a real three-group outlier gene and, through the
      number of tests, moved neighbouring padj values across 0.05.
    """

    def _contrast_all_zero(self) -> np.ndarray:
        factor, numerator, denominator = self.contrast[:3]
        in_contrast = self.dds.obs[factor].isin([numerator, denominator]).to_numpy()
        return ~(np.asarray(self.dds.X)[in_contrast] > 0).any(axis=0)

    def run_wald_test(self) -> None:
        super().run_wald_test()
        zero = self._contrast_all_zero()
        self.p_values[zero] = 1.0
        self.statistics[zero] = 0.0

    def summary(self, **kwargs) -> None:
        super().summary(**kwargs)
        self.results_df.loc[self._contrast_all_zero(), "log2FoldChange"] = 0.0

    def _cooks_filtering(self) -> None:
        if not hasattr(self, "p_values"):
            self.run_wald_test()
        self.p_values[cooks_outliers(self.dds)] = np.nan

    def _independent_filtering(self) -> None:
        from scipy.stats import false_discovery_control
        from statsmodels.nonparametric.smoothers_lowess import lowess

        base_mean = self.base_mean.to_numpy()
        pvalues = self.p_values.to_numpy()
        lower = float(np.mean(base_mean == 0))
        theta = np.linspace(lower, 0.95 if lower < 0.95 else 1.0, 50)
        adjusted = np.full((len(base_mean), len(theta)), np.nan)
        for i, cutoff in enumerate(np.quantile(base_mean, theta)):
            use = (base_mean >= cutoff) & ~np.isnan(pvalues)
            if use.any():
                adjusted[use, i] = false_discovery_control(pvalues[use], method="bh")
        with np.errstate(invalid="ignore"):
            rejections = (adjusted < self.alpha).sum(axis=0)
        fitted = lowess(
            rejections, theta, frac=1 / 5, it=3, delta=0.01 * np.ptp(theta), return_sorted=False
        )
        chosen = 0
        if rejections.max() > 10:
            residual = (rejections - fitted)[rejections > 0]
            threshold = fitted.max() - np.sqrt(np.mean(residual**2))
            above = np.flatnonzero(rejections > threshold)
            chosen = int(above[0]) if above.size else 0
        self.padj = pd.Series(adjusted[:, chosen], index=self.dds.var_names)


def cooks_outliers(dds: DeseqDataSet) -> np.ndarray:
    """R ``results()``'s Cook's outliers: the largest Cook's distance among samples in cells of
    three or more above the 99% quantile of F(p, m − p); in a design with one two-level factor,
    a gene whose outlier count is exceeded by three or more counts is not an outlier."""
    from pydeseq2.utils import n_or_more_replicates
    from scipy.stats import f

    design = dds.obsm["design_matrix"]
    m, p = design.shape
    use = n_or_more_replicates(design, 3).to_numpy()
    if m <= p or not use.any():
        return np.zeros(dds.n_vars, dtype=bool)
    refitted = dds.refit_cooks and dds.var["refitted"].sum() > 0 and "replace_cooks" in dds.layers
    cooks = np.asarray(dds.layers["replace_cooks" if refitted else "cooks"])
    outlier = (cooks[use] > f.ppf(0.99, p, m - p)).max(axis=0)
    variables = [t.strip() for t in str(dds.design).lstrip("~ ").split("+") if t.strip()]
    if outlier.any() and len(variables) == 1 and dds.obs[variables[0]].nunique() == 2:
        counts = np.asarray(dds.X)
        genes = np.flatnonzero(outlier)
        out_count = counts[cooks[:, genes].argmax(axis=0), genes]
        outlier[genes[(counts[:, genes] > out_count).sum(axis=0) >= 3]] = False
    return outlier


@dataclass
class DEResult:
    """One table per contrast, the genes removed before fitting, the size factors, and how
    variable each group is."""

    tables: dict[str, pd.DataFrame]
    filtered_genes: pd.DataFrame
    size_factors: pd.DataFrame  # sample, size_factor
    group_variability: pd.DataFrame
    dispersions: pd.DataFrame  # per gene: base mean and DESeq2's dispersions (empty: limma)


def run(adata: ad.AnnData, settings: DESettings, threads: int = 1) -> DEResult:
    """Filter, fit, and test the three role contrasts.

    Counts go through pydeseq2 — one fit for all contrasts (``de.fit: joint``, DESeq2's default)
    or one fit per contrast on its two groups (``per_contrast``, for a group whose variability
    differs strongly); normalized log expression through the limma-style engine (size factors
    are then all 1: the data are already normalized).
    """
    if adata.uns["kind"] == "normalized":
        # genes with one value everywhere carry no information
        kept, removed = constant_gene_filter(adata)
        # moderated t of each contrast on one linear-model fit
        results = run_limma(kept, settings.design)
        size_factors = np.ones(adata.n_obs)
        variability = group_variability(np.asarray(kept.X, dtype=float), kept.obs)
        dispersions = pd.DataFrame({"gene": kept.var_names}).reindex(columns=DISPERSION_COLUMNS)
    else:
        conditions = adata.uns["conditions"]
        # low-count genes out, listed with the reason
        kept, removed = low_count_filter(adata, settings.min_count, settings.min_samples)
        # size factors, dispersions, coefficients and Cook's refits
        dds = fit(kept, settings.design, threads, settings.engine)
        size_factors = np.asarray(dds.obs["size_factors"])
        variability = group_variability(normalized_log_counts(kept, size_factors), kept.obs)
        dispersions = dispersion_table(dds)
        # a Wald test per contrast, with DESeq2's independent filtering
        results = {}
        for contrast in contrasts_for(present_roles(conditions)):
            if settings.fit == "per_contrast":
                pair = kept[kept.obs["role"].isin([contrast.numerator, contrast.denominator])]
                with stage(f"separate fit of {contrast.name} ({pair.n_obs} samples)"):
                    contrast_fit = fit(pair.copy(), settings.design, threads, settings.engine)
            else:
                contrast_fit = dds
            with stage(f"Wald test {contrast.name}"):
                results[contrast.name] = test_contrast(
                    contrast_fit, contrast, conditions, settings.alpha
                )
    flagged = variability[variability["flagged"]]
    for _, row in flagged.iterrows():
        log.warning(
            "the %s group (%s) varies %.1f× as much as %s group: %s",
            row["role"],
            row["condition"],
            row["relative_variance"],
            "the study's quietest" if other_groups(adata) else "a typical",
            VARIABILITY_ADVICE
            if settings.fit == "joint"
            else "each contrast is fitted on its own groups (de.fit: per_contrast)",
        )
    for contrast in contrasts_for(present_roles(adata.uns["conditions"])):
        table = results[contrast.name]
        log.info(
            "%s (%s): %d genes with padj < %g",
            contrast.name,
            contrast.meaning,
            int((table["padj"] < settings.alpha).sum()),
            settings.alpha,
        )
    return DEResult(
        tables=results,
        filtered_genes=removed,
        size_factors=pd.DataFrame({"sample": adata.obs_names, "size_factor": size_factors}),
        group_variability=variability,
        dispersions=dispersions,
    )


DISPERSION_COLUMNS = ("gene", "base_mean", "genewise", "fitted", "map", "dispersion")


def dispersion_table(dds: DeseqDataSet) -> pd.DataFrame:
    """Per gene: the base mean and DESeq2's gene-wise, fitted (trend), MAP and final
    dispersions — what the reversal step's parametric bootstrap draws its counts with."""
    return pd.DataFrame(
        {
            "gene": dds.var_names,
            "base_mean": dds.var["_normed_means"].to_numpy(),
            "genewise": dds.var["genewise_dispersions"].to_numpy(),
            "fitted": dds.var["fitted_dispersions"].to_numpy(),
            "map": dds.var["MAP_dispersions"].to_numpy(),
            "dispersion": dds.var["dispersions"].to_numpy(),
        }
    )


VARIABILITY_ADVICE = (
    "one joint fit shares each gene's dispersion across groups, which then misstates the "
    "variability of the others; compare with separate fits per contrast (de.fit: per_contrast)"
)
# a group is flagged when its within-group variance is this many times a typical group's
VARIABILITY_RATIO = 2.0


def normalized_log_counts(adata: ad.AnnData, size_factors: np.ndarray) -> np.ndarray:
    """Samples × genes log2(count / size factor + 1)."""
    return np.log2(np.asarray(adata.layers["counts"], dtype=float) / size_factors[:, None] + 1)


def group_variability(log_values: np.ndarray, obs: pd.DataFrame) -> pd.DataFrame:
    """Per group: the median over genes of the within-group variance of log2 expression,
    relative to the typical (median) group, flagged when ≥ 2× or ≤ 1/2.

    Genes in the lowest quarter of mean expression are left out: their log variance is
    dominated by counting noise. (DESeq2's FAQ: when one group's variability differs strongly,
    fit that contrast's groups on their own.)
    """
    mean = log_values.mean(axis=0)
    expressed = mean >= np.quantile(mean, 0.25)
    roles = obs["role"].astype(str).to_numpy()
    rows = []
    others = [r for r in dict.fromkeys(roles) if r not in ROLES]  # a multi-arm study's others
    for role in [r for r in ROLES if (roles == r).any()] + others:
        members = roles == role
        variance = log_values[members][:, expressed].var(axis=0, ddof=1)
        rows.append(
            {
                "role": role,
                "condition": str(obs["condition"].astype(str)[members].iloc[0]),
                "samples": int(members.sum()),
                "median_variance": float(np.median(variance)),
            }
        )
    table = pd.DataFrame(rows)
    variances = table["median_variance"]
    # a typical group: the median of three; of two, the quieter one; in a multi-arm study (the
    # other arms' groups in the model) the quietest: groups of another time point that vary
    # half as much would otherwise pass, and pooled dispersions misstate every arm's variability
    # (GSE248978: day-7 groups 2.3× as variable as day 14's gave 3,049 day-7 genes at padj <
    # 0.05 in one fit, against 39 in the day's own fit; R's DESeq2 gives the same)
    multi_arm = len(others) > 0
    typical = float(np.median(variances) if len(table) > 2 and not multi_arm else variances.min())
    table["relative_variance"] = variances / max(typical, 1e-12)
    table["flagged"] = (table["relative_variance"] >= VARIABILITY_RATIO) | (
        table["relative_variance"] <= 1 / VARIABILITY_RATIO
    )
    return table


def constant_gene_filter(adata: ad.AnnData) -> tuple[ad.AnnData, pd.DataFrame]:
    """Genes with the same value in every sample carry no information; list and drop them."""
    values = np.asarray(adata.X, dtype=float)
    constant = np.ptp(values, axis=0) == 0
    removed = pd.DataFrame(
        {
            "gene": adata.var_names[constant],
            "total_count": np.nan,
            "reason": "same value in every sample",
        }
    )
    log.info("constant-gene filter: %d of %d genes removed", constant.sum(), adata.n_vars)
    return adata[:, ~constant].copy(), removed


def design_matrix(
    obs: pd.DataFrame, design: str, conditions: dict[str, str], others: Sequence[str] = ()
) -> pd.DataFrame:
    """Cell-means design for condition plus treatment-coded covariates, as limma users write
    ``model.matrix(~0 + condition + batch)``; ``others``: a multi-arm study's other groups."""
    terms = check_design(design, obs)
    covariates = [t for t in terms if t != "condition"]
    levels = [conditions[r] for r in present_roles(conditions)] + list(others)
    columns = {
        f"condition[{lv}]": (obs["condition"].astype(str) == lv).astype(float) for lv in levels
    }
    for covariate in covariates:
        values = obs[covariate].astype(str)
        for level in sorted(values.unique())[1:]:
            columns[f"{covariate}[{level}]"] = (values == level).astype(float)
    return pd.DataFrame(columns, index=obs.index)


def run_limma(adata: ad.AnnData, design: str) -> dict[str, pd.DataFrame]:
    """Moderated t-tests of the role contrasts on log expression."""
    conditions = adata.uns["conditions"]
    matrix = design_matrix(adata.obs, design, conditions, other_groups(adata))
    try:
        fitted = limma.fit_linear(np.asarray(adata.X, dtype=float).T, matrix.to_numpy())
    except ValueError as err:
        raise InputError(
            str(err),
            source="config 'de.design'",
            fix="drop covariates that are confounded with condition",
        ) from err
    vectors = {}
    for contrast in contrasts_for(present_roles(conditions)):
        vector = np.zeros(matrix.shape[1])
        vector[matrix.columns.get_loc(f"condition[{conditions[contrast.numerator]}]")] = 1
        vector[matrix.columns.get_loc(f"condition[{conditions[contrast.denominator]}]")] = -1
        vectors[contrast.name] = vector
    results = {}
    for name, table in limma.moderated_tests(fitted, vectors).items():
        results[name] = pd.DataFrame(
            {
                "gene": adata.var_names,
                "symbol": adata.var["symbol"].to_numpy(),
                "baseMean": table["AveExpr"],
                "log2FC": table["logFC"],
                "lfcSE": table["lfcSE"],
                "stat": table["t"],
                "pvalue": table["P.Value"],
                "padj": table["adj.P.Val"],
            }
        )[list(RESULT_COLUMNS)]
    return results
