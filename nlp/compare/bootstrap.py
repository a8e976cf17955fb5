"""The one bootstrap of comparisons: weighted means per group, resampled by unit or by cluster.

Theme shares (rows = units), section profiles (units of report parts) and
topic prevalence (rows = documents) all draw their replicates here, so they
share one resampling scheme, one set of interval methods and one seed
discipline.

Resampling
    Rows are resampled in *clusters* (whole reports, or whole agencies for a
    paired design; a unit is its own cluster when units are resampled).
    Independent groups are resampled separately (a stratified bootstrap); a
    *joint* draw takes one sample of clusters from the pool of all groups and
    computes every group's mean from it, so that a cluster appearing in two
    groups (the same agency in two years, the same report in two of its parts)
    moves both at once.

Intervals
    ``"t"``: estimate ± t(G − 1) · SE, where SE is the bootstrap standard
    deviation times √(G / (G − 1)) and G the number of clusters (the CR1
    small-sample factor; the bootstrap standard deviation of a cluster mean is
    the plug-in standard error, which is √((G − 1)/G) too small).  With
    classifier error the validation sample adds a second variance term with its
    own clusters, and the degrees of freedom follow Welch–Satterthwaite.
    ``"percentile"``: the percentile interval of the replicates.  At 10 reports
    per group the percentile interval undercovers (``bench/study.py`` measures
    both); ``"t"`` is the default whenever clusters are resampled.

scipy's :func:`scipy.stats.bootstrap` resamples one or several independent
samples; it cannot draw clusters jointly across groups nor share one draw of a
validation sample between groups, which is why the draws are made here.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = ["bootstrap_means", "cluster_sums", "Draws", "grouped_draws", "interval",
           "satterthwaite", "METHODS"]

_MAX_CELLS = 4_000_000  # bootstrap work array size per chunk
#: interval methods
METHODS = ("t", "percentile")


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
    if n_boot == 0:
        return np.empty((0, mat.shape[1]))
    if n == 0:
        return np.full((n_boot, mat.shape[1]), np.nan)
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
    """Per-cluster weighted column sums (n_clusters, n_columns) and weight sums (n_clusters,).

    Examples
    --------
    >>> s, w = cluster_sums(np.array([[1.0], [0.0], [1.0]]), np.ones(3), np.array(["a", "a", "b"]))
    >>> s.ravel().tolist(), w.tolist()
    ([1.0, 1.0], [2.0, 1.0])
    """
    codes, inverse = np.unique(clusters, return_inverse=True)
    sums = np.zeros((len(codes), m.shape[1]))
    np.add.at(sums, inverse, m * w[:, None])
    return sums, np.bincount(inverse, weights=w, minlength=len(codes))


class Draws:
    """Bootstrap draws of per-group weighted means, kept in a table's ``.attrs["bootstrap"]``.

    Attributes
    ----------
    keys : list of tuple
        The groups, in the table's order.
    columns : list of str
        The estimated columns (themes, topics).
    point : array (n_groups, n_columns)
        Estimates.
    corpus : array (n_boot, n_groups, n_columns)
        Replicates from resampling the corpus (classifier error rates, if any,
        held at their estimates).
    validation : array (n_boot, n_groups, n_columns) or None
        Replicates from resampling the validation sample (corpus held fixed);
        draw ``b`` is the same validation draw for every group.
    joint : array (n_boot, n_groups, n_columns)
        Both resampled together: what percentile intervals use.
    clusters : list of arrays
        The clusters (codes) with data in each group.
    joint_draw : bool
        One draw of clusters for all groups (paired) instead of one per group.
    resampled : str
        What was resampled (``"units"``, ``"report_id"``, ``"agency"``…).
    method : str
        ``"t"`` or ``"percentile"``.
    n_validation_clusters : int
        Clusters of the validation sample (0 without one).

    The object is immutable by convention; copying a table (pandas deep-copies
    ``attrs``) shares it instead of copying the arrays.
    """

    def __init__(self, keys, columns, point, corpus, clusters, *, joint_draw=False,
                 resampled="units", method="percentile", validation=None, joint=None,
                 n_validation_clusters=0):
        self.keys = list(keys)
        self.columns = list(columns)
        self.point = np.asarray(point, dtype=float)
        self.corpus = np.asarray(corpus, dtype=float)
        self.validation = validation
        self.joint = self.corpus if joint is None else joint
        self.clusters = list(clusters)
        self.joint_draw = bool(joint_draw)
        self.resampled = resampled
        self.method = method
        self.n_validation_clusters = int(n_validation_clusters)
        self._index = {k: i for i, k in enumerate(self.keys)}

    def __deepcopy__(self, memo):
        return self

    def __repr__(self) -> str:
        return (f"Draws(groups={len(self.keys)}, columns={len(self.columns)}, "
                f"n_boot={self.n_boot}, resampled={self.resampled!r}, method={self.method!r})")

    @property
    def n_boot(self) -> int:
        return int(self.corpus.shape[0])

    def index(self, key) -> int:
        """Position of group ``key`` (a tuple, or a scalar for one grouping column)."""
        key = key if isinstance(key, tuple) else (key,)
        return self._index[key]

    def n_clusters(self, g: int) -> int:
        return len(self.clusters[g])

    def intervals(self, g: int, ci: float, bounds=(0.0, 1.0)):
        """``(low, high, se, df)`` arrays for group ``g``, one entry per column."""
        k = len(self.columns)
        if self.n_boot == 0:
            nan = np.full(k, np.nan)
            return nan, nan.copy(), nan.copy(), nan.copy()
        n = self.n_clusters(g)
        parts = [(self.corpus[:, g, :], n)]
        if self.validation is not None:
            parts.append((self.validation[:, g, :], self.n_validation_clusters))
        return interval(self.point[g], parts, self.joint[:, g, :], self.method, ci, bounds,
                        usable=n >= 2)

    def difference(self, ga: int, gb: int, ci: float):
        """``(diff, low, high, se, df)`` arrays for group ``gb`` minus group ``ga``."""
        diff = self.point[gb] - self.point[ga]
        k = len(self.columns)
        na, nb = self.n_clusters(ga), self.n_clusters(gb)
        if self.n_boot == 0 or na < 2 or nb < 2:
            nan = np.full(k, np.nan)
            return diff, nan, nan.copy(), nan.copy(), nan.copy()
        joint = self.joint[:, gb, :] - self.joint[:, ga, :]
        if self.joint_draw:
            pooled = len(np.union1d(self.clusters[ga], self.clusters[gb]))
            parts = [(self.corpus[:, gb, :] - self.corpus[:, ga, :], pooled)]
        else:
            parts = [(self.corpus[:, ga, :], na), (self.corpus[:, gb, :], nb)]
        if self.validation is not None:
            parts.append((self.validation[:, gb, :] - self.validation[:, ga, :],
                          self.n_validation_clusters))
        lo, hi, se, df = interval(diff, parts, joint, self.method, ci, (-1.0, 1.0))
        return diff, lo, hi, se, df


def grouped_draws(mat: np.ndarray, w: np.ndarray, group_codes: np.ndarray, n_groups: int,
                  clusters: np.ndarray, n_boot: int, rng: np.random.Generator, *,
                  joint: bool = False):
    """Weighted column means per group and their bootstrap replicates over clusters.

    Parameters
    ----------
    mat : array (n_rows, k)
        Values (0/1 theme indicators, probabilities, topic shares).
    w : array (n_rows,)
        Row weights.
    group_codes : int array (n_rows,)
        Group of each row, ``0 .. n_groups - 1``.
    n_groups : int
    clusters : array (n_rows,)
        Cluster of each row (a report, an agency; ``np.arange(n_rows)`` for units).
    n_boot : int
    rng : numpy Generator
    joint : bool
        One draw of clusters from the pool of all groups (paired designs);
        otherwise each group's clusters are drawn separately.

    Returns
    -------
    point : (n_groups, k), replicates : (n_boot, n_groups, k), members : list of arrays
        ``members[g]`` are the codes of the clusters with data in group ``g``.

    Examples
    --------
    >>> m = np.array([[1.0], [0.0], [1.0], [1.0]])
    >>> p, r, c = grouped_draws(m, np.ones(4), np.array([0, 0, 1, 1]), 2,
    ...                         np.array([0, 1, 2, 3]), 100, np.random.default_rng(0))
    >>> p.ravel().tolist(), r.shape, [len(x) for x in c]
    ([0.5, 1.0], (100, 2, 1), [2, 2])
    """
    k = mat.shape[1]
    codes, cl = np.unique(clusters, return_inverse=True)
    n_cl = len(codes)
    # sums per (group, cluster): sparse in general, so keyed by their pair
    pair = group_codes.astype(np.int64) * n_cl + cl
    pcodes, pinv = np.unique(pair, return_inverse=True)
    sums = np.zeros((len(pcodes), k))
    np.add.at(sums, pinv, mat * w[:, None])
    wsum = np.bincount(pinv, weights=w, minlength=len(pcodes))
    pg, pc = pcodes // n_cl, pcodes % n_cl
    point = np.full((n_groups, k), np.nan)
    members = []
    for g in range(n_groups):
        sel = pg == g
        tot = wsum[sel].sum()
        if tot > 0:
            point[g] = sums[sel].sum(axis=0) / tot
        members.append(pc[sel])
    reps = np.full((n_boot, n_groups, k), np.nan)
    if n_boot == 0:
        return point, reps, members
    if joint:
        # counts of each pooled cluster in a draw, applied to every group's sums
        step = max(1, _MAX_CELLS // max(n_cl, 1))
        for start in range(0, n_boot, step):
            stop = min(n_boot, start + step)
            counts = rng.multinomial(n_cl, np.full(n_cl, 1.0 / n_cl), size=stop - start)
            c = counts[:, pc].astype(float)  # (b, pairs)
            for g in range(n_groups):
                sel = np.flatnonzero(pg == g)
                den = c[:, sel] @ wsum[sel]
                with np.errstate(invalid="ignore", divide="ignore"):
                    reps[start:stop, g] = (c[:, sel] @ sums[sel]) / den[:, None]
    else:
        for g in range(n_groups):
            sel = np.flatnonzero(pg == g)
            if len(sel):
                reps[:, g] = bootstrap_means(sums[sel] / np.where(wsum[sel] > 0, wsum[sel],
                                                                  1)[:, None],
                                             wsum[sel], n_boot, rng)
    return point, reps, members


def satterthwaite(variances, dfs) -> float:
    """Welch–Satterthwaite degrees of freedom of a sum of independent variance terms.

    Examples
    --------
    >>> round(satterthwaite([1.0, 1.0], [9, 9]), 6)
    18.0
    """
    v = np.asarray(variances, dtype=float)
    d = np.asarray(dfs, dtype=float)
    keep = v > 0
    if not keep.any():
        return float(d.min()) if len(d) else math.nan
    return float(v[keep].sum() ** 2 / np.sum(v[keep] ** 2 / d[keep]))


def interval(est, parts, joint, method: str, ci: float, bounds=(0.0, 1.0), *,
             usable: bool = True):
    """Interval of an estimate from its bootstrap replicates.

    Parameters
    ----------
    est : array (k,)
    parts : list of (replicates (n_boot, k), clusters)
        Independent sources of variation, each with its number of clusters
        (for ``"t"``: SE² = Σ G/(G − 1) · var, Welch–Satterthwaite df).
    joint : array (n_boot, k)
        All sources resampled together (for ``"percentile"``).
    method : {"t", "percentile"}
    ci : float
    bounds : (float, float)
        The interval is clipped to these (shares lie in [0, 1]).
    usable : bool
        False when the estimate has fewer than two clusters: NaN.

    Returns
    -------
    low, high, se, df : arrays (k,)

    Examples
    --------
    >>> reps = np.random.default_rng(0).normal(0.5, 0.1, size=(4000, 1))
    >>> lo, hi, se, df = interval(np.array([0.5]), [(reps, 10)], reps, "t", 0.95)
    >>> round(float(df[0]), 1), bool(hi[0] - lo[0] > 2 * 1.96 * 0.1)
    (9.0, True)
    """
    est = np.asarray(est, dtype=float)
    k = len(est)
    nan = np.full(k, np.nan)
    if not usable or joint.shape[0] < 2:
        return nan, nan.copy(), nan.copy(), nan.copy()
    alpha = (1 - ci) / 2
    if method == "percentile":
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(joint).sum(axis=0) >= 2
            lo, hi = np.full(k, np.nan), np.full(k, np.nan)
            if ok.any():
                lo[ok], hi[ok] = np.nanquantile(joint[:, ok], [alpha, 1 - alpha], axis=0)
        se = _nanstd(joint)
        return lo, hi, se, np.full(k, np.inf)
    if method != "t":
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}")
    var_terms, df_terms = [], []
    for reps, g in parts:
        if g < 2:
            return nan, nan.copy(), nan.copy(), nan.copy()
        var_terms.append(_nanstd(reps) ** 2 * g / (g - 1))
        df_terms.append(np.full(k, g - 1.0))
    v = np.vstack(var_terms)
    d = np.vstack(df_terms)
    se = np.sqrt(v.sum(axis=0))
    df = np.array([satterthwaite(v[:, j], d[:, j]) for j in range(k)])
    half = stats.t.ppf(1 - alpha, np.where(np.isfinite(df), df, 1e9)) * se
    lo = np.clip(est - half, *bounds)
    hi = np.clip(est + half, *bounds)
    return lo, hi, se, df


def _nanstd(a: np.ndarray) -> np.ndarray:
    ok = np.isfinite(a).sum(axis=0) >= 2
    out = np.full(a.shape[1], np.nan)
    if ok.any():
        out[ok] = np.nanstd(a[:, ok], axis=0, ddof=1)
    return out
