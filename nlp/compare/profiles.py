"""Themes by report part: what reports claim as achievements, admit as problems, and plan."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..codebook import ROLES
from ..errors import InputError
from .shares import group_columns, theme_shares

__all__ = ["section_profile"]


def section_profile(units: pd.DataFrame, *, by="report", role: str = "role",
                    themes: Sequence[str] | None = None, weight: str = "units",
                    n_boot: int = 1000, ci: float = 0.95, random_state=None,
                    labels: str = "labels") -> pd.DataFrame:
    """Themes by report part: what reports claim as achievements, admit as problems, and plan.

    Parameters
    ----------
    units : DataFrame
        Units with themes and a ``role`` column (preamble, measures, problems,
        leadership, plans, other — from :func:`nlp.segment`).
    by : str, list or None
        Extra grouping (default per report); ``None`` pools all units.
    role, themes, weight, n_boot, ci, random_state, labels
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
    out = theme_shares(units, by=[*groups, role], weight=weight, themes=themes, n_boot=n_boot,
                       ci=ci, random_state=random_state, labels=labels)
    tot = out.groupby([*groups, "theme"], sort=False)["n_theme"].transform("sum")
    out["role_share"] = (out["n_theme"] / tot.where(tot > 0)).astype(float)
    known = [r for r in ROLES if r in set(out[role])]
    order = known + sorted(set(out[role]) - set(known), key=str)
    out[role] = pd.Categorical(out[role], categories=order, ordered=True)
    theme_order = list(dict.fromkeys(out["theme"]))
    out["_t"] = out["theme"].map({t: i for i, t in enumerate(theme_order)})
    out = out.sort_values([*groups, role, "_t"], kind="stable").drop(columns="_t")
    out.attrs.pop("bootstrap", None)
    return out.reset_index(drop=True)
