"""A seeded uniform subsample of the QC-passed cells, gathered during the single pass over the
file (no second, random-access read of the chosen rows).

Every cell gets a seeded uniform key; the subsample is the ``size`` QC-passed cells with the
smallest keys (a uniform random subset, as ``numpy.random.Generator.choice`` would give, but
computable while streaming). Rows are kept only while their key can still make the cut, so the
buffer stays near ``size`` cells whatever the file's size.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class StreamedSubsample:
    """Offer row blocks in file order; ``result()`` gives the chosen rows and their counts."""

    def __init__(self, n_cells: int, size: int, seed: int) -> None:
        self.size = size
        self.keys = np.random.default_rng(seed).random(n_cells)
        self.cutoff = np.inf  # a key above this can no longer be among the ``size`` smallest
        self.rows: list[np.ndarray] = []
        self.blocks: list[sp.csr_matrix] = []
        self.held = 0

    def offer(self, start: int, block: sp.csr_matrix, passing: np.ndarray) -> None:
        """Rows ``start …`` of the file (``block``), of which ``passing`` passed cell QC."""
        local = np.flatnonzero(passing & (self.keys[start : start + block.shape[0]] <= self.cutoff))
        if not len(local):
            return
        self.rows.append(start + local)
        self.blocks.append(sp.csr_matrix(block[local], dtype=np.float32))
        self.held += len(local)
        if self.held > 2 * self.size:
            self._compact()

    def _compact(self) -> None:
        rows = np.concatenate(self.rows)
        self.cutoff = np.partition(self.keys[rows], self.size - 1)[self.size - 1]
        blocks = []
        for chunk_rows, block in zip(self.rows, self.blocks, strict=True):
            kept = self.keys[chunk_rows] <= self.cutoff
            blocks.append((chunk_rows[kept], block[np.flatnonzero(kept)]))
        self.rows = [r for r, _ in blocks]
        self.blocks = [b for _, b in blocks]
        self.held = sum(len(r) for r in self.rows)

    def result(self) -> tuple[np.ndarray, sp.csr_matrix]:
        """The chosen rows (sorted, as in the file) and their counts (cells × genes)."""
        if self.held > self.size:
            self._compact()
        if not self.rows:
            return np.zeros(0, dtype=np.int64), sp.csr_matrix((0, 0), dtype=np.float32)
        return np.concatenate(self.rows), sp.vstack(self.blocks, format="csr")
