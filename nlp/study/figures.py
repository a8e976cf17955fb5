"""The study's figures, drawn from its tables (and nothing else)."""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.pyplot as plt

from .. import plots
from ..cache import memoize
from .compute import Study

__all__ = ["make_figures", "figure_files"]


def make_figures(study: Study) -> dict:
    """Draw the study's figures from its tables; return ``{name: matplotlib Figure}``."""
    t = study.tables
    spec = [
        ("theme_shares", "theme_shares_report", lambda df, ax: plots.plot_theme_shares(
            df, ax=ax, group="report_id"), (7.5, 4.5)),
        ("emphasis_change", "emphasis_change", plots.plot_emphasis_change, (8.5, 4.5)),
        ("section_profile", "section_profile", plots.plot_section_profile, (8, 6)),
        ("keyness", "keyness", plots.plot_keyness, (7.5, 7.5)),
        ("topic_prevalence", "topic_prevalence", plots.plot_topic_prevalence, (10, 4.2)),
    ]
    figs = {}
    for name, key, fn, size in spec:
        if key in t and not t[key].empty:
            fig, ax = plt.subplots(figsize=size, layout="constrained")
            fn(t[key], ax=ax)
            figs[name] = fig
    return figs


@memoize(key=lambda study: study.tables)
def figure_files(study: Study) -> dict[str, dict[str, bytes]]:
    """Each figure of :func:`make_figures` saved as ``{"svg": bytes, "png": bytes}``."""
    figs = make_figures(study)
    try:
        return {name: {"svg": _save_figure(fig, "svg"), "png": _save_figure(fig, "png")}
                for name, fig in figs.items()}
    finally:
        for fig in figs.values():
            plt.close(fig)


def _save_figure(fig, fmt: str) -> bytes:
    buf = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": "fazhi-nlp", "svg.fonttype": "path"}):
        meta = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buf, format=fmt, dpi=110, metadata=meta)
    return buf.getvalue()
