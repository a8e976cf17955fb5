"""The one bootstrap of comparisons: weighted means of rows resampled with replacement.

Theme shares (rows = units, or report totals), section profiles and topic
prevalence (rows = documents) all draw their replicates here, so they share
one resampling scheme and one seed discipline.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bootstrap_means", "cluster_sums"]

_MAX_CELLS = 4_000_000  # bootstrap work array size per chunk


def bootstrap_means(mat: np.ndarray, w: np.ndarray, n_boot: int,
               rng: np.random.Generator) -> np.ndarray:
    """(n_boot, n_columns) weighted means of the rows of ``mat``, resampled with replacement.

    Parameters
    ----------
    mat : array (n_rows, n_columns)
    w : array (n_rows,)
        Row weights (ones for a plain mean).
    n_boot : int
    rng : numpy Generator

    Examples
    --------
    >>> reps = bootstrap_means(np.eye(2), np.ones(2), 1000, np.random.default_rng(0))
    >>> reps.shape, bool(abs(reps.mean() - 0.5) < 0.05)
    ((1000, 2), True)
    """
    n = len(w)
    if n_boot == 0 or n == 0:
        return np.empty((0, mat.shape[1]))
    wm = mat * w[:, None]
    out = np.empty((n_boot, mat.shape[1]))
    step = max(1, _MAX_CELLS // max(n, 1))
    for start in range(0, n_boot, step):
        stop = min(n_boot, start + step)
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=stop - start).astype(float)
        den = counts @ w
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:stop] = (counts @ wm) / den[:, None]
    return out


def cluster_sums(m: np.ndarray, w: np.ndarray, clusters: np.ndarray):
    """Per-cluster weighted theme sums (n_clusters, n_themes) and weight sums (n_clusters,)."""
    codes, inverse = np.unique(clusters, return_inverse=True)
    sums = np.zeros((len(codes), m.shape[1]))
    np.add.at(sums, inverse, m * w[:, None])
    return sums, np.bincount(inverse, weights=w, minlength=len(codes))
