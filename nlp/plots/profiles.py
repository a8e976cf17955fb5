"""Themes by report part (the section profile)."""

from __future__ import annotations

import pandas as pd

from .base import cjk_figure, heatmap, need_columns, new_axes

__all__ = ['plot_section_profile']


@cjk_figure
def plot_section_profile(df: pd.DataFrame, ax=None, *, value: str = "share",
                         role: str = "role", title: str | None = None, **kwargs):
    """Heatmap of themes (columns) by report part (rows), one block of rows per report.

    ``df`` is the output of :func:`nlp.compare.section_profile`; ``value`` is
    ``"share"`` (share of the part's units) or ``"role_share"`` (share of the
    theme's units in this part).  Cells show ``n_theme/n_units``.
    """
    need_columns(df, [role, "theme", value], "plot_section_profile")
    groups = [c for c in df.columns if c not in {role, "theme", "share", "ci_low", "ci_high",
                                                 "se", "n_theme", "n_units", "weight",
                                                 "resampled", "role_share"}]
    d = df.copy()
    d["_row"] = d[[*groups, role]].astype(str).agg(" · ".join, axis=1)
    rows = list(dict.fromkeys(d["_row"]))
    cols = list(dict.fromkeys(d["theme"]))
    mat = d.pivot(index="_row", columns="theme", values=value).reindex(index=rows, columns=cols)
    labels = None
    if {"n_theme", "n_units"} <= set(d.columns):
        txt = d.assign(_t=d["n_theme"].astype(int).astype(str) + "/"
                       + d["n_units"].astype(int).astype(str))
        labels = txt.pivot(index="_row", columns="theme", values="_t").reindex(index=rows,
                                                                             columns=cols)
    ax = new_axes(ax, figsize=(7.5, 0.35 * len(rows) + 1.8))
    heatmap(ax, mat, vmax=1.0, labels=labels, cbar_label=value, **kwargs)
    ax.set_title(title or "报告各部分的主题 / themes by report part")
    return ax
