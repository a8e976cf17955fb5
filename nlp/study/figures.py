"""The study's figures, drawn from its tables (and nothing else)."""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd

from .. import plots
from ..cache import memoize
from .compute import Study

__all__ = ["make_figures", "figure_files"]


def _by_reports(df: pd.DataFrame, col: str) -> pd.DataFrame:
    """Groups with the most reports first (missing values last)."""
    order = (df.groupby(col, dropna=False, sort=False)["n_reports"].first()
             .sort_values(ascending=False, kind="stable").index)
    rank = {k: i for i, k in enumerate(order)}
    return df.assign(_r=df[col].map(lambda v: rank.get(v, len(rank)))).sort_values(
        "_r", kind="stable").drop(columns="_r")


def _year_effects(df: pd.DataFrame) -> pd.DataFrame:
    """The year contrasts of a prevalence regression (the table has all effects)."""
    years = df[df["variable"] == "year"]
    return years if not years.empty else df


def make_figures(study: Study) -> dict:
    """Draw the study's figures from its tables; return ``{name: matplotlib Figure}``.

    Every plot function sizes its own figure to what it shows (reports, years,
    agency types), so the figures stay readable from 2 to hundreds of reports.
    """
    t = study.tables
    by = study.notes.get("topic_prevalence_by")
    spec = [
        ("shares_by_year", "shares_by_year", lambda df: plots.plot_shares_over(df, x="year")
         if df["year"].dropna().nunique() >= 2 else None),
        ("theme_shares", "theme_shares_report", lambda df: plots.plot_theme_shares(
            df, group="report_id")),
        ("emphasis_change", "emphasis_change", plots.plot_emphasis_change),
        ("shares_by_agency_type", "shares_by_agency_type", lambda df: plots.plot_theme_shares(
            _by_reports(df, "agency_type"), group="agency_type", many="heatmap")),
        ("section_profile", "section_profile", plots.plot_section_profile),
        ("prevalence_regression", "prevalence_regression",
         lambda df: plots.plot_effects(_year_effects(df))),
        ("keyness", "keyness", plots.plot_keyness),
        ("topic_prevalence", "topic_prevalence",
         lambda df: plots.plot_topic_prevalence(df, index=by)),
    ]
    figs = {}
    for name, key, fn in spec:
        if key in t and not t[key].empty:
            ax = fn(t[key])
            if ax is not None:
                figs[name] = ax.figure
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
