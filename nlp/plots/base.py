"""What every figure shares: the CJK font, new axes, colours, checks and the heatmap.

Chinese is drawn with Noto Sans CJK SC from the ``mplfonts`` package (installed
with fazhi-nlp), so no system font is needed.  Importing :mod:`nlp.plots`
changes nothing in matplotlib's global settings: every plot function draws
inside :func:`matplotlib.rc_context` with the CJK font first and DejaVu Sans as
a per-glyph fallback, and gives its tick labels the same font.  Call
:func:`use_cjk_font` to make the font matplotlib's default for your own
figures too.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import matplotlib as mpl
import matplotlib.text as mtext
import numpy as np
import pandas as pd
from matplotlib import font_manager

from ..errors import InputError

__all__ = ["cjk_font_path", "cjk_font_name", "cjk_rc", "use_cjk_font", "cjk_figure",
           "new_axes", "need_columns", "error_bars", "group_column", "heatmap", "PALETTE",
           "display", "legend_outside", "NON_GROUP_COLUMNS", "MAX_GROUPS"]

log = logging.getLogger(__name__)

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
#: above this many groups a figure aggregates (or shows a distribution) instead of one bar,
#: row or colour per group
MAX_GROUPS = 12
PALETTE = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3",
           "#8C8C8C", "#CCB974", "#64B5CD"]


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


@functools.lru_cache(maxsize=1)
def cjk_font_name() -> str:
    """Register the bundled CJK font with matplotlib's font manager; return its name."""
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    log.debug("registered CJK font %s from %s", name, path)
    return name


def cjk_rc() -> dict:
    """The rcParams a figure with Chinese text is drawn with.

    Examples
    --------
    >>> cjk_rc()["font.family"][-1]
    'DejaVu Sans'
    """
    return {"font.family": [cjk_font_name(), "DejaVu Sans"], "axes.unicode_minus": False}


def use_cjk_font() -> str:
    """Make the CJK font matplotlib's default (a global change you ask for); return its name."""
    mpl.rcParams.update(cjk_rc())
    return cjk_font_name()


def cjk_figure(func):
    """Run a plot function inside :func:`cjk_rc`, and give its tick labels the CJK font."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        rc = cjk_rc()
        with mpl.rc_context(rc):
            ax = func(*args, **kwargs)
        # titles and axis labels exist before the function runs (a given ax), and tick
        # labels are made when the figure is drawn: give them all the font explicitly
        for text in ax.figure.findobj(mtext.Text):
            text.set_fontfamily(rc["font.family"])
        for axes in ax.figure.axes:
            axes.tick_params(labelfontfamily=rc["font.family"])
        return ax

    return wrapper


def new_axes(ax, figsize=(7, 4)):
    """``ax``, or the axes of a new figure of ``figsize`` with constrained layout."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def need_columns(df: pd.DataFrame, cols, fn: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{fn}: expected a DataFrame, got {type(df).__name__}")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InputError(f"{fn}: the table lacks column(s) {missing} (has {list(df.columns)})")


def error_bars(df, value="share", lo="ci_low", hi="ci_high"):
    if lo in df and hi in df and df[lo].notna().any():
        v = df[value].to_numpy(float)
        return np.vstack([np.clip(v - df[lo].to_numpy(float), 0, None),
                          np.clip(df[hi].to_numpy(float) - v, 0, None)])
    return None


#: columns of comparison tables that are not groups
NON_GROUP_COLUMNS = frozenset({"theme", "share", "ci_low", "ci_high", "se", "n_theme", "n_units",
                               "n_reports", "weight", "resampled", "role_share", "interval",
                               "estimator", "raw_share", "n_validation"})


def display(value) -> str:
    """A group value as a label: whole-number floats without ``.0``, missing as ``unknown``.

    Examples
    --------
    >>> display(2024.0), display(None), display("宝山区")
    ('2024', 'unknown', '宝山区')
    """
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value)
                         and pd.isna(value)):
        return "unknown"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def legend_outside(ax, **kwargs):
    """A legend to the right of the axes, so it never covers bars or the title."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                     fontsize="small", **kwargs)


def group_column(df, group):
    if group is not None:
        return group
    skip = NON_GROUP_COLUMNS
    cols = [c for c in df.columns if c not in skip]
    if not cols:
        raise InputError("plot_theme_shares: no group column; pass group=")
    return cols[0]


def heatmap(ax, mat: pd.DataFrame, *, fmt="{:.0%}", cmap="Blues", vmin=0.0, vmax=None,
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
