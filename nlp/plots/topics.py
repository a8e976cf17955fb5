"""Topic models: prevalence per group, and coherence when choosing k."""

from __future__ import annotations

import pandas as pd

from .base import PALETTE, cjk_figure, display, heatmap, need_columns, new_axes

_TOPIC_COLUMNS = {"topic", "label", "share", "ci_low", "ci_high", "n_docs", "n_reports",
                  "resampled", "interval"}

__all__ = ['plot_topic_prevalence', 'plot_coherence']


@cjk_figure
def plot_topic_prevalence(df: pd.DataFrame, ax=None, *, index: str | None = None,
                          columns: str | None = None, value: str = "share",
                          title: str | None = None, **kwargs):
    """Heatmap of topic prevalence: ``index`` (agency, year…) × topic.

    ``df`` is the output of :func:`nlp.compare.prevalence`; ``index`` defaults
    to its first grouping column; missing values show as ``unknown``.  The
    topic axis uses the ``label`` column when present, else ``topic``.
    """
    columns = columns or ("label" if "label" in df.columns else "topic")
    if index is None:
        groups = [c for c in df.columns if c not in _TOPIC_COLUMNS]
        index = groups[0] if groups else "agency"
    need_columns(df, [index, columns, value], "plot_topic_prevalence")
    d = df.copy()
    d[index] = [display(v) for v in d[index]]
    if columns == "label" and "topic" in d:
        d["label"] = d["topic"].astype(str) + " " + d["label"].astype(str)
    order = list(dict.fromkeys(d[columns]))
    mat = d.pivot_table(index=index, columns=columns, values=value, aggfunc="mean",
                        sort=False).reindex(columns=order)
    ax = new_axes(ax, figsize=(max(7, 0.7 * len(order) + 2), 0.5 * len(mat) + 2.5))
    heatmap(ax, mat, cbar_label=f"topic {value}", **kwargs)
    ax.set_title(title or f"话题占比 / topic prevalence by {index}")
    return ax


@cjk_figure
def plot_coherence(df: pd.DataFrame, ax=None, *, title: str | None = None, **kwargs):
    """Coherence (mean ± sd over seeds) by number of topics, stability on a second axis.

    ``df`` is the output of :func:`nlp.topics.select_k` (columns ``k``,
    ``coherence_mean``, optional ``coherence_std`` and ``stability_mean``).
    """
    need_columns(df, ["k", "coherence_mean"], "plot_coherence")
    ax = new_axes(ax)
    d = df.sort_values("k")
    ax.errorbar(d["k"], d["coherence_mean"], yerr=d.get("coherence_std"), marker="o",
                color=PALETTE[0], capsize=3, label="coherence", **kwargs)
    ax.set_xlabel("number of topics k")
    ax.set_ylabel("coherence (mean ± sd over seeds)", color=PALETTE[0])
    ax.set_xticks(d["k"].tolist())
    if "stability_mean" in d:
        ax2 = ax.twinx()
        ax2.plot(d["k"], d["stability_mean"], marker="s", ls="--", color=PALETTE[1],
                 label="stability")
        ax2.set_ylabel("stability across seeds", color=PALETTE[1])
    ax.set_title(title or "选择话题数 / choosing k")
    return ax
