"""Scores of multi-label theme predictions, as tidy tables.

Everything here works on 0/1 matrices (one column per theme, in codebook
order) and returns DataFrames.  The counting is scikit-learn's
(:func:`~sklearn.metrics.multilabel_confusion_matrix`,
:func:`~sklearn.metrics.precision_recall_fscore_support`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import multilabel_confusion_matrix, precision_recall_fscore_support

from ..codebook import label_matrix, themes_of

__all__ = ["evaluation_table", "evaluate_labels"]


def evaluation_table(y_true, y_pred, themes=None) -> pd.DataFrame:
    """Per-theme precision/recall/F1/support and confusion counts, plus micro and macro rows.

    Parameters
    ----------
    y_true, y_pred : array (n, n_themes) of 0/1
    themes : sequence of str, optional
        Column names, in order (default: the four default themes).

    Returns
    -------
    DataFrame
        Columns ``theme, precision, recall, f1, support, tp, fp, fn, tn``; a row
        per theme, then ``micro`` (pooled counts) and ``macro`` (unweighted mean
        over the themes *with support*: a theme nobody labelled is left out of
        the mean instead of counting as 0; ``attrs["macro_themes"]`` lists the
        themes averaged).  Precision or recall with an empty denominator is 0.

    Examples
    --------
    >>> t = evaluation_table([[1, 0, 0, 0], [0, 1, 0, 0]], [[1, 0, 0, 0], [0, 0, 0, 0]])
    >>> t.set_index("theme").loc[["普法宣传", "校园安全", "micro", "macro"], "f1"].round(3).tolist()
    [1.0, 0.0, 0.667, 0.5]
    """
    themes = themes_of(themes)
    y_true = np.asarray(y_true, dtype=int).reshape(-1, len(themes))
    y_pred = np.asarray(y_pred, dtype=int).reshape(-1, len(themes))
    cm = multilabel_confusion_matrix(y_true, y_pred, labels=list(range(len(themes))))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None,
                                                 labels=list(range(len(themes))),
                                                 zero_division=0)
    rows = [{"theme": t, "precision": float(p[j]), "recall": float(r[j]), "f1": float(f[j]),
             "support": int(s[j]), "tp": int(cm[j, 1, 1]), "fp": int(cm[j, 0, 1]),
             "fn": int(cm[j, 1, 0]), "tn": int(cm[j, 0, 0])} for j, t in enumerate(themes)]
    counts = {k: sum(row[k] for row in rows) for k in ("tp", "fp", "fn", "tn")}
    mp, mr, mf, _ = precision_recall_fscore_support(y_true, y_pred, average="micro",
                                                    labels=list(range(len(themes))),
                                                    zero_division=0)
    rows.append({"theme": "micro", "precision": float(mp), "recall": float(mr),
                 "f1": float(mf), "support": counts["tp"] + counts["fn"], **counts})
    per = pd.DataFrame(rows[:len(themes)])
    with_support = per[per["support"] > 0]
    if with_support.empty:
        with_support = per
    rows.append({"theme": "macro", "precision": float(with_support["precision"].mean()),
                 "recall": float(with_support["recall"].mean()),
                 "f1": float(with_support["f1"].mean()),
                 "support": counts["tp"] + counts["fn"], **counts})
    out = pd.DataFrame(rows)
    out.attrs["macro_themes"] = list(with_support["theme"])
    return out


def evaluate_labels(true_labels, pred_labels, themes=None) -> pd.DataFrame:
    """:func:`evaluation_table` from two lists of label collections.

    ``themes``: theme names or a Codebook (default: the four default themes).

    Examples
    --------
    >>> evaluate_labels([("普法宣传",)], [("普法宣传",)]).loc[0, "f1"]
    np.float64(1.0)
    """
    names = themes_of(themes)
    return evaluation_table(label_matrix(true_labels, names), label_matrix(pred_labels, names),
                            themes=names)
