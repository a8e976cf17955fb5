"""The whole study on a corpus, written as tables and one self-contained HTML page.

:func:`run_study` computes (tables only); :func:`write_report` writes CSV
tables and ``report.html`` atomically.  Figures are embedded in the page, so
the file can be mailed on its own.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import html
import logging
from pathlib import Path

import pandas as pd

from .ingest import load_corpus
from .persist import atomic_path, write_table

__all__ = ["Study", "run_study", "write_report", "render_html"]

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Study:
    """Everything a study computed: named tables, figures (as SVG text) and notes."""

    corpus: str
    tables: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)
    figures: dict[str, str] = dataclasses.field(default_factory=dict)
    notes: dict[str, str] = dataclasses.field(default_factory=dict)


def corpus_summary(units: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """One row per report: metadata, units, characters, mean unit length."""
    agg = units.assign(chars=units["text"].str.len()).groupby("report_id", sort=False).agg(
        units=("unit_id", "size"), unit_chars=("chars", "sum"), mean_unit_chars=("chars", "mean"))
    out = reports.merge(agg.reset_index(), on="report_id", how="left")
    out["mean_unit_chars"] = out["mean_unit_chars"].round(1)
    return out


def role_counts(units: pd.DataFrame) -> pd.DataFrame:
    """Tidy counts of units per report and role."""
    return (units.groupby(["report_id", "role"], sort=True).size()
            .rename("units").reset_index())


def run_study(corpus_dir: str | Path, *, progress: bool | None = None) -> Study:
    """Run the study on a folder of reports and return its tables.

    Examples
    --------
    >>> study = run_study("corpus")          # doctest: +SKIP
    >>> study.tables["corpus_summary"]       # doctest: +SKIP
    """
    corpus = load_corpus(corpus_dir)
    reports = corpus.metadata()
    units = corpus.units(progress=progress)
    study = Study(corpus=str(corpus_dir))
    study.tables["units"] = units
    study.tables["corpus_summary"] = corpus_summary(units, reports)
    study.tables["role_counts"] = role_counts(units)
    return study


_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.5}
table{border-collapse:collapse;margin:1em 0;font-size:14px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3} h1{font-size:1.6em} h2{margin-top:2em;border-bottom:1px solid #ddd}
.note{color:#555;font-size:0.95em} figure{margin:1em 0} figure svg{max-width:100%;height:auto}
"""

_SECTIONS = [
    ("corpus_summary", "Corpus and units / 语料与单元",
     "One row per report: metadata and how many units segmentation found."),
    ("role_counts", "Units by report part / 报告各部分的单元数",
     "Roles: measures (举措和成效), problems (存在问题), leadership (第一责任人), "
     "plans (下一步安排), preamble, other."),
]


def _table_html(df: pd.DataFrame, max_rows: int = 60) -> str:
    shown = df.head(max_rows)
    body = shown.to_html(index=False, escape=True, na_rep="", border=0,
                         float_format=lambda x: f"{x:.3f}")
    if len(df) > max_rows:
        body += f'<p class="note">First {max_rows} of {len(df)} rows; the CSV has all.</p>'
    return body


def render_html(study: Study, *, timestamp: str | None = None) -> str:
    """Render a study as one self-contained HTML page (figures inline as SVG)."""
    ts = timestamp or _dt.datetime.now().isoformat(timespec="seconds")
    parts = [
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
        "<title>法治政府建设情况报告 — fazhi-nlp study</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>法治政府建设情况报告: themes, topics and emphasis</h1>",
        f'<p class="note">Corpus: {html.escape(study.corpus)} · generated {html.escape(ts)} '
        f"by fazhi-nlp</p>",
    ]
    for key, title, note in _SECTIONS + getattr(study, "extra_sections", []):
        if key in study.tables:
            parts.append(f"<h2>{html.escape(title)}</h2><p class=\"note\">{html.escape(note)}</p>")
            if key in study.notes:
                parts.append(f"<p>{html.escape(study.notes[key])}</p>")
            parts.append(_table_html(study.tables[key]))
        if key in study.figures:
            if key not in study.tables:
                parts.append(f"<h2>{html.escape(title)}</h2>")
            parts.append(f"<figure>{study.figures[key]}</figure>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(study: Study, out_dir: str | Path, *, timestamp: str | None = None) -> Path:
    """Write every table as CSV and ``report.html`` into ``out_dir`` (each atomically)."""
    out = Path(out_dir)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    for name, df in study.tables.items():
        write_table(df, out / "tables" / f"{name}.csv")
    page = out / "report.html"
    with atomic_path(page) as tmp:
        tmp.write_text(render_html(study, timestamp=timestamp), encoding="utf-8")
    log.info("wrote %s", page)
    return page
