"""Table-in/table-out helpers around the theme classifiers: train, classify, sample.

These are what the ``fazhi train|classify|sample`` commands and the report
call; each takes and returns DataFrames so it can run chunk by chunk.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .labels import THEMES, read_labels

__all__ = ["classify_units", "sample_units", "train_model", "cv_comparison", "theme_summary",
           "PROBA_PREFIX", "STRATEGIES"]

log = logging.getLogger(__name__)

PROBA_PREFIX = "p_"
STRATEGIES = ("uncertain", "random")


def _units_frame(units, text_column: str) -> pd.DataFrame:
    if not isinstance(units, pd.DataFrame):
        raise TypeError(f"units must be a DataFrame, got {type(units).__name__}")
    if text_column not in units.columns:
        raise ValueError(f"units has no {text_column!r} column; columns are {list(units.columns)}")
    return units


def classify_units(units: pd.DataFrame, model, *, text_column: str = "text") -> pd.DataFrame:
    """Add ``p_<theme>`` probability columns and a ``labels`` column to a units table.

    Parameters
    ----------
    units : DataFrame
        Any table with a text column (e.g. ``Corpus.units()``); other columns are kept.
    model : ThemeClassifier or LexiconClassifier
    text_column : str, default "text"

    Returns
    -------
    DataFrame
        A copy of ``units`` with ``p_普法宣传 … p_放管服`` and ``labels``
        (themes joined by ``;``, empty = 其他).  An existing ``labels`` column
        is replaced.

    Examples
    --------
    >>> units = pd.DataFrame({"text": ["开展宪法宣传周活动"]})
    >>> out = classify_units(units, nlp.ThemeClassifier.load())   # doctest: +SKIP
    >>> list(out.columns)                                         # doctest: +SKIP
    ['text', 'p_普法宣传', 'p_校园安全', 'p_行政执法', 'p_放管服', 'labels']
    """
    units = _units_frame(units, text_column)
    out = units.copy()
    texts = [str(t) if t is not None else "" for t in units[text_column].tolist()]
    if texts:
        proba = model.predict_proba(texts).to_numpy()
        pred = model._decide(proba)
    else:
        proba = np.zeros((0, len(THEMES)))
        pred = np.zeros((0, len(THEMES)), dtype=int)
    for j, theme in enumerate(THEMES):
        out[PROBA_PREFIX + theme] = proba[:, j]
    out["labels"] = [";".join(t for t, v in zip(THEMES, row) if v) for row in pred]
    return out


def sample_units(units: pd.DataFrame, model=None, *, n: int = 50, strategy: str = "uncertain",
                 random_state=0, text_column: str = "text") -> pd.DataFrame:
    """Pick units to label next, with an empty ``labels`` column ready to fill in.

    Parameters
    ----------
    units : DataFrame
        A units table (``text`` plus any id columns).
    model : classifier, optional
        Needed for ``strategy="uncertain"``.
    n : int
        How many units (all of them when fewer).
    strategy : {"uncertain", "random"}
        ``uncertain``: the units whose probability is closest to a theme's
        decision threshold (ties broken at random); ``random``: a random sample.
    random_state : int

    Returns
    -------
    DataFrame
        Id columns that exist (``report_id, unit_id, section, subsection,
        role``), ``text``, an empty ``labels`` and ``note`` column, and for
        ``uncertain`` the ``margin`` (distance to the nearest threshold).
    """
    units = _units_frame(units, text_column)
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    rng = np.random.default_rng(random_state)
    keep = [c for c in ("report_id", "unit_id", "section", "subsection", "role")
            if c in units.columns]
    base = units[keep].copy()
    base["text"] = units[text_column].astype(str).to_numpy()
    order_key = rng.random(len(base))
    if strategy == "uncertain":
        if model is None:
            raise ValueError("strategy='uncertain' needs a model")
        proba = model.predict_proba(base["text"].tolist()).to_numpy()
        margin = np.abs(proba - np.asarray(model._thresholds())).min(axis=1)
        base["margin"] = margin.round(4)
        order = np.lexsort((order_key, margin))
    else:
        order = np.argsort(order_key, kind="stable")
    out = base.iloc[order[:n]].copy()
    out["labels"] = ""
    out["note"] = ""
    return out.reset_index(drop=True)


def cv_comparison(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Stack evaluation tables of several models into one tidy table with a ``model`` column."""
    parts = []
    for name, table in tables.items():
        parts.append(table.assign(model=name))
    out = pd.concat(parts, ignore_index=True)
    cols = ["model", "theme", "precision", "recall", "f1", "support"]
    return out[cols + [c for c in out.columns if c not in cols]]


def _load_exemplars(exemplars, real_texts) -> pd.DataFrame | None:
    if exemplars is None:
        return None
    ex = read_labels(exemplars) if isinstance(exemplars, (str, Path)) else exemplars
    real = set(real_texts)
    dup = ex["text"].isin(real)
    if dup.any():
        log.warning("dropping %d exemplar(s) identical to a real labelled unit", int(dup.sum()))
        ex = ex[~dup]
    return ex[["text", "labels"]].reset_index(drop=True)


def train_model(labels, *, exemplars=None, cv: int | None = 5, random_state=0,
                group_column: str = "report_id", **params):
    """Cross-validate (lexicon baseline and classifier side by side), then fit on everything.

    Parameters
    ----------
    labels : path or DataFrame
        Real labelled units (read with :func:`nlp.read_labels`).
    exemplars : path or DataFrame, optional
        Written passages: training folds only.
    cv : int or None
        Grouped folds (by ``group_column``); None skips cross-validation.
    random_state : int
    **params
        Passed to :class:`ThemeClassifier`.

    Returns
    -------
    (ThemeClassifier, DataFrame or None)
        The fitted model and the CV table (:func:`cv_comparison` layout).
    """
    from .classify import LexiconClassifier, ThemeClassifier

    df = read_labels(labels) if isinstance(labels, (str, Path)) else labels
    texts, labs = df["text"].tolist(), df["labels"].tolist()
    ex = _load_exemplars(exemplars, texts)
    model = ThemeClassifier(random_state=random_state, **params)
    groups = None
    if group_column in df.columns:
        groups = df[group_column].astype(str).tolist()
    table = None
    if cv:
        if groups is None or len(set(groups)) < 2:
            log.warning("no %r column with two or more values: folds are not grouped, so "
                        "units of one report can be in training and test folds", group_column)
            cv_groups = [str(i) for i in range(len(texts))]
        else:
            cv_groups = groups
        if len(texts) < 2:
            raise InputError("cross-validation needs at least 2 labelled texts",
                             path=labels if isinstance(labels, (str, Path)) else None)
        table = cv_comparison({
            "lexicon": LexiconClassifier().cross_validate(texts, labs, cv_groups, cv=cv),
            "classifier": model.cross_validate(texts, labs, cv_groups, cv=cv, exemplars=ex),
        })
    model.fit(texts, labs, groups=groups, exemplars=ex)
    return model, table


def format_cv_table(table: pd.DataFrame) -> str:
    """The CV table as text: per theme and micro/macro, lexicon and classifier side by side."""
    wide = table.pivot_table(index="theme", columns="model", values="f1", sort=False)
    support = table.drop_duplicates("theme").set_index("theme")["support"]
    lines = [f"{'theme':<8} {'support':>7} " + " ".join(f"{m + ' F1':>14}" for m in wide.columns)]
    for theme in list(THEMES) + ["micro", "macro"]:
        if theme in wide.index:
            lines.append(f"{theme:<8} {int(support[theme]):>7} "
                         + " ".join(f"{wide.loc[theme, m]:>14.3f}" for m in wide.columns))
    folds = int(table["folds"].iloc[0]) if "folds" in table.columns else None
    if folds:
        lines.append(f"(pooled over {folds} grouped folds)")
    return "\n".join(lines)



def _is_table(path: Path) -> bool:
    from .persist import TABLE_SUFFIXES

    return path.suffix.lower() in TABLE_SUFFIXES and path.is_file()


def classify_to_table(inputs, output, model, *, chunksize: int = 2000,
                      progress: bool | None = None) -> int:
    """Classify a units table, or the units of report files/folders, into ``output``.

    ``inputs`` is one units table (``.csv/.tsv/.jsonl/.parquet`` with a ``text``
    column) or report files and folders.  The output is written atomically,
    chunk by chunk; returns the number of units.
    """
    from tqdm.auto import tqdm

    from .persist import TableWriter, read_table
    from .pipeline import iter_reports, units_of

    paths = [Path(p) for p in ([inputs] if isinstance(inputs, (str, Path)) else inputs)]
    disable = None if progress is None else not progress
    with TableWriter(output) as writer:
        if len(paths) == 1 and _is_table(paths[0]):
            units = read_table(paths[0])
            if "text" not in units.columns:
                raise InputError(f"no 'text' column; the columns are {list(units.columns)}",
                                 path=paths[0])
            for start in tqdm(range(0, len(units), chunksize), desc="classify", unit="chunk",
                              disable=disable):
                writer.write(classify_units(units.iloc[start:start + chunksize], model))
        else:
            for report in tqdm(iter_reports(paths), desc="classify", unit="report",
                               disable=disable):
                writer.write(classify_units(units_of(report), model))
    return writer.rows


def read_units(paths) -> pd.DataFrame:
    """A units table from one table file, or the units of report files/folders."""
    from .persist import read_table
    from .pipeline import iter_reports, units_of

    paths = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if len(paths) == 1 and _is_table(paths[0]):
        units = read_table(paths[0])
        if "text" not in units.columns:
            raise InputError(f"no 'text' column; the columns are {list(units.columns)}",
                             path=paths[0])
        return units
    frames = [units_of(r) for r in iter_reports(paths)]
    if not frames:
        raise InputError("no reports found", path=paths[0] if paths else None)
    return pd.concat(frames, ignore_index=True)


def theme_summary(classified: pd.DataFrame, by: str | list[str] = "report_id") -> pd.DataFrame:
    """Per group and theme: labelled units, their share and the mean probability.

    Parameters
    ----------
    classified : DataFrame
        Output of :func:`classify_units` (``labels`` and ``p_<theme>`` columns).
    by : str or list of str
        Grouping columns, e.g. ``"report_id"`` or ``["agency", "year"]``.

    Returns
    -------
    DataFrame
        Tidy: the ``by`` columns, ``theme`` (the four themes and 其他), ``units``
        (units carrying it), ``total`` (units in the group), ``share`` and
        ``mean_probability`` (NaN for 其他).
    """
    from .labels import OTHER

    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in by + ["labels"] if c not in classified.columns]
    if missing:
        raise ValueError(f"classified has no column(s) {missing}; run classify_units first")
    rows = []
    for key, part in classified.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        sets = [set(str(v).split(";")) - {""} for v in part["labels"]]
        total = len(part)
        for theme in (*THEMES, OTHER):
            n = sum(1 for s in sets if (not s if theme == OTHER else theme in s))
            col = PROBA_PREFIX + theme
            mean_p = float(part[col].mean()) if col in part.columns else float("nan")
            rows.append({**dict(zip(by, key)), "theme": theme, "units": n, "total": total,
                         "share": n / total if total else 0.0, "mean_probability": mean_p})
    return pd.DataFrame(rows)
