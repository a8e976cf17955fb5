"""Themes by report part: what reports claim as achievements, admit as problems, and plan."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..codebook import ROLES
from ..errors import InputError
from .shares import group_codes, group_columns, theme_shares

__all__ = ["section_profile"]


def section_profile(units: pd.DataFrame, *, by="report", role: str = "role",
                    themes: Sequence[str] | None = None, weight: str = "units",
                    n_boot: int = 1000, ci: float = 0.95, random_state=None,
                    labels: str = "labels", paired="auto", method: str = "auto",
                    estimator: str = "cc", validation=None) -> pd.DataFrame:
    """Themes by report part: what reports claim as achievements, admit as problems, and plan.

    Parameters
    ----------
    units : DataFrame
        Units with themes and a ``role`` column (preamble, measures, problems,
        leadership, plans, other — from :func:`nlp.segment`).
    by : str, list or None
        Extra grouping (default per report); ``None`` pools all units.
    paired : "auto", column name or None
        The parts of one report are compared within the same reports, so by
        default (``"auto"``, when the table has ``report_id`` and ``by`` is not
        per report) whole reports are drawn once for all parts: the part
        profiles then move together, as paired data do.  Within each ``by``
        group the draw is separate.  ``None`` resamples each part's reports
        independently.
    role, themes, weight, n_boot, ci, random_state, labels, method, estimator, validation
        As in :func:`theme_shares`.

    Returns
    -------
    DataFrame
        One row per group, role and theme: the :func:`theme_shares` columns
        (``share`` = share of the role's units carrying the theme) plus
        ``role_share`` = share of the theme's units that sit in this role.
        Roles follow :data:`ROLES`.

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"role": ["measures", "measures", "problems"],
    ...                   "labels": ["普法宣传", "行政执法", "普法宣传"]})
    >>> p = section_profile(u, by=None, n_boot=0)
    >>> p[(p.theme == "普法宣传")][["role", "share", "role_share"]].values.tolist()
    [['measures', 0.5, 0.5], ['problems', 1.0, 0.5]]
    """
    if role not in units.columns:
        raise InputError(f"role: column {role!r} not in units (have {list(units.columns)})")
    groups = [] if by is None else group_columns(units, by)
    if isinstance(paired, str) and paired == "auto":
        paired = "report_id" if "report_id" in units.columns and "report_id" not in groups \
            else None
    kw = dict(weight=weight, themes=themes, n_boot=n_boot, ci=ci, labels=labels,
              method=method, estimator=estimator, validation=validation)
    if paired is None:
        out = theme_shares(units, by=[*groups, role], random_state=random_state, **kw)
    else:
        # one joint draw of reports per group: parts are paired within a group only
        rng = np.random.default_rng(random_state)
        codes, keys = group_codes(units, groups)
        parts = []
        for g, key in enumerate(keys):
            sub = units[codes == g]
            part = theme_shares(sub, by=role, paired=paired, random_state=rng, **kw)
            for col, value in zip(groups, key):
                part.insert(groups.index(col), col, value)
            parts.append(part)
        out = pd.concat(parts, ignore_index=True)
    tot = out.groupby([*groups, "theme"], sort=False, dropna=False)["n_theme"].transform("sum")
    out["role_share"] = (out["n_theme"] / tot.where(tot > 0)).astype(float)
    known = [r for r in ROLES if r in set(out[role])]
    order = known + sorted(set(out[role]) - set(known), key=str)
    out[role] = pd.Categorical(out[role], categories=order, ordered=True)
    theme_order = list(dict.fromkeys(out["theme"]))
    out["_t"] = out["theme"].map({t: i for i, t in enumerate(theme_order)})
    out = out.sort_values([*groups, role, "_t"], kind="stable").drop(columns="_t")
    out.attrs = {}
    return out.reset_index(drop=True)
