"""The study's computation: from a corpus folder to named tables (no drawing).

:func:`run_study` reads and segments the corpus, labels the units' themes,
and computes theme shares with bootstrap intervals, the change between two
years, the section profile, keyness and topics.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .. import compare
from ..cache import memoize
from ..classify import ThemeClassifier, classify_units
from ..corpus import load_corpus
from ..errors import InputError
from ..labels import read_labels
from ..resources import shipped_model_dir
from ..tokenize import Tokenizer
from ..topics import TopicModel

__all__ = ["Study", "run_study", "corpus_summary", "role_counts", "themes_by_report",
           "change_sentences", "topic_summary", "CAVEAT", "CAVEAT_CLUSTERED"]

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
    shipped = shipped_model_dir("themes").parent  # models/themes and models/lda
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
        gold = read_labels(labels)
        key = "unit_id" if "unit_id" in gold.columns else "text"
        mapping = dict(zip(gold[key], gold["labels"]))
        missing = [k for k in units[key] if k not in mapping]
        if missing:
            raise InputError(f"labels: {len(missing)} units have no label, e.g. {missing[0]!r}",
                             path=labels)
        out = units.copy()
        out["labels"] = [";".join(mapping[k]) for k in units[key]]
        return out, f"hand labels from {Path(labels).name}"
    if model is None or isinstance(model, (str, Path)):
        model = ThemeClassifier.load(model)
    return classify_units(units, model), f"predicted by {type(model).__name__}"


@memoize(depends=lambda units, tokens, topic_model, *a: _saved_inputs([topic_model]))
def _topics(units, tokens, topic_model, random_state, n_topics):
    if isinstance(topic_model, (str, Path)):
        topic_model = TopicModel.load(topic_model)
    elif topic_model is None:
        # the vocabulary filter's defaults suit large corpora; keep more words on small ones
        params = {"no_below": 2, "no_above": 0.5} if len(tokens) < 1000 else {}
        log.info("fitting %d topics on this corpus (%s)", n_topics,
                 params or "default vocabulary filter")
        topic_model = TopicModel(n_topics=n_topics, random_state=random_state, **params)
        topic_model.fit(tokens)
    doc_topic = np.asarray(topic_model.transform(tokens))
    table = topic_model.topic_table(n=10)
    prev = compare.prevalence(doc_topic, units.reset_index(drop=True), by=["agency"],
                             labels=list(topic_model.labels_), random_state=random_state)
    return table, prev


def topic_summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per topic: label, share and its top terms in relevance order."""
    return (table.sort_values(["topic", "rank"]).groupby("topic", sort=True)
            .agg(label=("label", "first"), share=("share", "first"),
                 terms=("term", " ".join)).reset_index())


@memoize(key=_study_key, types=(Study,), depends=lambda corpus_dir, **kw: _saved_inputs(
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
