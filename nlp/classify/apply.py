"""Themes for a units table: probability columns and label sets, and summaries of them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codebook import OTHER, PROBA_PREFIX, table_themes
from ..errors import InputError

__all__ = ["classify_units", "theme_summary", "PROBA_PREFIX", "check_units"]


def check_units(units, text_column: str) -> pd.DataFrame:
    if not isinstance(units, pd.DataFrame):
        raise TypeError(f"units must be a DataFrame, got {type(units).__name__}")
    if text_column not in units.columns:
        raise InputError(f"units has no {text_column!r} column; columns are {list(units.columns)}")
    return units


def classify_units(units: pd.DataFrame, model, *, text_column: str = "text") -> pd.DataFrame:
    """Add ``p_<theme>`` probability columns and a ``labels`` column to a units table.

    Parameters
    ----------
    units : DataFrame
        Any table with a text column (e.g. ``Corpus.units()``); other columns are kept.
    model : ThemeClassifier or LexiconClassifier
    text_column : str, default "text"

    Returns
    -------
    DataFrame
        A copy of ``units`` with ``p_普法宣传 … p_放管服`` and ``labels``
        (themes joined by ``;``, empty = 其他).  An existing ``labels`` column
        is replaced.

    Examples
    --------
    >>> units = pd.DataFrame({"text": ["开展宪法宣传周活动"]})
    >>> out = classify_units(units, ThemeClassifier.load())   # doctest: +SKIP
    >>> list(out.columns)                                         # doctest: +SKIP
    ['text', 'p_普法宣传', 'p_校园安全', 'p_行政执法', 'p_放管服', 'labels']
    """
    units = check_units(units, text_column)
    themes = model.theme_names()
    out = units.copy()
    texts = [str(t) if t is not None else "" for t in units[text_column].tolist()]
    if texts:
        proba = model.predict_proba(texts).to_numpy()
        pred = model.decide(proba)
    else:
        proba = np.zeros((0, len(themes)))
        pred = np.zeros((0, len(themes)), dtype=int)
    for j, theme in enumerate(themes):
        out[PROBA_PREFIX + theme] = proba[:, j]
    out["labels"] = [";".join(t for t, v in zip(themes, row) if v) for row in pred]
    out.attrs["themes"] = list(themes)
    return out


def theme_summary(classified: pd.DataFrame, by: str | list[str] = "report_id") -> pd.DataFrame:
    """Per group and theme: labelled units, their share and the mean probability.

    Parameters
    ----------
    classified : DataFrame
        Output of :func:`classify_units` (``labels`` and ``p_<theme>`` columns).
    by : str or list of str
        Grouping columns, e.g. ``"report_id"`` or ``["agency", "year"]``.

    Returns
    -------
    DataFrame
        Tidy: the ``by`` columns, ``theme`` (the four themes and 其他), ``units``
        (units carrying it), ``total`` (units in the group), ``share`` and
        ``mean_probability`` (NaN for 其他).
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in by + ["labels"] if c not in classified.columns]
    if missing:
        raise InputError(f"classified has no column(s) {missing}; run classify_units first")
    themes = table_themes(classified)
    rows = []
    for key, part in classified.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        sets = [set(str(v).split(";")) - {""} for v in part["labels"]]
        total = len(part)
        for theme in (*themes, OTHER):
            n = sum(1 for s in sets if (not s if theme == OTHER else theme in s))
            col = PROBA_PREFIX + theme
            mean_p = float(part[col].mean()) if col in part.columns else float("nan")
            rows.append({**dict(zip(by, key)), "theme": theme, "units": n, "total": total,
                         "share": n / total if total else 0.0, "mean_probability": mean_p})
    return pd.DataFrame(rows)
