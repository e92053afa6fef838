"""pydeseq2's per-gene inner loops, vectorized across genes.

pydeseq2 runs the DESeq2 method faithfully but solves one small problem per gene (a 1-D
dispersion optimisation, a 3-coefficient IRLS, a Wald test) through joblib; on 20,000 genes that
is most of its run time. pydeseq2 lets a caller swap these routines through its ``Inference``
interface, so everything else (size factors, dispersion trend and prior, Cook's distances and
refits, independent filtering, BH) stays pydeseq2's own. Here the same equations are solved for
all genes at once with batched numpy linear algebra:

- ``lin_reg_mu``: one least-squares solve for every gene;
- ``irls``: IRLS iterations on a (genes × p × p) batch, genes frozen as they converge; genes
  that diverge fall back to pydeseq2's own solver (its L-BFGS-B and grid fallbacks);
- ``alpha_mle``: gene-wise and MAP dispersions by R DESeq2's own line search, start and
  fall-backs (``deseq2_dispersion``), so dispersions, and with them standard errors and calls,
  are R's rather than those of a more exact optimiser;
- ``wald_test``: batched covariance and Wald statistics.

Agreement with pydeseq2's own inference is measured by ``benchmarks/bench.py de`` and tested.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np
from pydeseq2 import utils
from pydeseq2.default_inference import DefaultInference
from scipy.special import gammaln
from scipy.stats import norm

from . import deseq2_dispersion

# nbinomWaldTest's minmu in R DESeq2
WALD_MIN_MU = 0.5
# fitNbinomGLMs' ridge: lambda = 1e-6 on the log2 scale, lambda / log(2)^2 on the natural-log
# scale of the coefficients (pydeseq2 uses 1e-6 on the natural-log scale)
RIDGE = 1e-6 / np.log(2) ** 2
# below this many genes per thread, splitting the dispersion fits costs more than it saves
MIN_GENES_PER_THREAD = 2000
# samples × genes per block: each block's temporaries (a dozen arrays of this size in the
# likelihood) stay ~16 MB each, so 1,000 samples × 20,000 genes fit in 10 blocks, not 2 GB
MAX_BLOCK_CELLS = 2_000_000


def _gram(design: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """X' diag(w_g) X for every gene g: (genes, p, p) from design (n, p) and weights (n, genes)."""
    return np.einsum("ni,ng,nj->gij", design, weights, design, optimize=True)


def _nb_nll(counts: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Negative binomial negative log-likelihood per gene (column), as pydeseq2's ``nb_nll``."""
    return _nb_nll_alpha_terms(counts, mu, alpha) + (
        gammaln(counts + 1.0) - counts * np.log(mu)
    ).sum(axis=0)


def _nb_nll_alpha_terms(counts: np.ndarray, mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The part of :func:`_nb_nll` that depends on the dispersion: enough to minimise over it,
    with one (samples × genes) ``gammaln`` per evaluation instead of three."""
    n = counts.shape[0]
    inverse = 1.0 / alpha
    return (
        n * (inverse * np.log(alpha) + gammaln(inverse))
        - gammaln(counts + inverse).sum(axis=0)
        + ((counts + inverse) * np.log(mu + inverse)).sum(axis=0)
    )


class VectorizedInference(DefaultInference):
    """Drop-in ``Inference`` for pydeseq2 whose gene-wise routines run on all genes at once."""

    def __init__(self, n_cpus: int = 1):
        super().__init__(n_cpus=n_cpus)
        self._genewise: tuple[tuple, np.ndarray] = ((), np.empty(0))

    def lin_reg_mu(
        self,
        counts: np.ndarray,
        size_factors: np.ndarray,
        design_matrix: np.ndarray,
        min_mu: float,
    ) -> np.ndarray:
        normalized = counts / size_factors[:, None]
        coefficients, *_ = np.linalg.lstsq(design_matrix, normalized, rcond=None)
        return np.maximum(size_factors[:, None] * (design_matrix @ coefficients), min_mu)

    def irls(
        self,
        counts: np.ndarray,
        size_factors: np.ndarray,
        design_matrix: np.ndarray,
        disp: np.ndarray,
        min_mu: float,
        beta_tol: float,
        min_beta: float = -30,
        max_beta: float = 30,
        optimizer: Literal["BFGS", "L-BFGS-B"] = "L-BFGS-B",
        maxiter: int = 250,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """IRLS of every gene, in blocks of genes on the threads: each gene iterates until its
        own deviance settles, so blocks give the estimates of one call (tested)."""
        settings = (min_mu, beta_tol, min_beta, max_beta, optimizer, maxiter)
        parts = self._on_gene_blocks(
            lambda g: _irls(counts[:, g], size_factors, design_matrix, disp[g], *settings),
            counts.shape,
        )
        beta, mu, leverage, converged = zip(*parts, strict=True)
        return (
            np.concatenate(beta),
            np.concatenate(mu, axis=1),
            np.concatenate(leverage, axis=1),
            np.concatenate(converged),
        )

    def alpha_mle(
        self,
        counts: np.ndarray,
        design_matrix: np.ndarray,
        mu: np.ndarray,
        alpha_hat: np.ndarray,
        min_disp: float,
        max_disp: float,
        prior_disp_var: float | None = None,
        cr_reg: bool = True,
        prior_reg: bool = False,
        optimizer: Literal["BFGS", "L-BFGS-B"] = "L-BFGS-B",
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gene-wise (``prior_reg=False``, from pydeseq2's rough/moments start ``alpha_hat``)
        or MAP (``prior_reg=True``, prior mean ``alpha_hat`` = the trend) dispersions, by R
        DESeq2's own optimiser (``deseq2_dispersion``)."""
        if not cr_reg:  # DESeq2 always adjusts; anything else is pydeseq2's own business
            return super().alpha_mle(
                counts, design_matrix, mu, alpha_hat, min_disp, max_disp,
                prior_disp_var, cr_reg, prior_reg, optimizer,
            )  # fmt: skip
        converged = np.ones(counts.shape[1], dtype=bool)
        if not prior_reg:
            estimate = self._by_gene_blocks(
                lambda g: deseq2_dispersion.genewise(
                    counts[:, g], mu[:, g], design_matrix, alpha_hat[g], min_disp, max_disp
                ),
                counts.shape,
            )
            self._genewise = (_fingerprint(counts), estimate)
            return estimate, converged
        if prior_disp_var is None:
            raise ValueError("prior_disp_var is required for prior regularization")
        # DESeq2 starts the MAP search at the gene-wise estimate (pydeseq2 at the trend): use
        # it when these are the counts whose gene-wise estimates were fitted last
        fingerprint, genewise = self._genewise
        same_genes = fingerprint == _fingerprint(counts)
        start = deseq2_dispersion.map_start(genewise, alpha_hat) if same_genes else alpha_hat
        estimate = self._by_gene_blocks(
            lambda g: deseq2_dispersion.maximum_a_posteriori(
                counts[:, g], mu[:, g], design_matrix, start[g], alpha_hat[g],
                prior_disp_var, min_disp, max_disp,
            ),
            counts.shape,
        )  # fmt: skip
        return estimate, converged

    def _by_gene_blocks(self, solve, shape: tuple[int, int]) -> np.ndarray:
        """``solve`` (a per-gene vectorized solver of a slice of genes) on blocks of genes,
        results concatenated."""
        return np.concatenate(self._on_gene_blocks(solve, shape))

    def _on_gene_blocks(self, solve, shape: tuple[int, int]) -> list:
        """``solve`` on blocks of the genes of a samples × genes problem ``shape``, side by side
        on ``n_cpus`` threads (numpy and scipy's ufuncs release the GIL) and each at most
        ``MAX_BLOCK_CELLS`` large (memory). Every gene's steps depend on that gene alone, so the
        blocks give the same estimates as one call (tested). Small problems stay in one call."""
        n_samples, n_genes = shape
        threads = max(1, min(self._n_cpus, n_genes // MIN_GENES_PER_THREAD))
        count = max(threads, -(-n_samples * n_genes // MAX_BLOCK_CELLS))
        if count <= 1:
            return [solve(slice(None))]
        edges = np.linspace(0, n_genes, count + 1).astype(int)
        blocks = [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]
        if threads <= 1:
            return [solve(block) for block in blocks]
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(solve, blocks))

    def wald_test(
        self,
        design_matrix: np.ndarray,
        disp: np.ndarray,
        lfc: np.ndarray,
        mu: np.ndarray,
        ridge_factor: np.ndarray,
        contrast: np.ndarray,
        lfc_null: np.ndarray,
        alt_hypothesis: Literal["greaterAbs", "lessAbs", "greater", "less"] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if alt_hypothesis is not None:  # thresholded tests: pydeseq2's per-gene code
            return super().wald_test(
                design_matrix, disp, lfc, mu, ridge_factor, contrast, lfc_null, alt_hypothesis
            )
        contrast = np.asarray(contrast, dtype=float)  # pydeseq2 passes a pandas Series
        se = self._by_gene_blocks(
            lambda g: _wald_se(design_matrix, disp[g], mu[:, g], contrast), mu.shape
        )
        stat = ((lfc - lfc_null) @ contrast) / se
        return 2.0 * norm.sf(np.abs(stat)), stat, se


def _irls(
    counts: np.ndarray,
    size_factors: np.ndarray,
    design_matrix: np.ndarray,
    disp: np.ndarray,
    min_mu: float,
    beta_tol: float,
    min_beta: float,
    max_beta: float,
    optimizer: Literal["BFGS", "L-BFGS-B"],
    maxiter: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """IRLS of a block of genes (columns) on a (genes × p × p) batch, genes frozen as they
    converge; genes that diverge go to pydeseq2's own solver."""
    X = design_matrix

    n_genes, p = counts.shape[1], X.shape[1]
    ridge = np.eye(p) * RIDGE
    sf = size_factors[:, None]
    if np.linalg.matrix_rank(X) == p:
        # the least-squares start through X's pseudo-inverse, gene by gene in C loops: LAPACK's
        # lstsq on many right-hand sides rounds differently with their number (blocks of genes
        # then start, and end, a last bit apart from one call on OpenBLAS's AMD kernels)
        beta = np.einsum("in,ng->gi", np.linalg.pinv(X), np.log(counts / sf + 0.1))
    else:
        beta = np.zeros((n_genes, p))
        beta[:, 0] = np.log(counts / sf).mean(axis=0)
    mu = np.maximum(sf * np.exp(X @ beta.T), min_mu)
    deviance = np.full(n_genes, 1000.0)
    active = np.ones(n_genes, dtype=bool)
    fallback = np.zeros(n_genes, dtype=bool)
    for iteration in range(1, maxiter + 1):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        y, m, a = counts[:, idx], mu[:, idx], disp[idx]
        w = m / (1.0 + m * a)
        z = np.log(m / sf) + (y - m) / m
        gram = _gram(X, w) + ridge
        rhs = np.einsum("ni,ng->gi", X, w * z)
        beta_hat = np.linalg.solve(gram, rhs[..., None])[..., 0]
        diverged = (np.abs(beta_hat) > max_beta).any(axis=1) | (iteration >= maxiter)
        fallback[idx[diverged]] = True
        active[idx[diverged]] = False
        keep = ~diverged
        idx, beta_hat = idx[keep], beta_hat[keep]
        beta[idx] = beta_hat
        mu[:, idx] = np.maximum(sf * np.exp(X @ beta_hat.T), min_mu)
        old = deviance[idx]
        deviance[idx] = -2.0 * _nb_nll(counts[:, idx], mu[:, idx], disp[idx])
        ratio = np.abs(deviance[idx] - old) / (np.abs(deviance[idx]) + 0.1)
        active[idx[ratio <= beta_tol]] = False
    converged = np.ones(n_genes, dtype=bool)
    for gene in np.flatnonzero(fallback):  # pydeseq2's own L-BFGS-B / grid fallbacks
        beta[gene], _, _, converged[gene] = utils.irls_solver(
            counts=counts[:, gene],
            size_factors=size_factors,
            design_matrix=X,
            disp=disp[gene],
            min_mu=min_mu,
            beta_tol=beta_tol,
            min_beta=min_beta,
            max_beta=max_beta,
            optimizer=optimizer,
            maxiter=maxiter,
        )
    thresholded = np.maximum(sf * np.exp(X @ beta.T), min_mu)
    w = thresholded / (1.0 + thresholded * disp)
    inverse = np.linalg.inv(_gram(X, w) + ridge)
    leverage = np.einsum("ni,gij,nj->ng", X, inverse, X) * w  # C loops: same bits in any block
    return beta, sf * np.exp(X @ beta.T), leverage, converged


def _wald_se(
    design_matrix: np.ndarray, disp: np.ndarray, mu: np.ndarray, contrast: np.ndarray
) -> np.ndarray:
    """Standard error of the contrast for a block of genes (columns of ``mu``)."""
    # R's fitBeta bounds the fitted means by nbinomWaldTest's minmu before it forms the
    # weights of the covariance (pydeseq2 does not: a gene with an all-zero group then gets
    # a standard error half again as large as R's)
    mu = np.maximum(mu, WALD_MIN_MU)
    weights = mu / (1.0 + mu * disp)
    gram = _gram(design_matrix, weights)
    # R's ridge, not pydeseq2's (which passes 1e-6 on the natural-log scale)
    ridge = np.eye(len(contrast)) * RIDGE
    covariance = np.linalg.inv(gram + ridge)
    hc = covariance @ contrast
    return np.sqrt(np.einsum("gi,gij,gj->g", hc, gram, hc))


def _fingerprint(counts: np.ndarray) -> tuple:
    """Identifies a count matrix cheaply (shape and a hash of its bytes)."""
    return counts.shape, hash(np.ascontiguousarray(counts).tobytes())
