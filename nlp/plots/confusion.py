"""Classifier errors: confusion tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import cjk_figure, heatmap, new_axes

__all__ = ['plot_confusion']


@cjk_figure
def plot_confusion(df: pd.DataFrame, ax=None, *, normalize: bool = True,
                   title: str | None = None, **kwargs):
    """Heatmap of a confusion table; cells show counts.

    Accepts a square matrix (index = true, columns = predicted), a tidy table
    with ``true``, ``predicted`` and ``count`` columns, or a multi-label table
    with ``theme`` and ``tp``/``fp``/``fn``/``tn`` columns (one row per theme, as in
    the classifier's evaluation table; ``micro``/``macro`` rows are left out).
    With ``normalize`` the colour is the rate within the true class (row of a
    matrix; for a theme, TP and FN over the positives, FP and TN over the
    negatives, i.e. recall, miss rate, false-positive rate and specificity).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"plot_confusion: expected a DataFrame, got {type(df).__name__}")
    cols = {c.lower(): c for c in df.columns}
    if {"tp", "fp", "fn", "tn"} <= set(cols):
        key = "theme" if "theme" in df.columns else None
        if key:  # per-theme rows only; pooled rows (micro, macro) are not confusions
            df = df[~df[key].isin(["micro", "macro"])]
        mat = df.set_index(key) if key else df
        mat = mat[[cols["tp"], cols["fn"], cols["fp"], cols["tn"]]].astype(float)
        mat.columns = ["TP", "FN", "FP", "TN"]
        pos = (mat["TP"] + mat["FN"]).replace(0, np.nan)
        neg = (mat["FP"] + mat["TN"]).replace(0, np.nan)
        rates = pd.concat([mat[["TP", "FN"]].div(pos, axis=0),
                           mat[["FP", "TN"]].div(neg, axis=0)], axis=1)
        xlabel, ylabel = "", "theme"
    else:
        if {"true", "predicted", "count"} <= set(df.columns):
            mat = df.pivot_table(index="true", columns="predicted", values="count",
                                 aggfunc="sum", fill_value=0, sort=False)
        else:
            mat = df.select_dtypes("number")
            if mat.empty:
                raise ValueError("plot_confusion: need a numeric matrix, a (true, predicted, "
                                 "count) table or a (theme, tp, fp, fn, tn) table")
        mat = mat.astype(float)
        rates = mat.div(mat.sum(axis=1).replace(0, np.nan), axis=0)
        xlabel, ylabel = "predicted", "true"
    ax = new_axes(ax, figsize=(6, 0.5 * len(mat) + 2))
    labels = mat.map(lambda v: f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}")
    if normalize:
        heatmap(ax, rates, labels=labels, vmax=1.0, cbar_label="rate within true class",
                 **kwargs)
    else:
        heatmap(ax, mat, labels=labels, cbar_label="count", **kwargs)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or "混淆矩阵 / confusion")
    return ax
