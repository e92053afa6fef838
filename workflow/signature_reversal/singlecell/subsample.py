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

SLACK = 1.25  # rows held before dropping those past the cutoff, as a multiple of the size


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
        if self.held > SLACK * self.size:
            self._compact()

    def _compact(self) -> None:
        """Drop the rows that can no longer make the cut, block by block (one block copied at
        a time: memory stays near SLACK × size cells)."""
        rows = np.concatenate(self.rows)
        self.cutoff = np.partition(self.keys[rows], self.size - 1)[self.size - 1]
        for i, chunk_rows in enumerate(self.rows):
            kept = self.keys[chunk_rows] <= self.cutoff
            if not kept.all():
                self.rows[i] = chunk_rows[kept]
                self.blocks[i] = self.blocks[i][np.flatnonzero(kept)]
        self.held = sum(len(r) for r in self.rows)

    def result(self) -> tuple[np.ndarray, sp.csr_matrix]:
        """The chosen rows (sorted, as in the file) and their counts (cells × genes), the
        blocks moved into one matrix one at a time (never two copies of the subsample)."""
        if self.held > self.size:
            self._compact()
        if not self.rows:
            return np.zeros(0, dtype=np.int64), sp.csr_matrix((0, 0), dtype=np.float32)
        n_genes = self.blocks[0].shape[1]
        nnz = sum(b.nnz for b in self.blocks)
        data = np.empty(nnz, dtype=np.float32)
        indices = np.empty(nnz, dtype=np.int64 if nnz > np.iinfo(np.int32).max else np.int32)
        indptr = np.zeros(self.held + 1, dtype=indices.dtype)
        at, row = 0, 0
        while self.blocks:
            block = self.blocks.pop(0)
            data[at : at + block.nnz] = block.data
            indices[at : at + block.nnz] = block.indices
            indptr[row + 1 : row + 1 + block.shape[0]] = block.indptr[1:].astype(indptr.dtype) + at
            at, row = at + block.nnz, row + block.shape[0]
            del block
        rows = np.concatenate(self.rows)
        self.rows = []
        matrix = sp.csr_matrix((data, indices, indptr), shape=(len(rows), n_genes))
        return rows, matrix
