"""The whole study on a corpus, written as tables, figures and one self-contained HTML page.

Three steps, kept apart: :func:`run_study` computes (tables only: units and
their themes, theme shares with bootstrap intervals, the change between two
years, section profile, keyness, topics); :func:`make_figures` draws the
figures from those tables; :func:`write_report` writes tables (CSV), figures
(PNG and SVG) and ``report.html`` with every figure embedded, so the page can
be mailed on its own.  Apart from its timestamp the output is deterministic.

Examples
--------
>>> study = run_study("corpus", random_state=0)      # doctest: +SKIP
>>> study.tables["emphasis_change"]                  # doctest: +SKIP
>>> write_report(study, "outputs")                   # doctest: +SKIP
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import functools
import html
import io
import logging
from pathlib import Path

import pandas as pd

from .cache import memoize
from .ingest import load_corpus
from .persist import atomic_dir, atomic_path, write_table

__all__ = ["Study", "run_study", "make_figures", "write_report", "render_html",
           "corpus_summary", "role_counts", "themes_by_report", "change_sentences",
           "topic_summary", "font_face_css", "CAVEAT"]

log = logging.getLogger(__name__)

CAVEAT = ("Each year is one report by one bureau, so a difference between the years compares "
          "two cases, not a trend. Intervals are 95% percentile bootstrap intervals over the "
          "units of each report: they show within-report variation only, not how another bureau "
          "or year would have written.")
CAVEAT_CLUSTERED = ("Several reports per year: intervals for the years resample whole reports "
                    "(95% percentile bootstrap), so they reflect variation between reports. "
                    "Intervals per report resample its units (within-report variation).")


@dataclasses.dataclass
class Study:
    """Everything a study computed: named tables, figures (embeddable text) and notes."""

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


def _pct(share, lo, hi) -> str:
    if pd.isna(share):
        return ""
    if pd.isna(lo):
        return f"{100 * share:.0f}%"
    return f"{100 * share:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}]"


def themes_by_report(shares: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Wide summary: one row per report, one ``share [95% interval]`` cell per theme (in %)."""
    cell = shares.assign(cell=[_pct(s, lo, hi) for s, lo, hi in
                               zip(shares["share"], shares["ci_low"], shares["ci_high"])])
    order = list(dict.fromkeys(shares["theme"]))
    wide = cell.pivot(index="report_id", columns="theme", values="cell")[order]
    n = shares.groupby("report_id")["n_units"].first().rename("units")
    meta = [c for c in ("report_id", "agency", "year") if c in reports.columns]
    out = reports[meta].merge(n.reset_index(), on="report_id", how="right")
    out = out.merge(wide.reset_index(), on="report_id")
    out.columns.name = None
    return out


def change_sentences(change: pd.DataFrame, *, two_cases: bool = True) -> str:
    """Describe an :func:`nlp.compare.emphasis_change` table in plain words.

    ``two_cases``: each side is a single report, which the text then says.
    """
    if change.empty:
        return ""
    a, b = change["a"].iloc[0], change["b"].iloc[0]
    parts = []
    for _, r in change.iterrows():
        parts.append(f"{r['theme']} {100 * r['share_a']:.0f}% → {100 * r['share_b']:.0f}% "
                     f"({100 * r['diff']:+.0f} pp, 95% interval {100 * r['ci_low']:+.0f} to "
                     f"{100 * r['ci_high']:+.0f})")
    clear = change[(change["ci_low"] > 0) | (change["ci_high"] < 0)]
    if clear.empty:
        verdict = "No difference has an interval that excludes zero."
    else:
        verdict = ("Intervals exclude zero for: "
                   + ", ".join(f"{t} ({100 * d:+.0f} pp)"
                               for t, d in zip(clear["theme"], clear["diff"])) + ".")
    tail = " Two reports, not a trend." if two_cases else ""
    return f"Share of units per theme, {a} → {b}: " + "; ".join(parts) + ". " + verdict + tail


def _saved_inputs(models=(), labels=None) -> list:
    """Files a cached step reads without receiving them, for its cache key: the label
    file, model folders given by path, and the shipped models when none is given."""
    from ._model_io import default_model_dir

    shipped = default_model_dir().parent  # models/themes and models/lda
    out = [Path(labels)] if labels is not None else []
    for m in models:
        folders = ([shipped / "themes", shipped / "lda"] if m is None
                   else [Path(m)] if isinstance(m, (str, Path)) else [])
        out += [f / "manifest.json" if (f / "manifest.json").is_file() else f for f in folders]
    return out


def _study_key(corpus_dir, **kwargs) -> list:
    """What a study depends on: the corpus folder's content and every option but progress."""
    return [Path(corpus_dir), {k: v for k, v in kwargs.items() if k != "progress"}]


@memoize(depends=lambda units, model, labels: _saved_inputs([model], labels))
def _classify(units: pd.DataFrame, model, labels) -> tuple[pd.DataFrame, str]:
    if labels is not None:
        from .labels import read_labels

        gold = read_labels(labels)
        key = "unit_id" if "unit_id" in gold.columns else "text"
        mapping = dict(zip(gold[key], gold["labels"]))
        missing = [k for k in units[key] if k not in mapping]
        if missing:
            from .errors import InputError

            raise InputError(f"labels: {len(missing)} units have no label, e.g. {missing[0]!r}",
                             path=labels)
        out = units.copy()
        out["labels"] = [";".join(mapping[k]) for k in units[key]]
        return out, f"hand labels from {Path(labels).name}"
    from .classify import ThemeClassifier, classify_units

    if model is None or isinstance(model, (str, Path)):
        model = ThemeClassifier.load(model)
    return classify_units(units, model), f"predicted by {type(model).__name__}"


@memoize(depends=lambda units, tokens, topic_model, *a: _saved_inputs([topic_model]))
def _topics(units, tokens, topic_model, random_state, n_topics):
    import numpy as np

    from . import topics

    if isinstance(topic_model, (str, Path)):
        topic_model = topics.TopicModel.load(topic_model)
    elif topic_model is None:
        # the vocabulary filter's defaults suit large corpora; keep more words on small ones
        params = {"no_below": 2, "no_above": 0.5} if len(tokens) < 1000 else {}
        log.info("fitting %d topics on this corpus (%s)", n_topics,
                 params or "default vocabulary filter")
        topic_model = topics.TopicModel(n_topics=n_topics, random_state=random_state, **params)
        topic_model.fit(tokens)
    doc_topic = np.asarray(topic_model.transform(tokens))
    table = topic_model.topic_table(n=10)
    prev = topics.prevalence(doc_topic, units.reset_index(drop=True), by=["agency"],
                             labels=list(topic_model.labels_), random_state=random_state)
    return table, prev


def topic_summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per topic: label, share and its top terms in relevance order."""
    return (table.sort_values(["topic", "rank"]).groupby("topic", sort=True)
            .agg(label=("label", "first"), share=("share", "first"),
                 terms=("term", " ".join)).reset_index())


@memoize(key=_study_key, depends=lambda corpus_dir, **kw: _saved_inputs(
    [kw.get("model"), kw.get("topic_model")], kw.get("labels")))
def run_study(corpus_dir: str | Path, *, progress: bool | None = None, model=None,
              labels: str | Path | None = None, topic_model=None, n_topics: int = 8,
              a: int | None = None, b: int | None = None, n_boot: int = 2000,
              random_state: int = 0, keyness_min_count: int = 3, limits=None) -> Study:
    """Run the study on a folder of reports and return its tables.

    Parameters
    ----------
    corpus_dir : path
        Folder of reports with ``reports.csv``.
    progress : bool or None
        Progress bars (``None``: only on a terminal).
    model : ThemeClassifier, LexiconClassifier, path or None
        Theme model; ``None`` loads the shipped model (``models/themes``).
    labels : path, optional
        Use hand labels (a labels table keyed by ``unit_id`` or ``text``) instead of a model.
    topic_model : TopicModel, path or None
        A fitted model or a saved model folder (such as the shipped
        ``models/lda``); ``None`` fits ``n_topics`` topics on this corpus with
        ``random_state``.
    a, b : int, optional
        The two years compared (default: earliest and latest year).
    n_boot, random_state
        Bootstrap resamples and seed.
    keyness_min_count : int
        ``min_count`` for :func:`nlp.compare.keyness`.
    limits : nlp.Limits, optional
        Resource limits for reading and segmenting (default ``nlp.Limits()``).

    Examples
    --------
    >>> study = run_study("corpus")                     # doctest: +SKIP
    >>> study.tables["themes_by_report"]                # doctest: +SKIP
    """
    from . import compare
    from .tokenize import Tokenizer

    corpus = load_corpus(corpus_dir, **({} if limits is None else {"limits": limits}))
    reports = corpus.metadata()
    units = corpus.units(progress=progress)
    study = Study(corpus=str(corpus_dir))
    study.tables["corpus_summary"] = corpus_summary(units, reports)
    study.tables["role_counts"] = role_counts(units)

    units, source = _classify(units, model, labels)
    study.notes["labels_source"] = source
    study.tables["unit_themes"] = units
    shares = compare.theme_shares(units, by="report", n_boot=n_boot, random_state=random_state)
    study.tables["theme_shares_report"] = shares
    study.tables["themes_by_report"] = themes_by_report(shares, reports)
    years = sorted({int(y) for y in units["year"].dropna()})
    a = years[0] if a is None and years else a
    b = years[-1] if b is None and years else b
    per_year = units.groupby("year")["report_id"].nunique()
    clustered = bool(years) and all(per_year.get(y, 0) > 1 for y in (a, b))
    study.notes["caveat"] = CAVEAT_CLUSTERED if clustered else CAVEAT
    by_year = compare.theme_shares(units, by="year", n_boot=n_boot, random_state=random_state,
                                   cluster="report_id" if clustered else None)
    study.tables["theme_shares_year"] = by_year

    tokens = Tokenizer().pipe(units["text"].tolist(), progress=progress)
    if a is not None and b is not None and a != b:
        change = compare.emphasis_change(by_year, group="year", a=a, b=b)
        study.tables["emphasis_change"] = change
        study.notes["emphasis_change"] = change_sentences(change, two_cases=not clustered)
        in_a = (units["year"] == a).to_numpy()
        in_b = (units["year"] == b).to_numpy()
        key = compare.keyness([t for t, m in zip(tokens, in_a) if m],
                              [t for t, m in zip(tokens, in_b) if m],
                              min_count=keyness_min_count, names=(str(a), str(b)))
        study.tables["keyness"] = key
        study.notes["keyness"] = (
            f"{len(key)} terms with at least {keyness_min_count} occurrences were tested; "
            f"read p_bh (Benjamini–Hochberg) or p_bonferroni, not p_value. Tokens of one "
            f"report are not independent, so even adjusted p-values are optimistic.")
    else:
        log.warning("fewer than two years in %s: no year comparison", corpus_dir)
    study.tables["section_profile"] = compare.section_profile(
        units, by="report", n_boot=n_boot, random_state=random_state)

    table, prev = _topics(units, tokens, topic_model, random_state, n_topics)
    study.tables["topic_table"] = table
    study.tables["topic_summary"] = topic_summary(table)
    study.tables["topic_prevalence"] = prev
    return study


# --------------------------------------------------------------------------- figures

def make_figures(study: Study) -> dict:
    """Draw the study's figures from its tables; return ``{name: matplotlib Figure}``."""
    import matplotlib.pyplot as plt

    from . import plots

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
    import matplotlib.pyplot as plt

    figs = make_figures(study)
    try:
        return {name: {"svg": _save_figure(fig, "svg"), "png": _save_figure(fig, "png")}
                for name, fig in figs.items()}
    finally:
        for fig in figs.values():
            plt.close(fig)


def _save_figure(fig, fmt: str) -> bytes:
    import matplotlib as mpl

    buf = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": "fazhi-nlp", "svg.fonttype": "path"}):
        meta = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buf, format=fmt, dpi=110, metadata=meta)
    return buf.getvalue()


# --------------------------------------------------------------------------- HTML

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

    from .plots import cjk_font_path

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
