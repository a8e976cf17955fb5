"""Regression effects: average marginal effects of covariates on theme prevalence."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import PALETTE, cjk_figure, legend_outside, need_columns, new_axes

__all__ = ['plot_effects']


@cjk_figure
def plot_effects(df: pd.DataFrame, ax=None, *, title: str | None = None, **kwargs):
    """Forest plot of average marginal effects (percentage points) with their intervals.

    ``df`` is the output of :func:`nlp.compare.prevalence_regression`: one row
    per theme and contrast.  Rows are grouped by contrast, coloured by theme;
    the vertical line is no effect.  Extra keywords go to ``ax.errorbar``.

    Examples
    --------
    >>> import pandas as pd
    >>> fx = pd.DataFrame({"theme": ["普法宣传", "放管服"], "variable": "year",
    ...                    "contrast": "2024 vs 2021", "ame": [0.05, -0.02],
    ...                    "ci_low": [0.01, -0.06], "ci_high": [0.09, 0.02]})
    >>> plot_effects(fx).get_xlabel()
    'average marginal effect (percentage points), 95% interval'
    """
    need_columns(df, ["theme", "contrast", "ame", "ci_low", "ci_high"], "plot_effects")
    d = df.copy()
    var = d["variable"].astype(str) + ": " if "variable" in d else ""
    d["_effect"] = var + d["contrast"].astype(str)
    effects = list(dict.fromkeys(d["_effect"]))
    themes = list(dict.fromkeys(d["theme"]))
    ax = new_axes(ax, figsize=(8, 0.17 * len(d) + 0.25 * len(effects) + 1.5))
    y, ticks, labels = 0.0, [], []
    pos = {}
    for e in effects:
        for t in themes:
            if ((d["_effect"] == e) & (d["theme"] == t)).any():
                pos[(e, t)] = y
                y += 1
        ticks.append(np.mean([pos[(e, t)] for t in themes if (e, t) in pos]))
        labels.append(e)
        y += 0.8
    for i, t in enumerate(themes):
        part = d[d["theme"] == t]
        ys = [pos[(e, t)] for e in part["_effect"]]
        v = 100 * part["ame"].to_numpy(float)
        err = np.vstack([v - 100 * part["ci_low"].to_numpy(float),
                         100 * part["ci_high"].to_numpy(float) - v])
        ax.errorbar(v, ys, xerr=np.clip(err, 0, None), fmt="o", color=PALETTE[i % len(PALETTE)],
                    capsize=2, ms=5, lw=1, label=t, **kwargs)
    ax.axvline(0, color="#333", lw=0.8)
    ax.set_yticks(ticks, labels)
    ax.invert_yaxis()
    ax.set_xlabel("average marginal effect (percentage points), 95% interval")
    legend_outside(ax, title="theme")
    ax.set_title(title or "主题占比的回归效应 / prevalence regression")
    return ax
