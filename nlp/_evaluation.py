"""Scoring and cross-validation helpers shared by the theme classifiers.

Everything here works on 0/1 matrices (one column per theme, in
:data:`nlp.labels.THEMES` order) and returns tidy DataFrames.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from .labels import THEMES, label_matrix

__all__ = ["check_texts", "evaluation_table", "grouped_folds", "fit_platt",
           "choose_threshold", "sigmoid"]

log = logging.getLogger(__name__)


def check_texts(texts, name: str = "texts") -> list[str]:
    """A list of str from a list/Series/array of texts; refuse a bare str or a generator."""
    if isinstance(texts, (str, bytes)):
        raise TypeError(f"{name} must be a list of texts, not a single str; wrap it: [text]")
    if isinstance(texts, pd.DataFrame):
        raise TypeError(f"{name} must be a list of texts, not a DataFrame; pass df['text']")
    if not hasattr(texts, "__len__"):
        raise TypeError(f"{name} must be a list, array or Series of str; a one-shot "
                        f"iterator ({type(texts).__name__}) cannot be read twice - "
                        "pass list(...)")
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise TypeError(f"{name}[{i}] must be a str, got {type(t).__name__}")
    return out


def _safe_div(a: float, b: float) -> float:
    return float(a) / float(b) if b else 0.0


def evaluation_table(y_true: np.ndarray, y_pred: np.ndarray) -> pd.DataFrame:
    """Per-theme precision/recall/F1/support and confusion counts, plus micro and macro rows.

    Parameters
    ----------
    y_true, y_pred : array (n, n_themes) of 0/1

    Returns
    -------
    DataFrame
        Columns ``theme, precision, recall, f1, support, tp, fp, fn, tn``; rows
        for the four themes, then ``micro`` (pooled counts) and ``macro``
        (unweighted mean of the four).
    """
    y_true = np.asarray(y_true, dtype=int)
    y_pred = np.asarray(y_pred, dtype=int)
    rows = []
    for j, theme in enumerate(THEMES):
        t, p = y_true[:, j], y_pred[:, j]
        tp, fp = int(((t == 1) & (p == 1)).sum()), int(((t == 0) & (p == 1)).sum())
        fn, tn = int(((t == 1) & (p == 0)).sum()), int(((t == 0) & (p == 0)).sum())
        prec, rec = _safe_div(tp, tp + fp), _safe_div(tp, tp + fn)
        rows.append({"theme": theme, "precision": prec, "recall": rec,
                     "f1": _safe_div(2 * prec * rec, prec + rec), "support": tp + fn,
                     "tp": tp, "fp": fp, "fn": fn, "tn": tn})
    tp, fp = sum(r["tp"] for r in rows), sum(r["fp"] for r in rows)
    fn, tn = sum(r["fn"] for r in rows), sum(r["tn"] for r in rows)
    prec, rec = _safe_div(tp, tp + fp), _safe_div(tp, tp + fn)
    rows.append({"theme": "micro", "precision": prec, "recall": rec,
                 "f1": _safe_div(2 * prec * rec, prec + rec), "support": tp + fn,
                 "tp": tp, "fp": fp, "fn": fn, "tn": tn})
    per = pd.DataFrame(rows[:len(THEMES)])
    rows.append({"theme": "macro", "precision": per["precision"].mean(),
                 "recall": per["recall"].mean(), "f1": per["f1"].mean(),
                 "support": tp + fn, "tp": tp, "fp": fp, "fn": fn, "tn": tn})
    return pd.DataFrame(rows)


def evaluate_labels(true_labels, pred_labels) -> pd.DataFrame:
    """:func:`evaluation_table` from two lists of label collections."""
    return evaluation_table(label_matrix(true_labels), label_matrix(pred_labels))


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
    from sklearn.model_selection import GroupKFold

    yield from GroupKFold(n_splits=k).split(np.zeros(len(groups)), groups=groups)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def fit_platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling ``p = sigmoid(a * score + b)`` with Platt's smoothed targets.

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

    Averaging the F1 curve over resamples of the (few) out-of-fold predictions
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
