"""Figures from the comparison and model tables, with Chinese text rendered properly.

Every function takes a tidy DataFrame and an optional ``ax``, draws, and
returns the :class:`~matplotlib.axes.Axes`; none calls ``plt.show()`` or
``savefig``.  Chinese is drawn with Noto Sans CJK SC from the ``mplfonts``
package (installed with fazhi-nlp), registered with matplotlib on import, so no
system font is needed; the minus sign is drawn as ASCII ``-``.

Examples
--------
>>> from nlp import compare, plots
>>> shares = compare.theme_shares(units, by="year", random_state=0)     # doctest: +SKIP
>>> ax = plots.plot_emphasis_change(compare.emphasis_change(shares))   # doctest: +SKIP
>>> ax.figure.savefig("change.svg")                                    # doctest: +SKIP
"""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import font_manager

__all__ = ["use_cjk_font", "cjk_font_path", "plot_theme_shares", "plot_emphasis_change",
           "plot_section_profile", "plot_keyness", "plot_topic_prevalence", "plot_coherence",
           "plot_confusion"]

log = logging.getLogger(__name__)

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
_PALETTE = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3",
            "#8C8C8C", "#CCB974", "#64B5CD"]
_font_name: str | None = None


def cjk_font_path() -> Path:
    """Path of the CJK font file shipped by ``mplfonts``."""
    try:
        import mplfonts
    except ImportError as exc:  # pragma: no cover - a dependency of fazhi-nlp
        raise ImportError("Chinese figures need the 'mplfonts' package: "
                          "pip install mplfonts") from exc
    path = Path(mplfonts.__file__).resolve().parent / "fonts" / CJK_FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"CJK font not found at {path}; reinstall mplfonts")
    return path


def use_cjk_font() -> str:
    """Register the bundled CJK font with matplotlib and make it the default; return its name.

    Idempotent; called on import of :mod:`nlp.plots` and by every plot function.
    """
    global _font_name
    if _font_name is None:
        path = cjk_font_path()
        font_manager.fontManager.addfont(str(path))
        _font_name = font_manager.FontProperties(fname=str(path)).get_name()
        log.debug("registered CJK font %s from %s", _font_name, path)
    fams = list(mpl.rcParams["font.sans-serif"])
    if not fams or fams[0] != _font_name:
        mpl.rcParams["font.sans-serif"] = [_font_name] + [f for f in fams if f != _font_name]
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["axes.unicode_minus"] = False
    return _font_name


use_cjk_font()


def _axes(ax, figsize=(7, 4)):
    use_cjk_font()
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _need(df: pd.DataFrame, cols, fn: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{fn}: expected a DataFrame, got {type(df).__name__}")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{fn}: the table lacks column(s) {missing} (has {list(df.columns)})")


def _err(df, value="share", lo="ci_low", hi="ci_high"):
    if lo in df and hi in df and df[lo].notna().any():
        v = df[value].to_numpy(float)
        return np.vstack([np.clip(v - df[lo].to_numpy(float), 0, None),
                          np.clip(df[hi].to_numpy(float) - v, 0, None)])
    return None


def _group_col(df, group):
    if group is not None:
        return group
    skip = {"theme", "share", "ci_low", "ci_high", "se", "n_theme", "n_units", "weight",
            "resampled", "role_share"}
    cols = [c for c in df.columns if c not in skip]
    if not cols:
        raise ValueError("plot_theme_shares: no group column; pass group=")
    return cols[0]


def plot_theme_shares(df: pd.DataFrame, ax=None, *, group: str | None = None,
                      title: str | None = None, **kwargs):
    """Grouped horizontal bars: share of units per theme and group, with intervals.

    ``df`` is the output of :func:`nlp.compare.theme_shares`; ``group`` is its
    group column (found automatically).  Extra keywords go to ``ax.barh``.

    Examples
    --------
    >>> ax = plot_theme_shares(theme_shares(units, by="report"))   # doctest: +SKIP
    """
    _need(df, ["theme", "share"], "plot_theme_shares")
    ax = _axes(ax)
    group = _group_col(df, group)
    themes = list(dict.fromkeys(df["theme"]))
    groups = list(dict.fromkeys(df[group]))
    h = 0.8 / max(len(groups), 1)
    y = np.arange(len(themes))
    for i, g in enumerate(groups):
        part = df[df[group] == g].set_index("theme").reindex(themes)
        ax.barh(y - 0.4 + h * (i + 0.5), part["share"].to_numpy(float), height=h,
                xerr=_err(part), color=_PALETTE[i % len(_PALETTE)], label=str(g),
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
    _need(df, ["theme", "share_a", "share_b"], "plot_emphasis_change")
    ax = _axes(ax, figsize=(7.5, 0.6 * len(df) + 1.6))
    a = str(df["a"].iloc[0]) if "a" in df else "a"
    b = str(df["b"].iloc[0]) if "b" in df else "b"
    y = np.arange(len(df))
    for yi, (_, r) in zip(y, df.iterrows()):
        ax.plot([r["share_a"], r["share_b"]], [yi - 0.12, yi + 0.12], color="#999", lw=2, zorder=1,
                **kwargs)
    for col, lo, hi, color, name, off in (("share_a", "ci_low_a", "ci_high_a", _PALETTE[0], a,
                                           -0.12),
                                          ("share_b", "ci_low_b", "ci_high_b", _PALETTE[1], b,
                                           0.12)):
        ax.errorbar(df[col].to_numpy(float), y + off, xerr=_err(df, col, lo, hi), fmt="o",
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


def _heatmap(ax, mat: pd.DataFrame, *, fmt="{:.0%}", cmap="Blues", vmin=0.0, vmax=None,
             labels: pd.DataFrame | None = None, cbar_label: str = ""):
    values = mat.to_numpy(float)
    vmax = np.nanmax(values) if vmax is None and np.isfinite(values).any() else (vmax or 1.0)
    im = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    ax.set_xticks(np.arange(mat.shape[1]), [str(c) for c in mat.columns])
    ax.set_yticks(np.arange(mat.shape[0]), [str(i) for i in mat.index])
    ax.tick_params(axis="x", labelrotation=30)
    for lbl in ax.get_xticklabels():
        lbl.set_horizontalalignment("right")
    for i in range(mat.shape[0]):
        for j in range(mat.shape[1]):
            v = values[i, j]
            if not np.isfinite(v):
                continue
            text = labels.iat[i, j] if labels is not None else fmt.format(v)
            dark = (v - vmin) / ((vmax - vmin) or 1) > 0.6
            ax.text(j, i, text, ha="center", va="center", fontsize="small",
                    color="white" if dark else "black")
    cb = ax.figure.colorbar(im, ax=ax, shrink=0.8)
    cb.set_label(cbar_label)
    return ax


def plot_section_profile(df: pd.DataFrame, ax=None, *, value: str = "share",
                         role: str = "role", title: str | None = None, **kwargs):
    """Heatmap of themes (columns) by report part (rows), one block of rows per report.

    ``df`` is the output of :func:`nlp.compare.section_profile`; ``value`` is
    ``"share"`` (share of the part's units) or ``"role_share"`` (share of the
    theme's units in this part).  Cells show ``n_theme/n_units``.
    """
    _need(df, [role, "theme", value], "plot_section_profile")
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
    ax = _axes(ax, figsize=(7.5, 0.35 * len(rows) + 1.8))
    _heatmap(ax, mat, vmax=1.0, labels=labels, cbar_label=value, **kwargs)
    ax.set_title(title or "报告各部分的主题 / themes by report part")
    return ax


def plot_keyness(df: pd.DataFrame, ax=None, *, n: int = 12, value: str = "log_ratio",
                 title: str | None = None, **kwargs):
    """Diverging bars for the ``n`` most key terms of each group (by G²).

    ``df`` is the output of :func:`nlp.compare.keyness`; bars show ``value``
    (log ratio, positive = over-used in group a); ``*`` marks p_bh < 0.05.
    """
    _need(df, ["term", "g2", "overused_in", value], "plot_keyness")
    names = list(df.attrs.get("names", dict.fromkeys(df["overused_in"])))
    parts = [df[df["overused_in"] == g].nlargest(n, "g2") for g in names]
    top = pd.concat(parts).sort_values(value, ascending=True, kind="stable")
    ax = _axes(ax, figsize=(7, 0.28 * len(top) + 1.5))
    colors = [_PALETTE[names.index(g) % len(_PALETTE)] for g in top["overused_in"]]
    y = np.arange(len(top))
    ax.barh(y, top[value].to_numpy(float), color=colors, **kwargs)
    star = (top["p_bh"] < 0.05) if "p_bh" in top else pd.Series(False, index=top.index)
    ax.set_yticks(y, [t + (" *" if s else "") for t, s in zip(top["term"], star)])
    ax.axvline(0, color="#333", lw=0.8)
    ax.set_xlabel(f"{value} (> 0: more in {names[0]}; < 0: more in "
                  f"{names[1] if len(names) > 1 else 'b'}); * BH-adjusted p < 0.05")
    ax.set_title(title or "关键词 / keyness (G², many terms tested)")
    return ax


def plot_topic_prevalence(df: pd.DataFrame, ax=None, *, index: str = "agency",
                          columns: str | None = None, value: str = "share",
                          title: str | None = None, **kwargs):
    """Heatmap of topic prevalence: ``index`` (agency) × topic.

    ``df`` is the output of :func:`nlp.topics.prevalence`; the topic axis uses
    the ``label`` column when present, else ``topic``.
    """
    columns = columns or ("label" if "label" in df.columns else "topic")
    _need(df, [index, columns, value], "plot_topic_prevalence")
    d = df.copy()
    if columns == "label" and "topic" in d:
        d["label"] = d["topic"].astype(str) + " " + d["label"].astype(str)
    order = list(dict.fromkeys(d[columns]))
    mat = d.pivot_table(index=index, columns=columns, values=value, aggfunc="mean",
                        sort=False).reindex(columns=order)
    ax = _axes(ax, figsize=(max(7, 0.7 * len(order) + 2), 0.5 * len(mat) + 2.5))
    _heatmap(ax, mat, cbar_label=f"topic {value}", **kwargs)
    ax.set_title(title or "主题模型: 各机构的话题占比 / topic prevalence")
    return ax


def plot_coherence(df: pd.DataFrame, ax=None, *, title: str | None = None, **kwargs):
    """Coherence (mean ± sd over seeds) by number of topics, stability on a second axis.

    ``df`` is the output of :func:`nlp.topics.select_k` (columns ``k``,
    ``coherence_mean``, optional ``coherence_std`` and ``stability_mean``).
    """
    _need(df, ["k", "coherence_mean"], "plot_coherence")
    ax = _axes(ax)
    d = df.sort_values("k")
    ax.errorbar(d["k"], d["coherence_mean"], yerr=d.get("coherence_std"), marker="o",
                color=_PALETTE[0], capsize=3, label="coherence", **kwargs)
    ax.set_xlabel("number of topics k")
    ax.set_ylabel("coherence (mean ± sd over seeds)", color=_PALETTE[0])
    ax.set_xticks(d["k"].tolist())
    if "stability_mean" in d:
        ax2 = ax.twinx()
        ax2.plot(d["k"], d["stability_mean"], marker="s", ls="--", color=_PALETTE[1],
                 label="stability")
        ax2.set_ylabel("stability across seeds", color=_PALETTE[1])
    ax.set_title(title or "选择话题数 / choosing k")
    return ax


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
    ax = _axes(ax, figsize=(6, 0.5 * len(mat) + 2))
    labels = mat.map(lambda v: f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}")
    if normalize:
        _heatmap(ax, rates, labels=labels, vmax=1.0, cbar_label="rate within true class",
                 **kwargs)
    else:
        _heatmap(ax, mat, labels=labels, cbar_label="count", **kwargs)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or "混淆矩阵 / confusion")
    return ax
