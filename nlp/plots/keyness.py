"""Keyness: the terms each group over-uses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import PALETTE, cjk_figure, need_columns, new_axes

__all__ = ['plot_keyness']


@cjk_figure
def plot_keyness(df: pd.DataFrame, ax=None, *, n: int = 12, value: str = "log_ratio",
                 title: str | None = None, **kwargs):
    """Diverging bars for the ``n`` most key terms of each group (by G²).

    ``df`` is the output of :func:`nlp.compare.keyness`; bars show ``value``
    (log ratio, positive = over-used in group a); ``*`` marks p_bh < 0.05.
    """
    need_columns(df, ["term", "g2", "overused_in", value], "plot_keyness")
    names = list(df.attrs.get("names", dict.fromkeys(df["overused_in"])))
    parts = [df[df["overused_in"] == g].nlargest(n, "g2") for g in names]
    top = pd.concat(parts).sort_values(value, ascending=True, kind="stable")
    ax = new_axes(ax, figsize=(7, 0.28 * len(top) + 1.5))
    colors = [PALETTE[names.index(g) % len(PALETTE)] for g in top["overused_in"]]
    y = np.arange(len(top))
    ax.barh(y, top[value].to_numpy(float), color=colors, **kwargs)
    star = (top["p_bh"] < 0.05) if "p_bh" in top else pd.Series(False, index=top.index)
    ax.set_yticks(y, [t + (" *" if s else "") for t, s in zip(top["term"], star)])
    ax.axvline(0, color="#333", lw=0.8)
    ax.set_xlabel(f"{value} (> 0: more in {names[0]}; < 0: more in "
                  f"{names[1] if len(names) > 1 else 'b'}); * BH-adjusted p < 0.05")
    ax.set_title(title or "关键词 / keyness (G², many terms tested)")
    return ax
