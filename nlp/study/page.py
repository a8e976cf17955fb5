"""The study page: one self-contained HTML file, plus its tables and figures on disk.

Figures are embedded as SVG data URIs and the CJK font as a subset, so the
page can be mailed on its own.  Apart from its timestamp the output is
deterministic.
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
import html
import io
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ..cache import memoize
from ..persist import atomic_dir, atomic_path, write_table
from ..plots.base import cjk_font_path, display
from .compute import CAVEAT, MAX_REPORT_ROWS, Study, themes_wide
from .figures import figure_files

__all__ = ["render_html", "write_report", "font_face_css"]

log = logging.getLogger(__name__)


_CSS = """
body{font-family:"FazhiCJK","Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
table{border-collapse:collapse;margin:1em 0;font-size:14px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
td.num{text-align:right;white-space:nowrap}
th{background:#f3f3f3} h1{font-size:1.6em} h2{margin-top:2em;border-bottom:1px solid #ddd}
.note{color:#555;font-size:0.95em} .caveat{background:#fff8e1;padding:.6em 1em;border-left:4px solid
#f0b400} figure{margin:1em 0} figure img{max-width:100%;height:auto}
details{margin:1em 0} summary{cursor:pointer;color:#345}
.methods p{margin:.5em 0}
"""

# rows shown in the page (the CSV has all)
_MAX_ROWS = {"unit_themes": 80, "keyness": 30, "corpus_summary": 200, "themes_by_report": 60,
             "prevalence_regression": 60}


def _is_whole(col: pd.Series) -> bool:
    v = pd.to_numeric(col, errors="coerce")
    return bool(col.notna().any() and v.notna().sum() == col.notna().sum()
                and np.allclose(v.dropna() % 1, 0))


def _display_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Whole-number columns as integers (years print as 2024, not 2024.0), missing as blank."""
    out = df.copy()
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_float_dtype(col) and _is_whole(col):
            col = out[c] = col.astype("Int64")
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = out[c] = col.astype(object)
        if pd.api.types.is_extension_array_dtype(col.dtype) and col.isna().any():
            out[c] = col.astype(object).where(col.notna(), "")
        elif col.dtype == object:
            out[c] = col.map(lambda v: "" if v is None or (not isinstance(v, str)
                                                            and pd.api.types.is_scalar(v)
                                                            and pd.isna(v))
                             else str(int(v)) if isinstance(v, float) and v.is_integer() else v)
    return out


def _number(x: float) -> str:
    """Three decimals without trailing zeros (0.25, 4.3, 0.003)."""
    text = f"{x:.3f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _table_html(df: pd.DataFrame, max_rows: int = 60) -> str:
    shown = _display_frame(df.head(max_rows))
    if "text" in shown.columns:
        shown["text"] = shown["text"].str.slice(0, 60) + "…"
    body = shown.to_html(index=False, escape=True, na_rep="", border=0,
                         float_format=_number)
    if len(df) > max_rows:
        body += f'<p class="note">First {max_rows} of {len(df)} rows; the CSV has all.</p>'
    return body


def _details(summary: str, inner: str, open_: bool = False) -> str:
    return (f"<details{' open' if open_ else ''}><summary>{html.escape(summary)}</summary>"
            f"{inner}</details>")


def _font_key(text: str) -> list:
    from importlib.metadata import version

    return ["".join(sorted(set(text))), version("mplfonts"), version("fonttools")]


@memoize(key=_font_key)
def font_face_css(text: str) -> str:
    """``@font-face`` rule embedding the bundled CJK font, cut down to the characters of ``text``.

    The page then shows its Chinese on machines without any CJK font.  The
    subset is deterministic (no timestamps), so equal pages give equal bytes.
    """
    chars = frozenset(ord(c) for c in text if ord(c) > 126)
    return _font_face_css(chars)


@functools.lru_cache(maxsize=4)
def _font_face_css(chars: frozenset) -> str:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(cjk_font_path()), recalcTimestamp=False, lazy=True)
    options = subset.Options()
    options.layout_features = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    sub = subset.Subsetter(options)
    sub.populate(unicodes=sorted(chars | set(range(32, 127))))
    sub.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    b64 = base64.b64encode(buf.getvalue()).decode("ascii")
    return ('@font-face{font-family:"FazhiCJK";font-weight:100 900;'
            f'src:url(data:font/otf;base64,{b64}) format("opentype")}}')


def _figure_html(name: str, svg: str | bytes) -> str:
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    b64 = base64.b64encode(data).decode("ascii")
    return (f'<figure><img alt="{html.escape(name)}" src="data:image/svg+xml;base64,{b64}">'
            f"</figure>")


def _section(title: str, note: str = "", *body: str) -> str:
    head = f"<h2>{html.escape(title)}</h2>"
    if note:
        head += f'<p class="note">{html.escape(note)}</p>'
    return head + "".join(b for b in body if b)


def _n_reports(study: Study) -> int:
    t = study.tables.get("theme_shares_report")
    return int(t["report_id"].nunique()) if t is not None else 0


def _wide(df: pd.DataFrame, group: str) -> pd.DataFrame:
    """``themes_wide`` with raw (uncorrected) shares beside corrected ones."""
    wide = themes_wide(df, group)
    if "raw_share" in df.columns:
        raw = df.assign(_raw=[f"{100 * v:.0f}%" if pd.notna(v) else "" for v in df["raw_share"]])
        raw[group] = raw[group].astype(object).where(raw[group].notna(), "")
        rw = raw.pivot(index=group, columns="theme", values="_raw")
        for theme in rw.columns:
            wide[theme] = [f"{c} (raw {r})" if c else c
                           for c, r in zip(wide[theme], wide[group].map(rw[theme]))]
    return wide


def _sections(study: Study, figures: dict) -> list[str]:
    t, notes = study.tables, study.notes
    n_rep = _n_reports(study)
    fig = {name: _figure_html(name, svg) for name, svg in figures.items()}
    out = []

    # design
    if "design_by_year" in t:
        body = [_table_html(t["design_by_year"].rename(columns={
            "without_units": "pages without a report body"}))]
        if "design_by_agency_type" in t:
            d = t["design_by_agency_type"].sort_values("reports", ascending=False,
                                                       kind="stable")
            known = int((d["agency_type"].notna() & (d["agency_type"] != "")
                         & (d["reports"] > 0)).sum())
            kinds = "type" if known == 1 else "types"
            body.append(_details(f"Reports by agency type ({known} {kinds} with reports; "
                                 f"blank = unknown)",
                                 _table_html(d, 100), open_=len(d) <= 8))
        out.append(_section("Reports and units / 报告与单元",
                            "Reports per year (a report's covered year), the pages in which no "
                            "report body was found, and units (paragraphs or items) per report. "
                            "Blank = unknown.", *body))

    # shares by year
    if "shares_by_year" in t:
        sy = t["shares_by_year"]
        corrected = "raw_share" in sy.columns
        out.append(_section(
            "Theme shares by year / 各年度主题占比",
            "Share of units carrying each theme per year, 95% interval in brackets (%), "
            "n_reports reports per year. A unit may carry several themes; 其他 = none of them."
            + (" Shares are corrected for classifier error; the raw share of predicted labels "
               "is in parentheses." if corrected else ""),
            fig.get("shares_by_year", ""), _table_html(_wide(sy, "year"))))

    # the two-year comparison
    if "emphasis_change" in t and not t["emphasis_change"].empty:
        ch = t["emphasis_change"]
        a, b = display(ch["a"].iloc[0]), display(ch["b"].iloc[0])
        cols = ["theme", "share_a", "share_b", "diff", "ci_low", "ci_high", "n_reports_a",
                "n_reports_b", "interval"]
        out.append(_section(
            f"{a} vs {b} / 两年比较",
            "Difference in share of units (percentage points as fractions), with its 95% "
            "interval" + (" over the units of the two reports." if ch["resampled"].iloc[0] ==
                          "units" else " from resampling each year's reports."),
            f"<p>{html.escape(notes.get('emphasis_change', ''))}</p>",
            fig.get("emphasis_change", ""),
            _table_html(ch[[c for c in cols if c in ch.columns]])))

    # agency types
    if "shares_by_agency_type" in t:
        st = t["shares_by_agency_type"]
        wide = _wide(st, "agency_type").sort_values("n_reports", ascending=False, kind="stable")
        out.append(_section(
            "Theme shares by agency type / 各类机构的主题占比",
            f"{st['agency_type'].nunique()} agency types, most reports first; 95% intervals "
            "resample each type's reports (none for a type with a single report).",
            fig.get("shares_by_agency_type", ""),
            _details("Table: shares by agency type", _table_html(wide, 100), open_=len(wide) <= 8)))

    # per report
    if "themes_by_report" in t:
        tb = t["themes_by_report"]
        many = n_rep > MAX_REPORT_ROWS
        note = ("Share of units carrying each theme in each report, 95% bootstrap interval over "
                "the report's units in brackets (%). A unit may carry several themes; 其他 = "
                "none of them.")
        if many:
            note += (f" With {n_rep} reports the figure shows each report as a dot and the "
                     f"spread across reports as a box.")
        table = _table_html(tb, _MAX_ROWS["themes_by_report"])
        out.append(_section("Themes per report / 各报告的主题", note, fig.get("theme_shares", ""),
                            _details(f"Table: themes of each of the {n_rep} reports", table)
                            if many else table))

    if "section_profile" in t:
        sp = t["section_profile"]
        pooled = "report_id" not in sp.columns
        out.append(_section(
            "Themes by report part / 报告各部分的主题",
            "What reports claim as achievements (measures), admit as problems and plan. share "
            "= share of the part's units with the theme; cells show units with the theme / "
            "units in the part"
            + (f", pooled over the {n_rep} reports (intervals in the CSV resample whole "
               "reports, the parts of one report together)." if pooled else
               ", one block per report."),
            fig.get("section_profile", ""),
            '<p class="note">Table: tables/section_profile.csv</p>'))

    if "prevalence_regression" in t:
        fx = t["prevalence_regression"]
        cols = ["theme", "variable", "contrast", "ame", "ci_low", "ci_high", "p_value",
                "n_units", "n_clusters"]
        reg = next((p for p in notes.get("methods", "").split("\n")
                    if p.startswith("Prevalence regression")), "")
        out.append(_section(
            "Prevalence regression / 主题占比回归",
            "Average marginal effect of each year (against the first year) on a theme's share, "
            "holding agency type fixed; the figure shows the year effects, the table all.",
            f"<p>{html.escape(reg)}</p>" if reg else "", fig.get("prevalence_regression", ""),
            _details("Table: effects", _table_html(fx[[c for c in cols if c in fx.columns]],
                                                   _MAX_ROWS["prevalence_regression"]))))

    if "keyness" in t:
        key = t["keyness"]
        cols = ["term", "count_a", "count_b", "g2", "log_ratio", "p_value", "p_bh",
                "p_bonferroni", "overused_in"]
        names = key.attrs.get("names") or tuple(dict.fromkeys(key["overused_in"]))
        out.append(_section(
            "Keyness / 关键词",
            f"Terms over-used in one year's units against the other's "
            f"({' vs '.join(map(str, names))}): G² log-likelihood, log2 ratio, p-values.",
            f"<p>{html.escape(notes['keyness'])}</p>" if "keyness" in notes else "",
            fig.get("keyness", ""), _table_html(key[[c for c in cols if c in key.columns]],
                                                _MAX_ROWS["keyness"])))

    if "topic_summary" in t:
        out.append(_section("Topics / LDA 话题",
                            "Top words per topic, ranked by relevance (λ = 0.6); share = mean "
                            "topic proportion of the units. Labels are suggestions from the "
                            "top terms. Vocabulary filter: "
                            + notes.get("topic_filter", "as saved with the model") + ".",
                            _table_html(t["topic_summary"])))
    if "topic_prevalence" in t:
        by = notes.get("topic_prevalence_by", "agency")
        tp = t["topic_prevalence"]
        out.append(_section(
            f"Topic prevalence by {by} / 话题占比",
            f"Mean topic share of the units of each {by}, with 95% interval"
            + (" (resampling reports)." if tp.get("resampled", pd.Series(["units"])).iloc[0]
               == "report_id" else ".") + " Blank = unknown.",
            fig.get("topic_prevalence", ""),
            _details("Table: topic prevalence", _table_html(tp, 120),
                     open_=len(tp) <= 40)))

    if "validation_rates" in t:
        body = [_table_html(t["validation_rates"])]
        if "validation_rate_differences" in t:
            body.append(_details("Error rates by agency type in the validation sample",
                                 _table_html(t["validation_rate_differences"], 200)))
        out.append(_section(
            "Classifier error / 分类误差",
            "True-positive (recall) and false-positive rates of the theme labels used in this "
            "study, measured on the hand-labelled random validation sample given with "
            "--validation; percentile intervals resample its reports.", *body))

    methods = [p for p in notes.get("methods", "").split("\n") if p]
    if methods:
        body = "".join(f"<p>{html.escape(p)}</p>" for p in methods)
        if "design_effects" in t:
            body += _table_html(t["design_effects"])
        out.append(_section("Methods / 方法", "", f'<div class="methods">{body}</div>'))

    if "corpus_summary" in t:
        cs = t["corpus_summary"]
        cols = ["report_id", "agency", "agency_type", "region", "year", "units", "title"]
        table = _table_html(cs[[c for c in cols if c in cs.columns]], _MAX_ROWS["corpus_summary"])
        out.append(_section("Corpus / 语料", "One row per report: metadata and how many units "
                            "segmentation found. Blank = unknown.",
                            table if n_rep <= MAX_REPORT_ROWS else
                            _details(f"Table: all {len(cs)} reports", table)))
    if "role_counts" in t:
        rc = t["role_counts"]
        if n_rep > MAX_REPORT_ROWS:
            rc = (rc.groupby("role", sort=False).agg(units=("units", "sum"),
                                                     reports=("report_id", "nunique"))
                  .reset_index())
        out.append(_section("Units by report part / 报告各部分的单元数",
                            "Roles: measures (举措和成效), problems (存在问题), leadership "
                            "(第一责任人), plans (下一步安排), preamble, other.",
                            _table_html(rc, 100)))
    if "unit_themes" in t:
        df = t["unit_themes"]
        keep = ["unit_id", "role", "labels"] + [c for c in df if c.startswith("p_")]
        df = df[[c for c in keep + ["text"] if c in df.columns]]
        out.append(_section("Themes per unit / 各单元的主题",
                            "Every unit with its themes (empty = 其他) and the model's "
                            "probabilities; the CSV has all units and their full texts.",
                            _details(f"First {_MAX_ROWS['unit_themes']} units",
                                     _table_html(df, _MAX_ROWS["unit_themes"]))))
    return out


def render_html(study: Study, *, figures: dict[str, str] | None = None,
                timestamp: str | None = None) -> str:
    """Render a study as one self-contained HTML page (figures embedded as SVG data URIs)."""
    figures = study.figures if figures is None else figures
    ts = timestamp or _dt.datetime.now().isoformat(timespec="seconds")
    n_rep = _n_reports(study)
    parts = [
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
        "<title>法治政府建设情况报告 — fazhi-nlp study</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>法治政府建设情况报告: themes, topics and emphasis</h1>",
        f'<p class="note">Corpus: {html.escape(study.corpus)} · {n_rep} reports · generated '
        f"{html.escape(ts)} by fazhi-nlp · themes "
        + (f"{html.escape(study.notes['themes'])} (其他 = none of them), "
           if study.notes.get("themes") else "")
        + f"{html.escape(study.notes.get('labels_source', ''))}</p>",
        f'<p class="caveat">{html.escape(study.notes.get("caveat", CAVEAT))}</p>',
    ]
    if study.notes.get("emphasis_change"):
        parts.append(f"<p><strong>Result.</strong> {html.escape(study.notes['emphasis_change'])}"
                     "</p>")
    parts += _sections(study, figures)
    parts.append("</body></html>")
    page = "\n".join(parts)
    return page.replace("<style>", f"<style>{font_face_css(page)}\n", 1)


def write_report(study: Study, out_dir: str | Path, *, timestamp: str | None = None) -> Path:
    """Write tables (CSV), figures (PNG, SVG) and ``report.html`` into ``out_dir``.

    ``tables/`` and ``figures/`` are each written to a temporary folder and
    swapped in, ``report.html`` is renamed into place last, so an interrupted
    run leaves no half-written file.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_dir(out / "tables") as tmp:
        tmp.chmod(0o755)
        for name, df in study.tables.items():
            write_table(df, tmp / f"{name}.csv")
    files = figure_files(study)
    svgs: dict[str, bytes] = {name: f["svg"] for name, f in files.items()}
    with atomic_dir(out / "figures") as tmp:
        tmp.chmod(0o755)
        for name, f in files.items():
            (tmp / f"{name}.svg").write_bytes(f["svg"])
            (tmp / f"{name}.png").write_bytes(f["png"])
    page = out / "report.html"
    with atomic_path(page) as tmp:
        tmp.write_text(render_html(study, figures={**study.figures, **svgs},
                                   timestamp=timestamp), encoding="utf-8")
    log.info("wrote %s", page)
    return page
