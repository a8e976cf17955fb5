"""Theme shares per group, and their change between two groups."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import PALETTE, cjk_figure, error_bars, group_column, need_columns, new_axes

__all__ = ['plot_theme_shares', 'plot_emphasis_change']


@cjk_figure
def plot_theme_shares(df: pd.DataFrame, ax=None, *, group: str | None = None,
                      title: str | None = None, **kwargs):
    """Grouped horizontal bars: share of units per theme and group, with intervals.

    ``df`` is the output of :func:`nlp.compare.theme_shares`; ``group`` is its
    group column (found automatically).  Extra keywords go to ``ax.barh``.

    Examples
    --------
    >>> ax = plot_theme_shares(theme_shares(units, by="report"))   # doctest: +SKIP
    """
    need_columns(df, ["theme", "share"], "plot_theme_shares")
    ax = new_axes(ax)
    group = group_column(df, group)
    themes = list(dict.fromkeys(df["theme"]))
    groups = list(dict.fromkeys(df[group]))
    h = 0.8 / max(len(groups), 1)
    y = np.arange(len(themes))
    for i, g in enumerate(groups):
        part = df[df[group] == g].set_index("theme").reindex(themes)
        ax.barh(y - 0.4 + h * (i + 0.5), part["share"].to_numpy(float), height=h,
                xerr=error_bars(part), color=PALETTE[i % len(PALETTE)], label=str(g),
                error_kw={"elinewidth": 1, "capsize": 2, "ecolor": "#333"}, **kwargs)
    ax.set_yticks(y, themes)
    ax.invert_yaxis()
    ax.set_xlabel("share of units (95% bootstrap interval)"
                  if (df.get("weight", pd.Series(["units"])).iloc[0] != "chars")
                  else "share of characters (95% bootstrap interval)")
    ax.set_xlim(0, min(1.0, max(0.05, float(np.nanmax(df.get("ci_high", df["share"]))) * 1.1)))
    ax.legend(title=str(group), loc="best", fontsize="small")
    ax.set_title(title or "主题占比 / theme shares")
    return ax


@cjk_figure
def plot_emphasis_change(df: pd.DataFrame, ax=None, *, title: str | None = None,
                         annotate: bool = True, **kwargs):
    """Dumbbell chart from group ``a`` to ``b`` per theme, with each share's interval.

    ``df`` is the output of :func:`nlp.compare.emphasis_change`.  The text at
    the right gives the difference and its interval in percentage points.
    Extra keywords go to the connecting lines.

    Examples
    --------
    >>> ax = plot_emphasis_change(emphasis_change(shares))   # doctest: +SKIP
    """
    need_columns(df, ["theme", "share_a", "share_b"], "plot_emphasis_change")
    ax = new_axes(ax, figsize=(7.5, 0.6 * len(df) + 1.6))
    a = str(df["a"].iloc[0]) if "a" in df else "a"
    b = str(df["b"].iloc[0]) if "b" in df else "b"
    y = np.arange(len(df))
    for yi, (_, r) in zip(y, df.iterrows()):
        ax.plot([r["share_a"], r["share_b"]], [yi - 0.12, yi + 0.12], color="#999", lw=2, zorder=1,
                **kwargs)
    for col, lo, hi, color, name, off in (("share_a", "ci_low_a", "ci_high_a", PALETTE[0], a,
                                           -0.12),
                                          ("share_b", "ci_low_b", "ci_high_b", PALETTE[1], b,
                                           0.12)):
        ax.errorbar(df[col].to_numpy(float), y + off, xerr=error_bars(df, col, lo, hi), fmt="o",
                    color=color, ms=7, capsize=3, lw=1, label=name, zorder=2)
    ax.set_yticks(y, df["theme"].tolist())
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of units, 95% bootstrap interval over units")
    if annotate and {"diff", "ci_low", "ci_high"} <= set(df.columns):
        for yi, (_, r) in zip(y, df.iterrows()):
            ax.annotate(f"{100 * r['diff']:+.0f} pp [{100 * r['ci_low']:+.0f}, "
                        f"{100 * r['ci_high']:+.0f}]", xy=(1.01, yi),
                        xycoords=("axes fraction", "data"), va="center", fontsize="small")
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title(title or f"{a} → {b}: 主题占比变化 (two reports, not a trend)")
    return ax
