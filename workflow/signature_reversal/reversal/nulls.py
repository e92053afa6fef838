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
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .linear_model import Design

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
        yield from _relabelled(expression, design, plan, seed)
    else:
        yield from _rotated(expression, design, plan.draws, seed)


def _relabelled(expression: np.ndarray, design: Design, plan: NullPlan, seed: int):
    disease, treatment = design.role_columns("disease"), design.role_columns("treatment")
    pool = np.concatenate([disease, treatment])
    if plan.exact:
        orders = (
            np.concatenate([list(chosen), [i for i in range(len(pool)) if i not in chosen]])
            for chosen in itertools.combinations(range(len(pool)), len(disease))
        )
    else:
        rng = np.random.default_rng(seed)
        orders = (rng.permutation(len(pool)) for _ in range(plan.draws))
    for order in orders:
        shuffled = expression.copy()
        shuffled[:, pool] = expression[:, pool[np.asarray(order, dtype=int)]]
        yield shuffled


def rotation_basis(design: Design) -> tuple[np.ndarray, np.ndarray]:
    """The disease+treatment columns and an orthonormal basis of their residual space: vectors
    over those samples orthogonal to their common mean and to the covariates."""
    block = np.concatenate([design.role_columns("disease"), design.role_columns("treatment")])
    fixed = design.covariates[block]  # covariates within the block
    spanned = (
        np.column_stack([np.ones(len(block)), fixed]) if fixed.size else np.ones((len(block), 1))
    )
    u, singular, _ = np.linalg.svd(spanned, full_matrices=True)
    rank = int((singular > 1e-10 * singular.max()).sum())
    return block, u[:, rank:]


def _rotated(expression: np.ndarray, design: Design, n_draws: int, seed: int):
    block, basis = rotation_basis(design)
    coordinates = expression[:, block] @ basis  # genes × k residual coordinates
    base = expression[:, block] - coordinates @ basis.T
    rng = np.random.default_rng(seed)
    k = basis.shape[1]
    for _ in range(n_draws):
        rotated = expression.copy()
        rotated[:, block] = base + coordinates @ random_orthogonal(k, rng) @ basis.T
        yield rotated


def random_orthogonal(k: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-distributed random k × k orthogonal matrix (QR of a Gaussian matrix, signs fixed;
    Mezzadri, Notices AMS 2007)."""
    q, r = np.linalg.qr(rng.standard_normal((k, k)))
    return q * np.sign(np.diag(r))


def permutation_pvalues(observed: float | np.ndarray, null: np.ndarray, exact: bool):
    """One-sided p-values (lower, upper) of ``observed`` against a null along axis 0.

    Exact enumeration includes the observed labelling; sampled draws add it (+1 rule), so a
    p-value is never 0.
    """
    observed = np.asarray(observed)
    lower = (null <= observed + 1e-12).sum(axis=0)
    upper = (null >= observed - 1e-12).sum(axis=0)
    n = null.shape[0]
    if exact:
        return lower / n, upper / n
    return (lower + 1) / (n + 1), (upper + 1) / (n + 1)
