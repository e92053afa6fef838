"""The embedding's subsample gathered while streaming: exactly the requested number of
QC-passed cells, their own counts, the same cells whatever the chunk size, and uniform."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from signature_reversal.singlecell.subsample import StreamedSubsample


def stream(matrix: sp.csr_matrix, passing: np.ndarray, size: int, chunk: int, seed: int = 0):
    chosen = StreamedSubsample(matrix.shape[0], size, seed)
    for start in range(0, matrix.shape[0], chunk):
        chosen.offer(start, matrix[start : start + chunk], passing[start : start + chunk])
    return chosen.result()


@pytest.fixture
def cells():
    rng = np.random.default_rng(4)
    matrix = sp.random(5000, 40, density=0.2, format="csr", random_state=5, dtype=np.float32)
    matrix.data = np.rint(matrix.data * 10)
    return matrix, rng.random(5000) > 0.1


@pytest.mark.parametrize("chunk", [97, 1000, 5000])
def test_exact_size_only_passing_cells_with_their_counts(cells, chunk):
    matrix, passing = cells
    rows, counts = stream(matrix, passing, 700, chunk)
    assert len(rows) == 700 and len(set(rows)) == 700
    assert np.all(np.diff(rows) > 0) and passing[rows].all()
    assert (counts != matrix[rows]).nnz == 0


def test_chunk_size_does_not_change_the_cells_and_the_seed_does(cells):
    matrix, passing = cells
    first, _ = stream(matrix, passing, 700, 97)
    assert np.array_equal(first, stream(matrix, passing, 700, 5000)[0])
    assert not np.array_equal(first, stream(matrix, passing, 700, 97, seed=1)[0])


def test_fewer_passing_cells_than_asked_gives_them_all(cells):
    matrix, passing = cells
    rows, _ = stream(matrix, passing, 10_000, 300)
    assert np.array_equal(rows, np.flatnonzero(passing))


def test_every_passing_cell_is_equally_likely(cells):
    """Over 300 seeds each passing cell is drawn 300 × 700/n times on average; the first and
    last thousand cells of the file are drawn alike (no bias from the streaming order)."""
    matrix, passing = cells
    drawn = np.zeros(matrix.shape[0])
    for seed in range(300):
        drawn[stream(matrix, passing, 700, 1000, seed)[0]] += 1
    expected = 300 * 700 / passing.sum()
    assert drawn[~passing].sum() == 0
    first, last = drawn[:1000][passing[:1000]], drawn[-1000:][passing[-1000:]]
    assert abs(first.mean() - expected) < 0.05 * expected
    assert abs(last.mean() - expected) < 0.05 * expected
