"""The treatment-does-nothing null: data as they would look if treatment were disease.

D = E − C and T = N − E share the disease group's mean E, so noise alone makes them negatively
correlated, and genes selected for a large D drift back in the treated group. Any statistic
that is recomputed on null draws — disease-gene selection included — inherits this dependence
in its null distribution, so its p-value is right.

Two kinds of draw, both of which touch only the disease and treatment samples (control samples
stay as they are):

- **relabelling**: the disease and treatment labels are shuffled (exchangeable when the
  treatment does nothing). Distribution-free, but n_E + n_N samples give only
  C(n_E + n_N, n_E) distinct draws: 20 at 3 + 3, so no p below 0.05.
- **rotation** (Langsrud, Stat Comput 2005; limma's roast, Wu et al., Bioinformatics 2010): the
  disease+treatment samples' residuals around their common mean (and covariates) are rotated by
  a random orthogonal matrix. Under the null and Gaussian errors the data's distribution is
  invariant to such rotations, so every rotation is an exact null draw; there are infinitely
  many, so p-values are fine-grained at any replicate count, and each rotation keeps the
  correlation between genes (co-regulated modules, batch).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ..progress import tracked
from .linear_model import Design

log = logging.getLogger(__name__)

METHODS = ("auto", "rotation", "relabelling")
# relabelling is used by "auto" only when it offers at least this many distinct draws
MIN_RELABELLINGS = 1000


@dataclass(frozen=True)
class NullPlan:
    """Which null, how many draws, and whether they enumerate every relabelling."""

    method: str  # "rotation" or "relabelling"
    draws: int
    exact: bool  # relabelling: every distinct split enumerated (the first is the observed one)
    reason: str

    @property
    def smallest_p(self) -> float:
        """The smallest p-value these draws can give."""
        return 1 / self.draws if self.exact else 1 / (self.draws + 1)

    def describe(self) -> str:
        if self.method == "rotation":
            return (
                f"{self.draws} random rotations of the disease and treatment samples' residuals "
                "(a rotation test: exact for Gaussian errors, keeps gene-gene correlation)"
            )
        kind = "all" if self.exact else "random"
        return f"{self.draws} {kind} relabellings of the disease and treatment samples"

    def to_dict(self) -> dict:
        """The summaries' ``null`` entry: which null, and what it can resolve."""
        return {
            "method": self.method,
            "draws": self.draws,
            "exact": self.exact,
            "smallest_p": self.smallest_p,
            "why": self.reason,
            "description": self.describe(),
        }


def plan(design: Design, requested: str, draws: int) -> NullPlan:
    """Choose the null: ``requested`` is auto, rotation or relabelling (config reversal.null)."""
    n_d, n_t = len(design.role_columns("disease")), len(design.role_columns("treatment"))
    distinct = math.comb(n_d + n_t, n_d)
    covariates = design.covariates.shape[1] > 0
    if requested == "relabelling" or (
        requested == "auto" and not covariates and distinct >= MIN_RELABELLINGS
    ):
        if covariates:
            reason = "requested; note that relabelling ignores the design's covariates"
        else:
            reason = f"{distinct} distinct relabellings"
        exact = distinct <= draws
        return NullPlan("relabelling", distinct if exact else draws, exact, reason)
    if requested == "auto":
        reason = (
            f"only {distinct} distinct relabellings (smallest p {1 / distinct:.3g})"
            if distinct < MIN_RELABELLINGS
            else "the design has covariates, which relabelling would ignore"
        )
    else:
        reason = "requested"
    return NullPlan("rotation", draws, False, reason)


def draws(
    expression: np.ndarray, design: Design, plan: NullPlan, seed: int
) -> Iterator[np.ndarray]:
    """Null copies of ``expression`` (genes × samples), one per draw."""
    if plan.method == "relabelling":
        pool = _pool(design)
        for order in _orders(design, plan, seed):
            shuffled = expression.copy()
            shuffled[:, pool] = expression[:, pool[order]]
            yield shuffled
    else:
        block, basis = rotation_basis(design)
        coordinates = expression[:, block] @ basis  # genes × k residual coordinates
        base = expression[:, block] - coordinates @ basis.T
        for rotation in _rotations(basis.shape[1], plan.draws, seed):
            rotated = expression.copy()
            rotated[:, block] = base + coordinates @ rotation @ basis.T
            yield rotated


def fitted_draws(
    expression: np.ndarray, design: Design, plan: NullPlan, seed: int, batch: int = 32
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The least-squares fit (coefficients, residual sums of squares; as
    ``linear_model.least_squares``) of each of ``draws``' null copies, without forming them.

    Both kinds of draw only remix the disease+treatment columns, so a draw's coefficients are
    the fixed part plus ``Y @ M`` for a small per-draw matrix M (Y: the block's columns, or
    their residual coordinates for rotations), and its residual sum of squares is ``y'y −
    β'X'Xβ`` with ``y'y`` unchanged by any relabelling or rotation. ``batch`` draws share one
    matrix product, which turns the null from one genes × samples pass per draw into a few
    genes × (columns × batch) products (the reversal rule in ``benchmarks/bench.py pipeline``).
    """
    # centring each gene changes no contrast or residual and keeps y'y − β'X'Xβ accurate
    centred = expression - expression.mean(axis=1, keepdims=True)
    hat = design.matrix @ design.unscaled  # samples × columns: β = y @ hat
    gram = design.matrix.T @ design.matrix
    total = (centred**2).sum(axis=1)
    if plan.method == "relabelling":
        pool = _pool(design)
        rest = np.setdiff1d(np.arange(len(design.roles)), pool)
        fixed = centred[:, rest] @ hat[rest]
        remixed = centred[:, pool]

        def mixing(order: np.ndarray) -> np.ndarray:
            matrix = np.empty((len(pool), hat.shape[1]))
            matrix[order] = hat[pool]
            return matrix

        mixings = (mixing(order) for order in _orders(design, plan, seed))
    else:
        block, basis = rotation_basis(design)
        rest = np.setdiff1d(np.arange(len(design.roles)), block)
        remixed = centred[:, block] @ basis
        base = centred[:, block] - remixed @ basis.T
        fixed = centred[:, rest] @ hat[rest] + base @ hat[block]
        projected = basis.T @ hat[block]  # k × columns
        mixings = (
            rotation @ projected for rotation in _rotations(basis.shape[1], plan.draws, seed)
        )
    while chunk := list(itertools.islice(mixings, batch)):
        stacked = np.concatenate(chunk, axis=1)  # block × (columns · draws)
        coefficients = (remixed @ stacked).reshape(len(fixed), len(chunk), -1)
        coefficients += fixed[:, None, :]
        explained = np.einsum("gdp,pq,gdq->gd", coefficients, gram, coefficients)
        rss = np.maximum(total[:, None] - explained, 0.0)
        for i in range(len(chunk)):
            yield coefficients[:, i, :], rss[:, i]


def _pool(design: Design) -> np.ndarray:
    return np.concatenate([design.role_columns("disease"), design.role_columns("treatment")])


def _orders(design: Design, plan: NullPlan, seed: int) -> Iterator[np.ndarray]:
    """Each relabelling as an order of the pooled disease+treatment columns: draw column i
    takes the data of pooled column order[i]; with exact enumeration the first is the observed
    split."""
    n_disease, n_pool = len(design.role_columns("disease")), len(_pool(design))
    if plan.exact:
        for chosen in itertools.combinations(range(n_pool), n_disease):
            rest = [i for i in range(n_pool) if i not in chosen]
            yield np.asarray([*chosen, *rest], dtype=int)
    else:
        rng = np.random.default_rng(seed)
        for _ in range(plan.draws):
            yield rng.permutation(n_pool)


def _rotations(k: int, n_draws: int, seed: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    for _ in range(n_draws):
        yield random_orthogonal(k, rng)


def rotation_basis(design: Design) -> tuple[np.ndarray, np.ndarray]:
    """The disease+treatment columns and an orthonormal basis of their residual space: vectors
    over those samples orthogonal to their common mean and to the covariates."""
    block = _pool(design)
    fixed = design.covariates[block]  # covariates within the block
    spanned = (
        np.column_stack([np.ones(len(block)), fixed]) if fixed.size else np.ones((len(block), 1))
    )
    u, singular, _ = np.linalg.svd(spanned, full_matrices=True)
    rank = int((singular > 1e-10 * singular.max()).sum())
    return block, u[:, rank:]


def random_orthogonal(k: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-distributed random k × k orthogonal matrix (QR of a Gaussian matrix, signs fixed;
    Mezzadri, Notices AMS 2007)."""
    q, r = np.linalg.qr(rng.standard_normal((k, k)))
    return q * np.sign(np.diag(r))


class NonFiniteStatistic(ValueError):
    """An observed statistic that is NaN or infinite has no place in a null distribution."""


def permutation_pvalues(observed: float | np.ndarray, null: np.ndarray, exact: bool):
    """One-sided p-values (lower, upper) of ``observed`` against a null along axis 0.

    Exact enumeration includes the observed labelling; sampled draws add it (+1 rule), so a
    p-value is never 0. A non-finite observed statistic is refused (every comparison with NaN
    is false, which would give the smallest p-value in both tails); null draws whose
    statistic is not finite are left out of the count.
    """
    observed = _finite_observed(observed)
    null = np.asarray(null, dtype=float)
    lower, upper = (hits.sum(axis=0) for hits in tail_hits(observed, null))
    n = np.isfinite(null).sum(axis=0)
    if exact:
        return lower / n, upper / n
    return (lower + 1) / (n + 1), (upper + 1) / (n + 1)


def _finite_observed(observed: float | np.ndarray) -> np.ndarray:
    """The observed statistic as floats; a non-finite one is refused."""
    observed = np.asarray(observed, dtype=float)
    if not np.all(np.isfinite(observed)):
        raise NonFiniteStatistic(
            f"the observed statistic is {observed}: no p-value can be computed from it"
        )
    return observed


def tail_hits(observed: np.ndarray, null: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per draw (rows) and statistic (columns): at or below / at or above the observed value
    (non-finite draws count in neither)."""
    finite = np.isfinite(null)
    return (null <= observed + 1e-12) & finite, (null >= observed - 1e-12) & finite


def resolved(observed: np.ndarray, null: np.ndarray, tails: np.ndarray, exceedances: int) -> bool:
    """Whether every tail asked for (``tails``: statistics × (lower, upper) booleans) already
    has ``exceedances`` draws at least as extreme: all its p-values are then clearly large, and
    more draws would not change a verdict (Besag & Clifford's stopping rule)."""
    lower, upper = tail_hits(np.asarray(observed, float), np.asarray(null, float))
    counts = np.stack([lower.sum(axis=0), upper.sum(axis=0)], axis=1)
    return bool(np.all(counts[tails] >= exceedances))


CHECK_EVERY = 10  # null draws between two looks at whether every tail is resolved


def drawn_until_resolved(
    rows: Iterable[np.ndarray],
    observed: np.ndarray,
    tails: np.ndarray,
    exceedances: int,
    planned: int,
) -> tuple[np.ndarray, bool]:
    """The null statistics (draws × statistics) of ``rows``, stopped early once every tail
    asked for (``tails``: statistics × (lower, upper)) has ``exceedances`` draws at least as
    extreme (Besag & Clifford): a treatment whose p-values are all clearly large needs no more
    draws, while a small p-value still gets the null's full resolution. ``exceedances = 0``
    draws all ``planned``. Returns the statistics and whether the draws stopped early."""
    drawn = []
    for row in rows:
        drawn.append(row)
        if (
            exceedances > 0
            and len(drawn) % CHECK_EVERY == 0
            and len(drawn) < planned
            and resolved(observed, np.array(drawn), tails, exceedances)
        ):
            return np.array(drawn), True
    return np.array(drawn), False


@dataclass(frozen=True)
class SignatureNull:
    """The null draws of a signature's statistics (draws × statistics) and the sequential
    p-values read from them: the slope's two tails and the connectivity's lower tail."""

    draws: np.ndarray
    p_reversal: float
    p_aggravation: float
    p_connectivity: float
    connectivity_expected: float  # the connectivity's mean under the null


def signature_null(
    statistic: Callable[[np.ndarray, np.ndarray], np.ndarray],
    expression: np.ndarray,
    design: Design,
    plan: NullPlan,
    seed: int,
    exceedances: int,
    observed: np.ndarray,
    slope: int,
    connectivity: int,
    label: str,
) -> SignatureNull:
    """``statistic`` (of a least-squares fit) on the plan's fitted draws, with progress under
    ``label``, stopped (and said so) once the slope's two tails and the connectivity's lower
    tail (columns ``slope`` and ``connectivity``) are resolved; exact enumerations draw all.
    The own signature and every reference signature read their p-values from it."""
    tails = np.zeros((len(observed), 2), bool)
    tails[slope] = True
    tails[connectivity, 0] = True
    exceedances = 0 if plan.exact else exceedances
    draws = tracked(fitted_draws(expression, design, plan, seed), plan.draws, label)
    null, stopped = drawn_until_resolved(
        (statistic(*draw) for draw in draws), observed, tails, exceedances, plan.draws
    )
    if stopped:
        log.info(
            "%s: stopped after %d of %d draws, every p-value clearly above alpha (%d draws at "
            "least as extreme in each tail; Besag & Clifford 1991)",
            label,
            len(null),
            plan.draws,
            exceedances,
        )
    p_rev, p_agg = sequential_pvalues(observed[slope], null[:, slope], plan.exact, exceedances)
    p_connectivity, _ = sequential_pvalues(
        observed[connectivity], null[:, connectivity], plan.exact, exceedances
    )
    return SignatureNull(
        draws=null,
        p_reversal=float(p_rev),
        p_aggravation=float(p_agg),
        p_connectivity=float(p_connectivity),
        connectivity_expected=float(np.nanmean(null[:, connectivity])),
    )


def sequential_pvalues(
    observed: float | np.ndarray, null: np.ndarray, exact: bool, exceedances: int
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided p-values (lower, upper) of Besag & Clifford's sequential Monte Carlo test
    ("Sequential Monte Carlo p-values", Biometrika 78:301, 1991): a tail that reached
    ``exceedances`` (h) draws at least as extreme at draw L reads h/L; one that never did reads
    (g + 1)/(n + 1) over all n draws, the resolution of the whole null. Each is a valid p-value
    however many draws follow its h-th exceedance, so the draws may stop once every tail is
    resolved. Exact enumerations and ``exceedances = 0`` keep ``permutation_pvalues``."""
    if exact or exceedances <= 0:
        return permutation_pvalues(observed, null, exact)
    observed = _finite_observed(observed)
    table = np.asarray(null, dtype=float).reshape(len(null), -1)  # draws × statistics
    drawn = np.cumsum(np.isfinite(table), axis=0)  # finite draws up to each row
    pvalues = []
    for hits in tail_hits(observed.reshape(-1), table):
        count = np.cumsum(hits, axis=0)
        p = (count[-1] + 1) / (drawn[-1] + 1)
        for column in np.flatnonzero(count[-1] >= exceedances):
            row = int(np.argmax(count[:, column] >= exceedances))  # the h-th exceedance
            p[column] = exceedances / drawn[row, column]
        pvalues.append(p.reshape(observed.shape))
    return pvalues[0], pvalues[1]
