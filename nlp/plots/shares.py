"""Theme shares per group, across an ordered variable (years), and their change."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd

from .base import (
    MAX_GROUPS,
    PALETTE,
    cjk_figure,
    display,
    error_bars,
    group_column,
    heatmap,
    legend_outside,
    need_columns,
    new_axes,
)

__all__ = ['plot_theme_shares', 'plot_shares_over', 'plot_emphasis_change']

_MPL = tuple(int(p) for p in matplotlib.__version__.split(".")[:2])


def _unit_label(df: pd.DataFrame) -> str:
    weight = df["weight"].iloc[0] if "weight" in df and len(df) else "units"
    return "share of characters" if weight == "chars" else "share of units"


def _interval_label(df: pd.DataFrame) -> str:
    """How the table's intervals were made, for an axis label."""
    how = set(df["interval"].dropna()) - {"none"} if "interval" in df else set()
    res = df["resampled"].iloc[0] if "resampled" in df and len(df) else "units"
    if not how:
        return "no intervals" if "interval" in df else "95% bootstrap interval"
    what = "units" if res == "units" else f"{'reports' if res == 'report_id' else res}"
    return f"95% {'t' if how == {'t'} else '/'.join(sorted(how))} interval, {what} resampled"


@cjk_figure
def plot_theme_shares(df: pd.DataFrame, ax=None, *, group: str | None = None,
                      title: str | None = None, max_groups: int = MAX_GROUPS,
                      many: str = "distribution", **kwargs):
    """Share of units per theme and group, with intervals.

    ``df`` is the output of :func:`nlp.compare.theme_shares`; ``group`` is its
    group column (found automatically).  Up to ``max_groups`` groups: grouped
    horizontal bars with their intervals, the legend outside the axes.  With
    more groups bars would be unreadable: ``many="distribution"`` (for
    exchangeable groups such as 150 reports) draws each group as a dot and a
    box of the groups' shares per theme; ``many="heatmap"`` (for named groups
    such as agency types) draws group × theme cells labelled with the share.
    Extra keywords go to ``ax.barh`` (or the dots).

    Examples
    --------
    >>> ax = plot_theme_shares(theme_shares(units, by="report"))   # doctest: +SKIP
    """
    need_columns(df, ["theme", "share"], "plot_theme_shares")
    group = group_column(df, group)
    themes = list(dict.fromkeys(df["theme"]))
    groups = list(dict.fromkeys(df[group]))
    y = np.arange(len(themes))
    if len(groups) > max_groups and many == "heatmap":
        d = df.assign(_g=[display(v) for v in df[group]])
        if "n_reports" in d:
            d["_g"] = d["_g"] + " (n=" + d["n_reports"].astype(str).str.replace("<NA>", "?") + ")"
        rows = list(dict.fromkeys(d["_g"]))
        mat = d.pivot(index="_g", columns="theme", values="share").reindex(index=rows,
                                                                           columns=themes)
        ax = new_axes(ax, figsize=(7.5, 0.3 * len(rows) + 1.8))
        heatmap(ax, mat, vmax=1.0, cbar_label=_unit_label(df))
        ax.set_title(title or f"主题占比 / theme shares by {group}")
        return ax
    if len(groups) > max_groups:
        ax = new_axes(ax, figsize=(7.5, 0.6 * len(themes) + 1.8))
        data = [df.loc[df["theme"] == t, "share"].dropna().to_numpy(float) for t in themes]
        # matplotlib 3.10 renamed vert=False to orientation="horizontal"
        flat = ({"orientation": "horizontal"} if _MPL >= (3, 10) else {"vert": False})
        ax.boxplot(data, positions=y, widths=0.6, showfliers=False, **flat,
                   medianprops={"color": "#333"}, boxprops={"color": "#777"},
                   whiskerprops={"color": "#777"}, capprops={"color": "#777"})
        rng = np.random.default_rng(0)  # jitter only; fixed so figures are reproducible
        for i, d in enumerate(data):
            ax.scatter(d, i + rng.uniform(-0.2, 0.2, len(d)), s=10, alpha=0.5,
                       color=PALETTE[i % len(PALETTE)], zorder=3, **kwargs)
        ax.set_yticks(y, themes)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel(f"{_unit_label(df)} per {group} (one dot each; box: quartiles)")
        ax.set_title(title or f"主题占比 / theme shares across {len(groups)} "
                              f"{'reports' if group == 'report_id' else group + ' groups'}")
        return ax
    ax = new_axes(ax, figsize=(7.5, max(3.0, 0.25 * len(themes) * max(len(groups), 2) + 1.2)))
    h = 0.8 / max(len(groups), 1)
    for i, g in enumerate(groups):
        part = df[df[group] == g].set_index("theme").reindex(themes)
        ax.barh(y - 0.4 + h * (i + 0.5), part["share"].to_numpy(float), height=h,
                xerr=error_bars(part), color=PALETTE[i % len(PALETTE)], label=display(g),
                error_kw={"elinewidth": 1, "capsize": 2, "ecolor": "#333"}, **kwargs)
    ax.set_yticks(y, themes)
    ax.invert_yaxis()
    ax.set_xlabel(f"{_unit_label(df)} ({_interval_label(df)})")
    top = df["ci_high"] if "ci_high" in df and df["ci_high"].notna().any() else df["share"]
    ax.set_xlim(0, min(1.0, max(0.05, float(np.nanmax(np.r_[top, df["share"]])) * 1.1)))
    legend_outside(ax, title=str(group))
    ax.set_title(title or "主题占比 / theme shares")
    return ax


@cjk_figure
def plot_shares_over(df: pd.DataFrame, ax=None, *, x: str = "year", title: str | None = None,
                     **kwargs):
    """Theme shares across an ordered variable (years), one line per theme, with intervals.

    ``df`` is the output of ``theme_shares(units, by="year")``.  Groups without
    an interval (a single report) are drawn as hollow markers; the number of
    reports of each year is written under its tick.  With a ``raw_share``
    column (shares corrected for classifier error) the uncorrected shares are
    drawn as dotted lines.  Extra keywords go to ``ax.errorbar``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"year": [2021, 2021, 2024, 2024], "theme": ["普法宣传", "放管服"] * 2,
    ...                    "share": [0.3, 0.1, 0.4, 0.2], "ci_low": [0.2, 0.05, 0.3, 0.1],
    ...                    "ci_high": [0.4, 0.2, 0.5, 0.3], "n_reports": [3, 3, 4, 4]})
    >>> plot_shares_over(df).get_xticklabels()[0].get_text()
    '2021\\nn=3'
    """
    need_columns(df, [x, "theme", "share"], "plot_shares_over")
    d = df[df[x].notna()].copy()
    levels = sorted(d[x].unique())
    pos = {v: i for i, v in enumerate(levels)}
    themes = list(dict.fromkeys(d["theme"]))
    ax = new_axes(ax, figsize=(max(6.5, 0.7 * len(levels) + 4.5), 4.2))
    width = 0.5
    for i, theme in enumerate(themes):
        part = d[d["theme"] == theme].sort_values(x)
        xs = np.array([pos[v] for v in part[x]], dtype=float)
        xs += (i - (len(themes) - 1) / 2) * width / max(len(themes), 1)
        color = PALETTE[i % len(PALETTE)]
        ax.plot(xs, part["share"].to_numpy(float), color=color, lw=1.2, alpha=0.8)
        ok = part["ci_low"].notna().to_numpy() if "ci_low" in part else np.zeros(len(part), bool)
        if ok.any():
            ax.errorbar(xs[ok], part["share"].to_numpy(float)[ok],
                        yerr=error_bars(part[ok]), fmt="o", color=color, ms=5, capsize=2,
                        lw=1, label=theme, **kwargs)
        if (~ok).any():
            ax.plot(xs[~ok], part["share"].to_numpy(float)[~ok], "o", mfc="white", color=color,
                    ms=5, label=None if ok.any() else theme)
        if "raw_share" in part:
            ax.plot(xs, part["raw_share"].to_numpy(float), ":", color=color, lw=1)
    labels = [display(v) for v in levels]
    if "n_reports" in d:
        n = d.groupby(x)["n_reports"].first()
        labels = [f"{lbl}\nn={display(n.get(v))}" for lbl, v in zip(labels, levels)]
    ax.set_xticks(range(len(levels)), labels)
    ax.set_xlim(-0.6, len(levels) - 0.4)
    ax.set_ylim(0, min(1.0, max(0.1, float(np.nanmax(
        d["ci_high"] if "ci_high" in d and d["ci_high"].notna().any() else d["share"])) * 1.1)))
    ax.set_ylabel(f"{_unit_label(d)}")
    ax.set_xlabel(f"{x} (n = reports); {_interval_label(d)}; hollow: one report, no interval"
                  + ("; dotted: uncorrected" if "raw_share" in d else ""))
    legend_outside(ax, title="theme")
    ax.set_title(title or f"主题占比随{x}变化 / theme shares by {x}")
    return ax


@cjk_figure
def plot_emphasis_change(df: pd.DataFrame, ax=None, *, title: str | None = None,
                         annotate: bool = True, **kwargs):
    """Dumbbell chart from group ``a`` to ``b`` per theme, with each share's interval.

    ``df`` is the output of :func:`nlp.compare.emphasis_change`.  The text at
    the right gives the difference and its interval in percentage points.
    The title says how many reports each side has (and "two reports, not a
    trend" when each side is a single report).  Extra keywords go to the
    connecting lines.

    Examples
    --------
    >>> ax = plot_emphasis_change(emphasis_change(shares))   # doctest: +SKIP
    """
    need_columns(df, ["theme", "share_a", "share_b"], "plot_emphasis_change")
    ax = new_axes(ax, figsize=(8.5, 0.6 * len(df) + 1.8))
    a = display(df["a"].iloc[0]) if "a" in df else "a"
    b = display(df["b"].iloc[0]) if "b" in df else "b"
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
    res = df["resampled"].iloc[0] if "resampled" in df and len(df) else "units"
    ax.set_xlabel("share of units, 95% interval "
                  + ("over units (within-report variation)" if res == "units"
                     else f"resampling {'reports' if res == 'report_id' else res}"))
    if annotate and {"diff", "ci_low", "ci_high"} <= set(df.columns):
        for yi, (_, r) in zip(y, df.iterrows()):
            ci = (f"[{100 * r['ci_low']:+.0f}, {100 * r['ci_high']:+.0f}]"
                  if pd.notna(r["ci_low"]) else "[no interval]")
            ax.annotate(f"{100 * r['diff']:+.0f} pp {ci}", xy=(1.01, yi),
                        xycoords=("axes fraction", "data"), va="center", fontsize="small")
    ax.legend(loc="lower right", fontsize="small")
    na = df["n_reports_a"].iloc[0] if "n_reports_a" in df else None
    nb = df["n_reports_b"].iloc[0] if "n_reports_b" in df else None
    if na is None or pd.isna(na) or pd.isna(nb):
        what = ""
    elif int(na) == 1 and int(nb) == 1:
        what = " (two reports, not a trend)"
    else:
        what = f" ({int(na)} vs {int(nb)} reports)"
    ax.set_title(title or f"{a} → {b}: 主题占比变化{what}")
    return ax
