"""Themes by report part (the section profile)."""

from __future__ import annotations

import pandas as pd

from .base import (
    MAX_GROUPS,
    NON_GROUP_COLUMNS,
    cjk_figure,
    display,
    heatmap,
    need_columns,
    new_axes,
)

__all__ = ['plot_section_profile']


@cjk_figure
def plot_section_profile(df: pd.DataFrame, ax=None, *, value: str = "share",
                         role: str = "role", title: str | None = None,
                         max_groups: int = 4, **kwargs):
    """Heatmap of themes (columns) by report part (rows).

    ``df`` is the output of :func:`nlp.compare.section_profile`; ``value`` is
    ``"share"`` (share of the part's units) or ``"role_share"`` (share of the
    theme's units in this part).  Cells show ``n_theme/n_units``.  With up to
    ``max_groups`` groups (reports, years) each group gets its block of rows;
    with more, the parts are pooled over the groups (counts added up), so the
    figure has one row per part however many reports there are.
    """
    need_columns(df, [role, "theme", value], "plot_section_profile")
    groups = [c for c in df.columns if c not in NON_GROUP_COLUMNS | {role}]
    d = df.copy()
    pooled = ""
    n_groups = len(d[groups].drop_duplicates()) if groups else 1
    if groups and n_groups > min(max_groups, MAX_GROUPS) and {"n_theme", "n_units"} <= set(d):
        d = (d.groupby([role, "theme"], sort=False, observed=True)
             [["n_theme", "n_units"]].sum().reset_index())
        d["share"] = d["n_theme"] / d["n_units"].where(d["n_units"] > 0)
        tot = d.groupby("theme", sort=False)["n_theme"].transform("sum")
        d["role_share"] = d["n_theme"] / tot.where(tot > 0)
        d = d[d["n_units"] > 0]
        pooled = f" (pooled over {n_groups} {'reports' if groups == ['report_id'] else 'groups'})"
        groups = []
    d["_row"] = [" · ".join(display(v) for v in row)
                 for row in d[[*groups, role]].itertuples(index=False, name=None)]
    rows = list(dict.fromkeys(d["_row"]))
    cols = list(dict.fromkeys(d["theme"]))
    mat = d.pivot(index="_row", columns="theme", values=value).reindex(index=rows, columns=cols)
    labels = None
    if {"n_theme", "n_units"} <= set(d.columns):
        txt = d.assign(_t=d["n_theme"].round().astype(int).astype(str) + "/"
                       + d["n_units"].astype(int).astype(str))
        labels = txt.pivot(index="_row", columns="theme", values="_t").reindex(index=rows,
                                                                             columns=cols)
    ax = new_axes(ax, figsize=(7.5, 0.35 * len(rows) + 1.8))
    heatmap(ax, mat, vmax=1.0, labels=labels, cbar_label=value, **kwargs)
    ax.set_title(title or f"报告各部分的主题 / themes by report part{pooled}")
    return ax
