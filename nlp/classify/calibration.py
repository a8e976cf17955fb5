"""Calibration and decision thresholds fitted on out-of-fold scores.

Grouped folds keep every report in one fold; Platt scaling turns decision
scores into probabilities; the threshold of each theme maximises F1 over
bootstrap resamples of the out-of-fold predictions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np
from scipy.optimize import minimize
from sklearn.model_selection import GroupKFold

__all__ = ["grouped_folds", "fit_platt", "choose_threshold"]

log = logging.getLogger(__name__)


def grouped_folds(groups, cv: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Train/test index pairs that keep every group in one fold.

    With fewer groups than ``cv`` it uses one fold per group (leave-one-group-out)
    and logs a notice.  Groups are assigned to folds deterministically.
    """
    groups = np.asarray([str(g) for g in groups], dtype=object)
    unique = list(dict.fromkeys(groups))
    if len(unique) < 2:
        raise ValueError(f"grouped cross-validation needs at least 2 groups, got "
                         f"{len(unique)} ({unique})")
    if not isinstance(cv, (int, np.integer)) or isinstance(cv, bool) or cv < 2:
        raise ValueError(f"cv must be an integer >= 2, got {cv!r}")
    k = int(cv)
    if len(unique) < k:
        log.warning("only %d groups for cv=%d: using %d folds (leave one group out)",
                    len(unique), k, len(unique))
        k = len(unique)
    yield from GroupKFold(n_splits=k).split(np.zeros(len(groups)), groups=groups)


def fit_platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling ``p = expit(a * score + b)`` with Platt's smoothed targets.

    Kept here rather than :class:`sklearn.calibration.CalibratedClassifierCV`
    because calibration must be fitted on out-of-fold scores of *real* units
    only, with written exemplars in every training fold and never in a test
    fold, which that class cannot express.

    Returns ``(1.0, 0.0)`` (the score taken as a log-odds) when ``y`` has fewer
    than two positives or two negatives.
    """
    scores = np.asarray(scores, dtype=float)
    y = np.asarray(y, dtype=int)
    n_pos, n_neg = int(y.sum()), int((1 - y).sum())
    if n_pos < 2 or n_neg < 2:
        return 1.0, 0.0
    target = np.where(y == 1, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def loss(ab):
        z = ab[0] * scores + ab[1]
        # log(1+exp(z)) - t*z, stable
        return float(np.sum(np.logaddexp(0.0, z) - target * z))

    res = minimize(loss, x0=np.array([1.0, 0.0]), method="L-BFGS-B",
                   bounds=[(0.05, 50.0), (-50.0, 50.0)])
    return float(res.x[0]), float(res.x[1])


def choose_threshold(proba: np.ndarray, y: np.ndarray, *, grid=None, default=0.5,
                     n_boot: int = 200, random_state=0) -> float:
    """The probability cut-off with the best F1, averaged over bootstrap resamples.

    No library chooses multi-label thresholds this way; averaging the F1 curve over resamples of the (few) out-of-fold predictions
    keeps one or two units from dragging the cut-off to an extreme.  Ties go to
    the value closest to ``default``; without positives (or negatives) in ``y``
    the default is returned.
    """
    y = np.asarray(y, dtype=int)
    proba = np.asarray(proba, dtype=float)
    if y.sum() == 0 or y.sum() == len(y):
        return float(default)
    grid = np.round(np.arange(0.2, 0.801, 0.05), 2) if grid is None else np.asarray(grid)
    rng = np.random.default_rng(random_state)
    idx = np.vstack([np.arange(len(y))] + [rng.integers(0, len(y), len(y))
                                           for _ in range(n_boot)])
    yb, pb = y[idx] == 1, proba[idx]
    scores = []
    for t in grid:
        pred = pb >= t
        tp = (pred & yb).sum(axis=1)
        fp, fn = (pred & ~yb).sum(axis=1), (~pred & yb).sum(axis=1)
        denom = 2 * tp + fp + fn
        scores.append(np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0).mean())
    scores = np.asarray(scores)
    best = np.flatnonzero(scores >= scores.max() - 1e-12)
    return float(min(grid[best], key=lambda t: abs(t - default)))
