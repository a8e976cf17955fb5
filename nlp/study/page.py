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

import pandas as pd

from ..cache import memoize
from ..persist import atomic_dir, atomic_path, write_table
from ..plots.base import cjk_font_path
from .compute import CAVEAT, Study
from .figures import figure_files

__all__ = ["render_html", "write_report", "font_face_css"]

log = logging.getLogger(__name__)


_CSS = """
body{font-family:"FazhiCJK","Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
table{border-collapse:collapse;margin:1em 0;font-size:14px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3} h1{font-size:1.6em} h2{margin-top:2em;border-bottom:1px solid #ddd}
.note{color:#555;font-size:0.95em} .caveat{background:#fff8e1;padding:.6em 1em;border-left:4px solid
#f0b400} figure{margin:1em 0} figure img{max-width:100%;height:auto}
"""

# (table key, figure key, title, note, columns shown or None)
_SECTIONS = [
    ("corpus_summary", None, "Corpus and units / 语料与单元",
     "One row per report: metadata and how many units segmentation found.", None),
    ("themes_by_report", "theme_shares", "Themes per report / 各报告的主题",
     "Share of units carrying each theme, 95% bootstrap interval in brackets (%). A unit may "
     "carry several themes; 其他 = none of the four.", None),
    ("emphasis_change", "emphasis_change", "Change between years / 两年报告的侧重变化",
     "Difference in share of units (percentage points), with 95% bootstrap intervals.",
     ["theme", "a", "b", "share_a", "share_b", "diff", "ci_low", "ci_high"]),
    ("section_profile", "section_profile", "Themes by report part / 报告各部分的主题",
     "What reports claim as achievements (measures), admit as problems and plan. share = share "
     "of the part's units with the theme; role_share = share of the theme's units in the part.",
     ["report_id", "role", "theme", "n_theme", "n_units", "share", "role_share"]),
    ("keyness", "keyness", "Keyness / 关键词", "Terms over-used in one year's report against "
     "the other: G² log-likelihood, log2 ratio, p-values.",
     ["term", "count_a", "count_b", "g2", "log_ratio", "p_value", "p_bh", "p_bonferroni",
      "overused_in"]),
    ("topic_summary", None, "Topics / LDA 话题", "Top words per topic, ranked by relevance "
     "(λ = 0.6); share = mean topic proportion of the units. Labels are suggestions from the "
     "top terms.", None),
    ("topic_prevalence", "topic_prevalence", "Topic prevalence per agency / 各机构的话题占比",
     "Mean topic share of the agency's units, with interval.", None),
    ("role_counts", None, "Units by report part / 报告各部分的单元数",
     "Roles: measures (举措和成效), problems (存在问题), leadership (第一责任人), "
     "plans (下一步安排), preamble, other.", None),
    ("unit_themes", None, "Themes per unit / 各单元的主题", "Every unit with its themes "
     "(empty = 其他) and the model's probabilities; the CSV has the full texts.", None),
]


# rows shown in the page (the CSV has all); 0 = figure only
_MAX_ROWS = {"unit_themes": 80, "keyness": 30, "section_profile": 0}


def _table_html(df: pd.DataFrame, max_rows: int = 60) -> str:
    shown = df.head(max_rows).copy()
    if "text" in shown.columns:
        shown["text"] = shown["text"].str.slice(0, 60) + "…"
    body = shown.to_html(index=False, escape=True, na_rep="", border=0,
                         float_format=lambda x: f"{x:.3f}")
    if len(df) > max_rows:
        body += f'<p class="note">First {max_rows} of {len(df)} rows; the CSV has all.</p>'
    return body


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


def render_html(study: Study, *, figures: dict[str, str] | None = None,
                timestamp: str | None = None) -> str:
    """Render a study as one self-contained HTML page (figures embedded as SVG data URIs)."""
    figures = study.figures if figures is None else figures
    ts = timestamp or _dt.datetime.now().isoformat(timespec="seconds")
    parts = [
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
        "<title>法治政府建设情况报告 — fazhi-nlp study</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>法治政府建设情况报告: themes, topics and emphasis</h1>",
        f'<p class="note">Corpus: {html.escape(study.corpus)} · generated {html.escape(ts)} '
        f"by fazhi-nlp · themes {html.escape(study.notes.get('labels_source', ''))}</p>",
        f'<p class="caveat">{html.escape(study.notes.get("caveat", CAVEAT))}</p>',
    ]
    if study.notes.get("emphasis_change"):
        parts.append(f"<p><strong>Result.</strong> {html.escape(study.notes['emphasis_change'])}"
                     "</p>")
    for key, fig, title, note, cols in _SECTIONS:
        if key not in study.tables and fig not in figures:
            continue
        if key == "emphasis_change" and not study.tables.get(key, pd.DataFrame()).empty:
            ch = study.tables[key]
            title = f"{ch['a'].iloc[0]} vs {ch['b'].iloc[0]} / 两年报告的侧重变化"
        parts.append(f"<h2>{html.escape(title)}</h2><p class=\"note\">{html.escape(note)}</p>")
        if key in study.notes and key != "emphasis_change":
            parts.append(f"<p>{html.escape(study.notes[key])}</p>")
        if fig in figures:
            parts.append(_figure_html(fig, figures[fig]))
        if key in study.tables:
            df = study.tables[key]
            if cols:
                df = df[[c for c in cols if c in df.columns]]
            if key == "unit_themes":
                keep = ["unit_id", "role", "labels"] + [c for c in df if c.startswith("p_")]
                df = df[[c for c in keep + ["text"] if c in df.columns]]
            rows = _MAX_ROWS.get(key, 60)
            if rows:
                parts.append(_table_html(df, max_rows=rows))
            else:
                parts.append(f'<p class="note">Table: tables/{html.escape(key)}.csv</p>')
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
