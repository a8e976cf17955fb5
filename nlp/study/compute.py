"""The study's computation: from a corpus folder to named tables (no drawing).

:func:`run_study` reads and segments the corpus, labels the units' themes,
and computes theme shares with intervals per report, per year and per agency
type, the comparison of two years where the data allow one, the section
profile, a prevalence regression, keyness, topics, and the design figures
of the methods appendix.  Every sentence about the design (how many reports
per group, which intervals, what the caveat is) is built from the data.
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
from ..codebook import themes_of
from ..corpus import load_corpus
from ..errors import InputError
from ..labels import read_labels
from ..resources import shipped_model_dir
from ..tokenize import Tokenizer
from ..topics import TopicModel

__all__ = ["Study", "run_study", "corpus_summary", "role_counts", "themes_by_report",
           "themes_wide", "change_sentences", "topic_summary", "describe_design",
           "methods_notes", "CAVEAT", "CAVEAT_CLUSTERED", "MIN_REPORTS", "MAX_REPORT_ROWS"]

log = logging.getLogger(__name__)

CAVEAT = ("Each year is one report by one bureau, so a difference between the years compares "
          "two cases, not a trend. Intervals are 95% percentile bootstrap intervals over the "
          "units of each report: they show within-report variation only, not how another bureau "
          "or year would have written.")
CAVEAT_CLUSTERED = ("Several reports per year: intervals for the years resample whole reports "
                    "(95% cluster bootstrap, t interval with G − 1 degrees of freedom for G "
                    "reports), so they reflect variation between reports. Intervals per report "
                    "resample its units (within-report variation).")
#: reports each side needs before two years (or agency types) are compared automatically
MIN_REPORTS = 3
#: up to this many reports the page shows a row (and figure bars, profile blocks) per report
MAX_REPORT_ROWS = 12
#: agency types with fewer reports are pooled in the prevalence regression
MIN_TYPE_REPORTS = 5


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
    out["units"] = out["units"].fillna(0).astype(int)
    out["unit_chars"] = out["unit_chars"].fillna(0).astype(int)
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


def themes_wide(shares: pd.DataFrame, group: str) -> pd.DataFrame:
    """One row per group, one ``share [95% interval]`` cell per theme (in %), with counts.

    Examples
    --------
    >>> s = pd.DataFrame({"year": [2021, 2021], "theme": ["普法宣传", "其他"], "share": [0.4, 0.6],
    ...                   "ci_low": [0.3, 0.5], "ci_high": [0.5, 0.7], "n_units": [10, 10]})
    >>> themes_wide(s, "year").iloc[0].astype(str).tolist()
    ['2021', '10', '40% [30, 50]', '60% [50, 70]']
    """
    cell = shares.assign(cell=[_pct(s, lo, hi) for s, lo, hi in
                               zip(shares["share"], shares["ci_low"], shares["ci_high"])])
    cell[group] = cell[group].astype(object).where(cell[group].notna(), "")
    order = list(dict.fromkeys(shares["theme"]))
    wide = cell.pivot(index=group, columns="theme", values="cell")[order]
    counts = [c for c in ("n_reports", "n_units") if c in cell.columns]
    n = cell.groupby(group, sort=False)[counts].first()
    out = n.join(wide).reset_index()
    out.columns.name = None
    return out


def themes_by_report(shares: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Wide summary: one row per report, one ``share [95% interval]`` cell per theme (in %)."""
    wide = themes_wide(shares.drop(columns=["n_reports"], errors="ignore"), "report_id")
    wide = wide.rename(columns={"n_units": "units"})
    meta = [c for c in ("report_id", "agency", "year") if c in reports.columns]
    out = reports[meta].merge(wide, on="report_id", how="right")
    return out


def change_sentences(change: pd.DataFrame, *, two_cases: bool = True) -> str:
    """Describe an :func:`nlp.compare.emphasis_change` table in plain words.

    ``two_cases``: each side is a single report, which the text then says.
    """
    if change.empty:
        return ""
    r0 = change.iloc[0]
    a, b = _show(r0["a"]), _show(r0["b"])

    def side(name, n):
        return f"{name} ({int(n)} report{'s' if int(n) != 1 else ''})" if pd.notna(n) else name

    parts = []
    for _, r in change.iterrows():
        ci = (f"95% interval {100 * r['ci_low']:+.0f} to {100 * r['ci_high']:+.0f}"
              if pd.notna(r["ci_low"]) else "no interval")
        parts.append(f"{r['theme']} {100 * r['share_a']:.0f}% → {100 * r['share_b']:.0f}% "
                     f"({100 * r['diff']:+.0f} pp, {ci})")
    clear = change[(change["ci_low"] > 0) | (change["ci_high"] < 0)]
    if clear.empty:
        verdict = "No difference has an interval that excludes zero."
    else:
        verdict = ("Intervals exclude zero for: "
                   + ", ".join(f"{t} ({100 * d:+.0f} pp)"
                               for t, d in zip(clear["theme"], clear["diff"])) + ".")
    tail = " Two reports, not a trend." if two_cases else ""
    head = (f"Share of units per theme, {side(a, r0.get('n_reports_a'))} → "
            f"{side(b, r0.get('n_reports_b'))}: ")
    return head + "; ".join(parts) + ". " + verdict + tail


def _show(v) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "unknown"
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _count_phrase(counts: pd.Series, what: str) -> str:
    """"6–43 reports per year" from a Series of report counts per group."""
    if counts.empty:
        return ""
    lo, hi = int(counts.min()), int(counts.max())
    return f"{lo} report{'s' if hi != 1 else ''} per {what}" if lo == hi else \
        f"{lo}–{hi} reports per {what}"


def describe_design(per_year: pd.Series, *, n_reports: int, n_empty: int = 0,
                    n_types: int = 0, unknown_year: int = 0, two_cases: bool = False) -> str:
    """The caveat at the top of the page, built from the data.

    Parameters
    ----------
    per_year : Series
        Reports (with units) per known year.
    n_reports : int
        Reports with units.
    n_empty : int
        Reports in which no report body was found (left out).
    n_types : int
        Agency types with at least one report.
    unknown_year : int
        Reports whose year is unknown.
    two_cases : bool
        The design is one report per compared year: the two-case caveat.

    Examples
    --------
    >>> print(describe_design(pd.Series({2021: 4, 2024: 6}), n_reports=10))  # doctest: +ELLIPSIS
    10 reports from 2 years (4–6 reports per year). ...
    """
    if two_cases:
        return CAVEAT
    years = per_year.index.tolist()
    text = f"{n_reports} reports"
    if years:
        text += (f" from {len(years)} year{'s' if len(years) != 1 else ''} "
                 f"({_count_phrase(per_year, 'year')})")
    if n_types:
        text += f" and {n_types} agency type{'s' if n_types != 1 else ''}"
    text += "."
    extra = []
    if unknown_year:
        extra.append(f"{unknown_year} report{'s have' if unknown_year != 1 else ' has'} no "
                     f"known year")
    if n_empty:
        extra.append(f"{n_empty} page{'s' if n_empty != 1 else ''} without a report body "
                     f"{'were' if n_empty != 1 else 'was'} left out")
    if extra:
        text += " " + "; ".join(extra).capitalize() + "."
    single = [_show(y) for y, n in per_year.items() if n == 1]
    text += (" Shares of a year or an agency type are estimated from its reports: the 95% "
             "intervals resample whole reports (cluster bootstrap; t interval with G − 1 "
             "degrees of freedom, G = reports in the group), so they reflect variation between "
             "reports, not only between the paragraphs of one report.")
    if single:
        text += (f" A group with a single report ({', '.join(single)}) has no interval: one "
                 f"report says nothing about how others would have written.")
    text += (" The reports are those collected, not a random sample of all agencies: the "
             "intervals describe reports like these. Intervals per report (themes per report) "
             "resample that report's units and show within-report variation only.")
    return text


def design_table(units: pd.DataFrame, reports: pd.DataFrame, by: str) -> pd.DataFrame:
    """Reports, reports without units and units per value of ``by`` (missing values last)."""
    n_units = reports["report_id"].map(units.groupby("report_id").size()).fillna(0).to_numpy()
    rep = pd.DataFrame({by: reports[by].to_numpy(), "_units": n_units})
    out = (rep.groupby(by, dropna=False, sort=True)
           .agg(reports=("_units", lambda s: int((s > 0).sum())),
                without_units=("_units", lambda s: int((s == 0).sum())),
                units=("_units", "sum")).reset_index())
    out = pd.concat([out[out[by].notna()], out[out[by].isna()]], ignore_index=True)
    out["units"] = out["units"].astype(int)
    out["mean_units_per_report"] = (out["units"] / out["reports"].where(out["reports"] > 0)
                                    ).round(1)
    return out


def methods_notes(*, design: pd.DataFrame, n_boot: int, validation: pd.DataFrame | None,
                  compared: tuple | None, two_cases: bool, regression: str | None,
                  labels_source: str, n_themes: int = 4) -> list[str]:
    """Paragraphs of the methods appendix, built from what the study did."""
    notes = []
    if not design.empty and design["icc"].notna().any():
        d = design.dropna(subset=["icc"])
        notes.append(
            f"Units of one report are alike: the intra-class correlation of the themes across "
            f"reports is {d['icc'].min():.2f}–{d['icc'].max():.2f} (one-way ANOVA estimator), "
            f"with {d['mean_units'].iloc[0]:.1f} units per report on average, so the design "
            f"effect is {d['design_effect'].min():.1f}–{d['design_effect'].max():.1f}: an "
            f"interval that treated units as independent would be "
            f"{np.sqrt(d['design_effect'].min()):.1f}–{np.sqrt(d['design_effect'].max()):.1f} "
            f"times too narrow. Table: tables/design_effects.csv.")
    if two_cases:
        notes.append("Intervals: percentile bootstrap over the units of each report "
                     f"({n_boot} replicates); with one report per compared year they describe "
                     "within-report variation only.")
    else:
        notes.append(
            f"Intervals: cluster bootstrap over reports ({n_boot} replicates, each group's "
            "reports drawn separately); 95% t interval on the bootstrap standard error times "
            "√(G/(G − 1)) with G − 1 degrees of freedom (G = reports in the group), and "
            "Welch–Satterthwaite degrees of freedom for a difference. It was chosen over the "
            "percentile and BCa intervals by their coverage of known differences in simulated "
            "corpora with 10 and 30 reports per group (bench/study.py, docs/emphasis.md). A "
            "group with a single report has no interval. Intervals per report resample its "
            "units.")
    if compared is not None:
        a, b = compared
        notes.append(f"The comparison {_show(a)} vs {_show(b)} is between the first and the "
                     f"last year with at least {MIN_REPORTS} reports"
                     if not two_cases else
                     f"The comparison {_show(a)} vs {_show(b)} is between two reports.")
    notes.append(f"Themes: {labels_source}.")
    if validation is not None and not validation.empty:
        v = validation[validation["theme"] != compare.OTHER]
        rates = "; ".join(f"{r.theme} TPR {r.tpr:.2f} [{r.tpr_low:.2f}, {r.tpr_high:.2f}], "
                          f"FPR {r.fpr:.2f}" for r in v.itertuples())
        src = validation["source"].iloc[0] or "the validation sample"
        notes.append(
            f"Classifier error: rates measured on {int(validation['n_validation'].iloc[0])} "
            f"hand-labelled units of {src} from {int(validation['n_groups'].iloc[0])} "
            f"reports ({rates}). Shares are corrected by adjusted classify-and-count, "
            "θ = (s − FPR)/(TPR − FPR) clipped to [0, 1]; their intervals add the validation "
            "sample's uncertainty (both resampled; one validation draw shared by all groups). "
            "The correction is valid only if the validation units were drawn at random "
            "(fazhi sample --strategy random), not picked for being uncertain.")
    else:
        notes.append(
            "Classifier error is not corrected: shares of predicted labels are biased towards "
            "FPR + (TPR − FPR)·share, and differences shrink by TPR − FPR. To correct them, "
            "label a random sample (fazhi sample --strategy random) and pass it with "
            "--validation.")
    if regression:
        notes.append(regression)
    notes.append(
        "Multiple comparisons: every interval is a 95% interval for one theme and one "
        f"comparison, not adjusted for the {n_themes + 1} themes (with 其他) and the several "
        "groups shown; read "
        "an interval that just excludes zero as a lead to check, not a finding. Keyness "
        "p-values are adjusted (Benjamini–Hochberg and Bonferroni) over all terms tested.")
    return notes


def _saved_inputs(models=(), labels=None, validation=None) -> list:
    """Files a cached step reads without receiving them, for its cache key: the label
    files, model folders given by path, and the shipped models when none is given."""
    shipped = shipped_model_dir("themes").parent  # models/themes and models/lda
    out = [Path(f) for f in (labels, validation) if f is not None]
    for m in models:
        folders = ([shipped / "themes", shipped / "lda"] if m is None
                   else [Path(m)] if isinstance(m, (str, Path)) else [])
        out += [f / "manifest.json" if (f / "manifest.json").is_file() else f for f in folders]
    return out


def _study_key(corpus_dir, **kwargs) -> list:
    """What a study depends on: the corpus folder's content and every option but progress."""
    return [Path(corpus_dir), {k: v for k, v in kwargs.items() if k != "progress"}]


@memoize(depends=lambda units, model, labels, codebook: _saved_inputs(
    [model], labels) + ([Path(codebook)] if isinstance(codebook, (str, Path)) else []))
def _classify(units: pd.DataFrame, model, labels, codebook
              ) -> tuple[pd.DataFrame, str, tuple[str, ...]]:
    """The units with ``labels`` (and ``p_<theme>`` from a model), where the labels came
    from, and the theme set: the model's, or for hand labels the given codebook's."""
    if labels is not None:
        if codebook is None and model is not None:
            if isinstance(model, (str, Path)):
                model = ThemeClassifier.load(model)
            codebook = model
        themes = themes_of(codebook)
        gold = read_labels(labels, codebook=list(themes))
        key = "unit_id" if "unit_id" in gold.columns else "text"
        mapping = dict(zip(gold[key], gold["labels"]))
        missing = [k for k in units[key] if k not in mapping]
        if missing:
            raise InputError(f"labels: {len(missing)} units have no label, e.g. {missing[0]!r}",
                             path=labels)
        out = units.copy()
        out["labels"] = [";".join(mapping[k]) for k in units[key]]
        return out, f"hand labels from {Path(labels).name}", themes
    if model is None or isinstance(model, (str, Path)):
        model = ThemeClassifier.load(model)
    return (classify_units(units, model), f"predicted by {type(model).__name__}",
            tuple(model.theme_names()))


def _validation(units: pd.DataFrame, path, n_boot: int, random_state, themes):
    """Error rates of the study's labels on a hand-labelled random sample of its units."""
    gold = read_labels(path, codebook=list(themes))
    key = "unit_id" if "unit_id" in gold.columns else "text"
    pred = dict(zip(units[key], units["labels"]))
    found = gold[gold[key].isin(pred)]
    if found.empty:
        raise InputError(f"validation: none of its {len(gold)} labelled units is a unit of this "
                         f"corpus (matched by {key})", path=path)
    if len(found) < len(gold):
        log.warning("validation: %d of %d labelled units are not units of this corpus; "
                    "left out", len(gold) - len(found), len(gold))
    meta = units.drop_duplicates(key).set_index(key)
    groups = meta.loc[found[key], "report_id"].to_numpy()
    weights = (pd.to_numeric(found["weight"], errors="coerce").to_numpy()
               if "weight" in found.columns else None)
    rates = compare.misclassification_rates(
        [";".join(t) for t in found["labels"]], [pred[k] for k in found[key]], groups=groups,
        weights=weights, n_boot=n_boot, random_state=random_state, source=Path(path).name,
        themes=themes)
    diffs = None
    if "agency_type" in meta.columns:
        types = meta.loc[found[key], "agency_type"]
        if types.nunique() >= 2:
            diffs = compare.rate_differences([";".join(t) for t in found["labels"]],
                                             [pred[k] for k in found[key]], types.tolist(),
                                             themes=themes)
    return rates, diffs


@memoize(depends=lambda units, tokens, topic_model, *a: _saved_inputs([topic_model]))
def _topics(units, tokens, topic_model, random_state, n_topics, by):
    if isinstance(topic_model, (str, Path)):
        topic_model = TopicModel.load(topic_model)
    elif topic_model is None:  # the vocabulary filter scales with the number of units
        topic_model = TopicModel(n_topics=n_topics, random_state=random_state)
        topic_model.fit(tokens)
        log.info("fitted %d topics on this corpus: %s", n_topics,
                 topic_model.filter_["summary"])
    doc_topic = np.asarray(topic_model.transform(tokens))
    table = topic_model.topic_table(n=10)
    prev = compare.prevalence(doc_topic, units.reset_index(drop=True), by=[by],
                              labels=list(topic_model.labels_), random_state=random_state)
    return table, prev, topic_model.filter_["summary"]


def topic_summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per topic: label, share and its top terms in relevance order."""
    return (table.sort_values(["topic", "rank"]).groupby("topic", sort=True)
            .agg(label=("label", "first"), share=("share", "first"),
                 terms=("term", " ".join)).reset_index())


def _topic_grouping(units: pd.DataFrame) -> str:
    """Agencies when they are known and few, else years, else reports."""
    for col in ("agency", "year"):
        if col in units.columns:
            known = units[col].notna()
            n = units.loc[known, col].nunique()
            if known.mean() >= 0.9 and 2 <= n <= MAX_REPORT_ROWS:
                return col
    if "year" in units.columns and units["year"].nunique() >= 2:
        return "year"
    return "report_id"


def _regression(units: pd.DataFrame, rates, random_state, themes):
    """Prevalence regression on year (and agency type) when there are enough reports."""
    known = units[units["year"].notna()]
    per_report = known.drop_duplicates("report_id")
    if len(per_report) < 10 or known["year"].nunique() < 2:
        return None, None
    data = units.copy()
    formula = "theme ~ C(year)"
    if "agency_type" in data.columns:
        counts = per_report["agency_type"].value_counts()
        big = counts[counts >= MIN_TYPE_REPORTS].index
        if len(big) >= 2:
            data["agency_group"] = np.where(
                data["agency_type"].isin(big), data["agency_type"].astype(object),
                np.where(data["agency_type"].isna(), "unknown", "other types"))
            formula += " + C(agency_group)"
    data["year"] = data["year"].astype(float)
    fx = compare.prevalence_regression(data, formula, validation=rates, themes=themes,
                                       random_state=random_state)
    if fx.empty:
        return None, None
    note = (f"Prevalence regression (tables/prevalence_regression.csv): per theme, "
            f"{fx['estimator'].iloc[0]}; formula {formula!r}"
            + (f", agency types with fewer than {MIN_TYPE_REPORTS} reports pooled as "
               f"'other types', unknown types as 'unknown'" if "agency_group" in formula else "")
            + f"; {int(fx['dropped'].iloc[0])} units without a year left out. Effects are "
              f"differences in share (percentage points) against the first year, holding the "
              f"other covariates at their observed values.")
    return fx, note


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """The table without bootstrap draws in ``attrs`` (kept out of the study cache)."""
    table.attrs = {k: v for k, v in table.attrs.items() if k not in ("bootstrap",)}
    return table


@memoize(key=_study_key, types=(Study,), depends=lambda corpus_dir, **kw: _saved_inputs(
    [kw.get("model"), kw.get("topic_model")], kw.get("labels"), kw.get("validation"))
    + ([Path(kw["codebook"])] if isinstance(kw.get("codebook"), (str, Path)) else []))
def run_study(corpus_dir: str | Path, *, progress: bool | None = None, model=None,
              labels: str | Path | None = None, codebook=None,
              validation: str | Path | None = None,
              topic_model=None, n_topics: int = 8, a: int | None = None, b: int | None = None,
              n_boot: int = 2000, random_state: int = 0, keyness_min_count: int = 3,
              limits=None) -> Study:
    """Run the study on a folder of reports and return its tables.

    Parameters
    ----------
    corpus_dir : path
        Folder of reports (with ``reports.csv``, or metadata inferred from the pages).
    progress : bool or None
        Progress bars (``None``: only on a terminal).
    model : ThemeClassifier, LexiconClassifier, path or None
        Theme model; ``None`` loads the shipped model (``models/themes``).  The
        study's themes are the model's (its codebook's).
    labels : path, optional
        Use hand labels (a labels table keyed by ``unit_id`` or ``text``) instead of a model.
    codebook : path or Codebook, optional
        With ``labels``: the codebook they follow (default: the model's when one
        is given, else the four default themes).
    validation : path, optional
        A hand-labelled **random** sample of this corpus's units (from
        ``fazhi sample --strategy random``, keyed by ``unit_id`` or ``text``,
        with an optional ``weight`` column): the model's error rates are
        measured on it and shares are corrected for them, shown beside the raw
        shares.
    topic_model : TopicModel, path or None
        A fitted model or a saved model folder (such as the shipped
        ``models/lda``); ``None`` fits ``n_topics`` topics on this corpus with
        ``random_state``.
    a, b : int, optional
        The two years compared (default: the first and the last year with at
        least :data:`MIN_REPORTS` reports; with one report in each of two years,
        those two as a two-case comparison).
    n_boot, random_state
        Bootstrap replicates and seed.
    keyness_min_count : int
        ``min_count`` for :func:`nlp.compare.keyness`.
    limits : nlp.Limits, optional
        Resource limits for reading and segmenting (default ``nlp.Limits()``).

    Examples
    --------
    >>> study = run_study("corpus")                     # doctest: +SKIP
    >>> study.tables["shares_by_year"]                  # doctest: +SKIP
    """
    corpus = load_corpus(corpus_dir, **({} if limits is None else {"limits": limits}))
    reports = corpus.metadata()
    reports["year"] = pd.to_numeric(reports["year"], errors="coerce").astype("Int64")
    units = corpus.units(progress=progress)
    units["year"] = pd.to_numeric(units["year"], errors="coerce").astype("Int64")
    if "agency_type" in reports.columns and "agency_type" not in units.columns:
        units = units.merge(reports[["report_id", "agency_type"]], on="report_id", how="left")
    study = Study(corpus=str(corpus_dir))
    study.tables["corpus_summary"] = corpus_summary(units, reports)
    study.tables["role_counts"] = role_counts(units)

    units, source, themes = _classify(units, model, labels, codebook)
    study.notes["labels_source"] = source
    study.notes["themes"] = "、".join(themes)
    study.tables["unit_themes"] = units
    rates = None
    if validation is not None:
        rates, diffs = _validation(units, validation, n_boot, random_state, themes)
        study.tables["validation_rates"] = _plain(rates.copy())
        if diffs is not None:
            study.tables["validation_rate_differences"] = diffs
    vkw = {"validation": rates} if rates is not None else {}

    shares = compare.theme_shares(units, by="report", n_boot=n_boot, random_state=random_state,
                                  themes=themes)
    study.tables["theme_shares_report"] = _plain(shares)
    study.tables["themes_by_report"] = themes_by_report(shares, reports)

    with_units = reports[reports["report_id"].isin(units["report_id"])]
    per_year = with_units.dropna(subset=["year"]).groupby("year").size()
    years = [int(y) for y in per_year.index]
    n_types = int(with_units["agency_type"].nunique()) if "agency_type" in with_units else 0
    study.tables["design_by_year"] = design_table(units, reports, "year")
    if n_types:
        study.tables["design_by_agency_type"] = design_table(units, reports, "agency_type")

    # which two years to compare: enough reports on each side, or the two-case design
    if a is None or b is None:
        enough = [y for y in years if per_year.get(y, 0) >= MIN_REPORTS]
        if len(enough) >= 2:
            a, b = (a or enough[0]), (b or enough[-1])
        elif len(years) == 2 and all(per_year.get(y, 0) == 1 for y in years):
            a, b = (a or years[0]), (b or years[-1])
    two_cases = (a is not None and b is not None
                 and per_year.get(a, 0) == 1 and per_year.get(b, 0) == 1)
    study.notes["caveat"] = describe_design(
        per_year, n_reports=len(with_units), n_empty=len(reports) - len(with_units),
        n_types=n_types, unknown_year=int(with_units["year"].isna().sum()),
        two_cases=two_cases)

    by_year = compare.theme_shares(units, by="year", n_boot=n_boot, random_state=random_state,
                                   themes=themes, **vkw)
    front = ["year", "theme", "share", "ci_low", "ci_high", "n_reports", "n_units", "estimator"]
    study.tables["shares_by_year"] = _plain(by_year[front + [c for c in by_year.columns
                                                             if c not in front]].copy())
    if n_types >= 2:
        by_type = compare.theme_shares(units, by="agency_type", n_boot=n_boot,
                                       random_state=random_state, themes=themes, **vkw)
        study.tables["shares_by_agency_type"] = _plain(by_type)

    tokens = Tokenizer().pipe(units["text"].tolist(), progress=progress)
    compared = None
    if a is not None and b is not None and a != b:
        # two single reports: within-report intervals, said to be so; else reports resampled
        table = (compare.theme_shares(units, by="year", n_boot=n_boot, cluster=None,
                                      random_state=random_state, themes=themes, **vkw)
                 if two_cases else by_year)
        change = compare.emphasis_change(table, group="year", a=a, b=b)
        study.tables["emphasis_change"] = change
        study.notes["emphasis_change"] = change_sentences(change, two_cases=two_cases)
        compared = (a, b)
        in_a = (units["year"] == a).fillna(False).to_numpy(bool)
        in_b = (units["year"] == b).fillna(False).to_numpy(bool)
        key = compare.keyness([t for t, m in zip(tokens, in_a) if m],
                              [t for t, m in zip(tokens, in_b) if m],
                              min_count=keyness_min_count, names=(str(a), str(b)))
        study.tables["keyness"] = key
        study.notes["keyness"] = (
            f"{len(key)} terms with at least {keyness_min_count} occurrences in {a} and {b} "
            f"together were tested; read p_bh (Benjamini–Hochberg) or p_bonferroni, not "
            f"p_value. Tokens of one report are not independent, so even adjusted p-values "
            f"are optimistic.")
    else:
        log.warning("no two years with at least %d reports each in %s: no year comparison",
                    MIN_REPORTS, corpus_dir)
    n_reports = units["report_id"].nunique()
    study.tables["section_profile"] = compare.section_profile(
        units, by="report" if n_reports <= MAX_REPORT_ROWS else None, n_boot=n_boot,
        random_state=random_state, themes=themes)
    design = compare.design_effects(units, themes=themes)
    study.tables["design_effects"] = design
    fx, reg_note = _regression(units, rates, random_state, themes)
    if fx is not None:
        study.tables["prevalence_regression"] = fx
    study.notes["methods"] = "\n".join(methods_notes(
        design=design, n_boot=n_boot, validation=rates, compared=compared,
        two_cases=two_cases, regression=reg_note, labels_source=source, n_themes=len(themes)))

    by = _topic_grouping(units)
    table, prev, vocabulary = _topics(units, tokens, topic_model, random_state, n_topics, by)
    study.notes["topic_filter"] = vocabulary
    study.tables["topic_table"] = table
    study.tables["topic_summary"] = topic_summary(table)
    study.tables["topic_prevalence"] = prev
    study.notes["topic_prevalence_by"] = by
    return study
