"""A per-gene linear model on log2 expression: the fast engine of the nulls and the set tests.

Refitting DESeq2 for every null draw would take hours, so the nulls, the gene-set tests and the
per-sample pathway scores use ordinary least squares on log2 normalized counts (or on the given
log expression) with the same design as the DE step: one mean per role plus the sample-sheet
covariates. Residual variances are moderated as limma does (Smyth 2004), so a gene with three
replicates per group still gets a usable standard error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..de import limma
from ..roles import ROLES

log = logging.getLogger("signature_reversal")


def design_terms(formula: str) -> list[str]:
    """The terms of a design formula such as ``~batch + condition``."""
    return [term.strip() for term in formula.lstrip("~ ").split("+") if term.strip()]


def log_normalized(counts: np.ndarray, size_factors: np.ndarray) -> np.ndarray:
    """log2(count / size factor + 1), genes × samples; counts given samples × genes."""
    return np.log2(counts / size_factors[:, None] + 1.0).T


def log_expression(adata, size_factors: np.ndarray) -> np.ndarray:
    """Genes × samples log2 expression: normalized counts, or X as is for normalized data."""
    if "counts" in adata.layers:
        return log_normalized(np.asarray(adata.layers["counts"], dtype=float), size_factors)
    return np.asarray(adata.X, dtype=float).T


@dataclass(frozen=True)
class Design:
    """Design matrix (one column per role present, then covariate dummies) and the role
    contrasts. Two-arm studies (no control) have disease and treatment columns only."""

    matrix: np.ndarray
    roles: np.ndarray
    present: tuple[str, ...]

    @classmethod
    def from_samples(cls, roles: np.ndarray, covariates: pd.DataFrame | None = None) -> Design:
        """Role means plus treatment-coded covariates (as limma's ``~0 + condition + batch``).
        A multi-arm study's other groups (roles ``other:<label>``) get a mean of their own
        after the three roles: they share the model, not the contrasts."""
        roles = np.asarray(roles)
        others = [r for r in dict.fromkeys(roles.tolist()) if r not in ROLES]
        present = tuple(role for role in ROLES if (roles == role).any()) + tuple(others)
        columns = [(roles == role).astype(float) for role in present]
        if covariates is not None:
            for name in covariates.columns:
                values = covariates[name].astype(str).to_numpy()
                columns += [(values == level).astype(float) for level in sorted(set(values))[1:]]
        matrix = np.column_stack(columns)
        if np.linalg.matrix_rank(matrix) < matrix.shape[1]:
            raise ValueError("design matrix is not of full rank: a covariate is confounded")
        return cls(matrix=matrix, roles=roles, present=present)

    @classmethod
    def from_formula(cls, obs: pd.DataFrame, formula: str) -> Design:
        """Role means (``obs['role']``) plus the covariates of a DE design formula. A
        covariate confounded with the roles cannot enter the model: it is left out with a
        warning (DE would have refused the design before this is reached)."""
        roles = obs["role"].astype(str).to_numpy()
        covariates = [c for c in design_terms(formula) if c != "condition"]
        try:
            return cls.from_samples(roles, obs[covariates] if covariates else None)
        except ValueError as err:
            log.warning("%s; the nulls and set tests use role means only", err)
            return cls.from_samples(roles)

    @property
    def n_roles(self) -> int:
        return len(self.present)

    @property
    def has_control(self) -> bool:
        return "control" in self.present

    @property
    def unscaled(self) -> np.ndarray:
        """(X'X)⁻¹: the covariance of the coefficients in units of the residual variance."""
        return np.linalg.inv(self.matrix.T @ self.matrix)

    @property
    def df_residual(self) -> int:
        return self.matrix.shape[0] - self.matrix.shape[1]

    def contrast(self, numerator: str, denominator: str) -> np.ndarray:
        vector = np.zeros(self.matrix.shape[1])
        vector[self.present.index(numerator)] = 1.0
        vector[self.present.index(denominator)] = -1.0
        return vector

    @property
    def disease(self) -> np.ndarray:
        """Disease vs control contrast (D)."""
        return self.contrast("disease", "control")

    @property
    def treatment(self) -> np.ndarray:
        """Treatment vs disease contrast (T)."""
        return self.contrast("treatment", "disease")

    @property
    def covariates(self) -> np.ndarray:
        """The covariate columns (after the role columns)."""
        return self.matrix[:, self.n_roles :]

    def variance_factor(self, a: np.ndarray, b: np.ndarray) -> float:
        """Cov(a'β̂, b'β̂) / σ²."""
        return float(a @ self.unscaled @ b)

    def role_columns(self, role: str) -> np.ndarray:
        return np.flatnonzero(self.roles == role)


@dataclass
class Fit:
    """Per gene: D and T estimates, their standard errors and moderated t statistics."""

    d: np.ndarray
    t: np.ndarray
    se_d: np.ndarray
    se_t: np.ndarray
    sigma2: np.ndarray  # moderated residual variance
    df: float  # degrees of freedom of the moderated variance

    @property
    def stat_d(self) -> np.ndarray:
        return np.divide(self.d, self.se_d, out=np.zeros_like(self.d), where=self.se_d > 0)

    @property
    def stat_t(self) -> np.ndarray:
        return np.divide(self.t, self.se_t, out=np.zeros_like(self.t), where=self.se_t > 0)


@dataclass(frozen=True)
class VariancePrior:
    """limma's prior on gene-wise residual variances (degrees of freedom d0, scale s0²)."""

    df: float
    scale: float

    @classmethod
    def fit(cls, sigma2: np.ndarray, df_residual: int) -> VariancePrior:
        d0, s0_sq = limma.fit_prior(sigma2, df_residual)
        return cls(df=d0, scale=s0_sq)

    def moderate(self, sigma2: np.ndarray, df_residual: int) -> tuple[np.ndarray, float]:
        if not np.isfinite(self.df):
            return np.full_like(sigma2, self.scale), np.inf
        total = self.df + df_residual
        return (self.df * self.scale + df_residual * sigma2) / total, total


BLOCK_CELLS = 1 << 19  # genes × samples per block: 4 MB of float64, in cache


def gene_blocks(genes: int, samples: int) -> list[slice]:
    """Row blocks of a genes × samples array of about ``BLOCK_CELLS`` each: per-gene work on a
    1,000-sample dataset (160 MB per array) done block by block keeps its temporaries in cache
    and out of memory, and gives each gene the same values as on the whole array."""
    rows = max(1, BLOCK_CELLS // max(samples, 1))
    return [slice(start, min(start + rows, genes)) for start in range(0, genes, rows)]


def least_squares(expression: np.ndarray, design: Design) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (genes × columns) and residual sums of squares of every gene (rows)."""
    coefficients, blocks = _residual_blocks(expression, design.matrix, design.unscaled)
    rss = np.empty(len(expression))
    for rows, residuals in blocks:
        rss[rows] = (residuals**2).sum(axis=1)
    return coefficients, rss


def mean_squares_by_role(expression: np.ndarray, design: Design) -> dict[str, np.ndarray]:
    """Per role: each gene's mean squared residual over that role's samples (genes), computed
    in blocks rather than from a genes × samples array of residuals."""
    _, blocks = _residual_blocks(expression, design.matrix, design.unscaled)
    out = {role: np.empty(len(expression)) for role in np.unique(design.roles)}
    for rows, residuals in blocks:
        for role, values in out.items():
            values[rows] = (residuals[:, design.roles == role] ** 2).mean(axis=1)
    return out


def _residual_blocks(
    expression: np.ndarray, matrix: np.ndarray, unscaled: np.ndarray
) -> tuple[np.ndarray, Iterator[tuple[slice, np.ndarray]]]:
    """Least-squares coefficients of every gene on ``matrix`` (``unscaled`` = (X'X)⁻¹) and
    its residuals block by block (``gene_blocks``), never as one genes × samples array."""
    coefficients = expression @ matrix @ unscaled
    blocks = (
        (rows, expression[rows] - coefficients[rows] @ matrix.T)
        for rows in gene_blocks(*expression.shape)
    )
    return coefficients, blocks


def fit(expression: np.ndarray, design: Design, prior: VariancePrior | None = None) -> Fit:
    """Least squares of every gene (rows) on the design; ``prior`` given = reuse it (nulls)."""
    return fit_from(*least_squares(expression, design), design, prior)


def fit_from(
    coefficients: np.ndarray,
    rss: np.ndarray,
    design: Design,
    prior: VariancePrior | None = None,
) -> Fit:
    """The contrasts, moderated variances and standard errors of a least-squares fit (the
    null draws compute coefficients and residual sums of squares in batches, ``nulls``)."""
    df = design.df_residual
    sigma2 = rss / df
    prior = prior or VariancePrior.fit(sigma2, df)
    moderated, df_total = prior.moderate(sigma2, df)
    t = coefficients @ design.treatment
    se_t = np.sqrt(moderated * design.variance_factor(design.treatment, design.treatment))
    if design.has_control:
        d = coefficients @ design.disease
        se_d = np.sqrt(moderated * design.variance_factor(design.disease, design.disease))
    else:  # a two-arm study has no disease contrast of its own
        d = se_d = np.full(len(t), np.nan)
    return Fit(d=d, t=t, se_d=se_d, se_t=se_t, sigma2=moderated, df=df_total)


def residuals(expression: np.ndarray, design: Design) -> np.ndarray:
    """Residuals of every gene (rows) around its fitted role means and covariates."""
    x = design.matrix
    return expression - expression @ x @ design.unscaled @ x.T


def residual_variance(scores: np.ndarray, design: Design) -> np.ndarray:
    """Residual variance of each row of ``scores`` (e.g. per-sample set scores), df n − p."""
    x = design.matrix
    fitted = scores @ x @ design.unscaled @ x.T
    return ((scores - fitted) ** 2).sum(axis=-1) / design.df_residual


def contrasts_of(scores: np.ndarray, design: Design) -> tuple[np.ndarray, np.ndarray]:
    """D and T of each row of ``scores`` (D is NaN in a two-arm study)."""
    coefficients = scores @ design.matrix @ design.unscaled
    t = coefficients @ design.treatment
    d = coefficients @ design.disease if design.has_control else np.full(t.shape, np.nan)
    return d, t


@dataclass
class PooledFit:
    """The model in which disease and treatment samples are one group: its disease effect
    (pooled disease+treatment vs control), standard errors and variance prior. Rotating or
    relabelling the disease and treatment samples leaves all of it unchanged."""

    d: np.ndarray
    se_d: np.ndarray
    variance_prior: VariancePrior


def pooled_fit(expression: np.ndarray, design: Design) -> PooledFit:
    """Fit of the null model (disease and treatment merged, covariates kept)."""
    # the role columns in order, disease and treatment merged where disease was
    index = {role: i for i, role in enumerate(design.present)}
    columns = [
        design.matrix[:, i] + design.matrix[:, index["treatment"]]
        if role == "disease"
        else design.matrix[:, i]
        for role, i in index.items()
        if role != "treatment"
    ]
    names = [role for role in design.present if role != "treatment"]
    merged = np.column_stack([*columns, design.covariates])
    unscaled = np.linalg.inv(merged.T @ merged)
    coefficients, blocks = _residual_blocks(expression, merged, unscaled)
    df = merged.shape[0] - merged.shape[1]
    sigma2 = np.empty(len(expression))
    for rows, residuals in blocks:
        sigma2[rows] = (residuals**2).sum(axis=1) / df
    prior = VariancePrior.fit(sigma2, df)
    moderated, _ = prior.moderate(sigma2, df)
    contrast = np.zeros(merged.shape[1])
    contrast[names.index("disease")] = 1.0  # (disease + treatment) vs control
    if design.has_control:
        contrast[names.index("control")] = -1.0
    d = coefficients @ contrast
    se_d = np.sqrt(moderated * float(contrast @ unscaled @ contrast))
    return PooledFit(d=d, se_d=se_d, variance_prior=prior)


@dataclass
class GroupVariances:
    """Per row (e.g. gene-set scores): variances and covariance of two contrasts when each
    role group has its own residual variance, with Satterthwaite degrees of freedom."""

    var_a: np.ndarray
    var_b: np.ndarray
    cov_ab: np.ndarray
    df_a: np.ndarray
    df_b: np.ndarray


def group_variances(
    values: np.ndarray,
    design: Design,
    a: np.ndarray,
    b: np.ndarray,
    moderate: Callable[[np.ndarray, np.ndarray, float], tuple[np.ndarray, float]] | None = None,
) -> GroupVariances:
    """Contrast variances with one residual variance per role group (rows of ``values``).

    A pooled residual variance assumes the groups vary alike; set scores of disease genes do
    not (a disease group's lower counts are noisier on the log scale), and at 3 replicates the
    pooled t then gives small p-values about twice as often as it should (0.01 level: 2.2% of
    null set tests on the project's simulator), which Benjamini–Hochberg passes on as false
    calls. Each sample's squared residual is scaled by 1/(1 − leverage) (HC2; exactly the
    group's unbiased variance for a role-means design), averaged within its group, and the
    contrasts' sandwich variances get Satterthwaite's degrees of freedom (Welch's test when
    there are no covariates). ``moderate`` (a group's samples, its variances across rows and
    their degrees of freedom → moderated variances and theirs) borrows strength across rows
    before the contrasts are formed (``set_verdicts``: across the gene sets of a family)."""
    variance, group_df, groups = group_residual_variances(values, design)
    if moderate is not None:
        for members in groups:
            if len(members) > 1:
                moderated, df = moderate(
                    members, variance[:, members[0]], float(group_df[members[0]])
                )
                variance[:, members] = moderated[:, None]
                group_df[members] = df
    x = design.matrix
    weights_a = x @ design.unscaled @ a  # per sample: its weight in the contrast
    weights_b = x @ design.unscaled @ b
    var_a = variance @ weights_a**2
    var_b = variance @ weights_b**2
    cov_ab = variance @ (weights_a * weights_b)
    return GroupVariances(
        var_a,
        var_b,
        cov_ab,
        _satterthwaite(variance, weights_a, groups, group_df),
        _satterthwaite(variance, weights_b, groups, group_df),
    )


def group_residual_variances(
    values: np.ndarray, design: Design
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Per row and sample, the residual variance of the sample's role group (HC2), each
    sample's degrees of freedom for it, and the groups' sample indices."""
    x = design.matrix
    leverage = np.einsum("ij,jk,ik->i", x, design.unscaled, x)
    residual = residuals(values, design)
    scaled = residual**2 / np.maximum(1.0 - leverage, 1e-12)
    roles = design.roles
    groups = [np.flatnonzero(roles == role) for role in design.present]
    pooled = (residual**2).sum(axis=1, keepdims=True) / design.df_residual
    variance = np.empty_like(values)
    group_df = np.empty(len(roles))
    # covariates (a batch, patients of a paired design) use up residual degrees of freedom
    # that the groups share: each group keeps its share of those left, not n_g − 1
    share = design.df_residual / (len(roles) - design.n_roles)
    for members in groups:
        if len(members) > 1:
            variance[:, members] = scaled[:, members].mean(axis=1, keepdims=True)
            group_df[members] = (len(members) - 1) * share
        else:  # one sample: its group's variance cannot be estimated, take the pooled one
            variance[:, members] = pooled
            group_df[members] = design.df_residual
    return variance, group_df, groups


def _satterthwaite(
    variance: np.ndarray, weights: np.ndarray, groups: list[np.ndarray], group_df: np.ndarray
) -> np.ndarray:
    parts = [variance[:, members[0]] * float(np.sum(weights[members] ** 2)) for members in groups]
    total = np.sum(parts, axis=0)
    spread = np.sum([p**2 / group_df[m[0]] for p, m in zip(parts, groups, strict=True)], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(spread > 0, total**2 / spread, float(np.max(group_df)))
