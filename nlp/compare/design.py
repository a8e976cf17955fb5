"""How alike the units of one report are: intra-class correlation and design effect per theme.

Units of one report share an author, a template and a year, so they carry
less information than as many independent units.  The intra-class
correlation (ICC) of a theme says how much of its variation lies between
reports; the design effect 1 + (m̄ − 1)·ICC (m̄ units per report) says how much
wider an honest interval is than one that treats units as independent.  Both
go into the methods appendix of the study.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from .shares import theme_matrix

__all__ = ["design_effects"]


def design_effects(units: pd.DataFrame, *, cluster: str = "report_id",
                   themes: Sequence[str] | None = None, labels: str = "labels") -> pd.DataFrame:
    """ICC (one-way ANOVA estimator) and design effect of each theme across clusters.

    Parameters
    ----------
    units : DataFrame
        Units with themes (``labels`` or 0/1 theme columns) and ``cluster``.
    cluster : str
        The cluster column (reports).
    themes, labels
        As in :func:`nlp.compare.theme_shares`.

    Returns
    -------
    DataFrame
        One row per theme: ``theme``, ``icc`` (ANOVA estimator for unequal
        cluster sizes, truncated at 0; NaN with fewer than two clusters),
        ``n_clusters``, ``mean_units`` (units per cluster) and
        ``design_effect``.

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"report_id": list("aaaabbbb"),
    ...                   "labels": ["普法宣传"] * 4 + [""] * 4})
    >>> float(design_effects(u, themes=["普法宣传"]).loc[0, "icc"])
    1.0
    """
    if cluster not in units.columns:
        raise InputError(f"cluster: column {cluster!r} not in units (have "
                         f"{list(units.columns)})")
    mat = theme_matrix(units, themes, labels=labels).astype(float)
    ids = units[cluster].astype(str).to_numpy()
    _, inv = np.unique(ids, return_inverse=True)
    g = int(inv.max()) + 1 if len(inv) else 0
    n_i = np.bincount(inv, minlength=g).astype(float)
    n = n_i.sum()
    rows = []
    for theme in mat.columns:
        y = mat[theme].to_numpy()
        icc = np.nan
        if g >= 2 and n > g:
            sums = np.bincount(inv, weights=y, minlength=g)
            means = sums / n_i
            grand = y.mean()
            msb = np.sum(n_i * (means - grand) ** 2) / (g - 1)
            msw = np.sum((y - means[inv]) ** 2) / (n - g)
            n0 = (n - np.sum(n_i ** 2) / n) / (g - 1)
            den = msb + (n0 - 1) * msw
            icc = max(0.0, (msb - msw) / den) if den > 0 else np.nan
        m = n / g if g else np.nan
        rows.append({"theme": theme, "icc": icc, "n_clusters": g, "mean_units": m,
                     "design_effect": 1 + (m - 1) * icc if np.isfinite(icc) else np.nan})
    return pd.DataFrame(rows)
