"""Theme shares per group and their change between two groups.

Every function takes plain tables and returns a tidy DataFrame, one row per
observation; none needs a model.  A units table tells which themes each unit
carries in one of three ways:

* a ``labels`` column: a tuple, list or set of theme names per unit, or a
  ``;``-joined string (``"普法宣传;校园安全"``; an empty string or an empty
  tuple is 其他, no theme) — what :func:`nlp.classify.classify_units` and
  :func:`nlp.read_labels` produce;
* or one boolean (0/1) column per theme, named by the theme (``普法宣传`` …);
* or, with ``estimator="pcc"``, probability columns ``p_<theme>`` (what
  ``classify_units`` adds) that are averaged as probabilities.  Probabilities
  are never cast to 0/1: a theme column holding them is refused unless
  ``estimator="pcc"``.

Which intervals
    When the table has ``report_id`` and the groups are not reports
    themselves (years, agencies, agency types), whole reports are resampled:
    a claim about years or agencies is a claim about reports, and units of one
    report are not independent.  The interval is a t interval with G − 1
    degrees of freedom (G reports in the group) on the bootstrap standard
    error with the small-sample factor √(G/(G − 1)); ``bench/study.py``
    measures its coverage against the percentile interval.  A group with a
    single report gets no interval (NaN, with a warning): one case says nothing
    about variation between reports.  Groups that *are* reports resample their
    units (within-report variation, percentile interval).

    ``paired="agency"`` draws agencies once for all groups, so an agency that
    reports in both years moves both years' shares together (panel
    comparisons); report parts of the same reports are paired by
    ``report_id`` in :func:`nlp.compare.section_profile`.

Classifier error
    Shares of predicted labels are biased: E[ŝ] = FPR + (TPR − FPR)·π.  Given
    error rates measured on a random validation sample
    (:func:`nlp.compare.misclassification_rates`), ``validation=`` returns the
    adjusted classify-and-count share θ̂ = clip((ŝ − FPR)/(TPR − FPR), 0, 1)
    whose interval carries both the corpus and the validation uncertainty.

Examples
--------
>>> import pandas as pd
>>> units = pd.DataFrame({"report_id": ["a", "a", "b", "b"],
...                       "year": [2021, 2021, 2024, 2024],
...                       "text": ["开展宪法宣传周活动", "排查校园安全隐患",
...                                "开展普法讲座", "推进一网通办"],
...                       "labels": ["普法宣传", "校园安全", "普法宣传", "放管服"]})
>>> shares = theme_shares(units, by="year", n_boot=200, random_state=0)
>>> shares.loc[shares["theme"] == "普法宣传", ["share", "ci_low"]].values.tolist()
[[0.5, nan], [0.5, nan]]
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..codebook import OTHER, PROBA_PREFIX, split_labels, table_themes
from ..errors import InputError
from .bootstrap import METHODS, Draws, grouped_draws
from .correction import corrected_draws

__all__ = ["theme_matrix", "probability_matrix", "theme_shares", "emphasis_change",
           "group_columns", "group_codes", "resampling", "ESTIMATORS", "PROBA_PREFIX"]

log = logging.getLogger(__name__)

BY_ALIASES = {"report": "report_id", "unit": "unit_id"}
#: ``cc``: classify and count (labels); ``pcc``: probabilistic classify and count
#: (mean probability); ``acc`` (set by ``validation=``): adjusted classify and count
ESTIMATORS = ("cc", "pcc")


def theme_matrix(units: pd.DataFrame, themes: Sequence[str] | None = None, *,
                 labels: str = "labels") -> pd.DataFrame:
    """Return one boolean column per theme plus ``其他`` (no theme), indexed like ``units``.

    Parameters
    ----------
    units : DataFrame
        Units with a ``labels`` column or one boolean (0/1) column per theme.
        A theme column holding probabilities is refused (see
        :func:`probability_matrix`).
    themes : sequence of str, optional
        Themes to use, in order (default: the table's own, see
        :func:`nlp.codebook.table_themes`).
    labels : str
        Name of the labels column.

    Examples
    --------
    >>> import pandas as pd
    >>> theme_matrix(pd.DataFrame({"labels": ["普法宣传;放管服", ""]}))["其他"].tolist()
    [False, True]
    """
    if not isinstance(units, pd.DataFrame):
        raise TypeError(f"units: expected a DataFrame, got {type(units).__name__}")
    themes = tuple(themes) if themes is not None else table_themes(units, labels)
    if labels in units.columns:
        sets = [set(split_labels(v)) for v in units[labels]]
        unknown = sorted(set().union(*sets) - set(themes)) if sets else []
        if unknown:
            log.warning("labels not among themes %s ignored: %s", themes, unknown)
        mat = pd.DataFrame({t: [t in s for s in sets] for t in themes}, index=units.index)
    else:
        missing = [t for t in themes if t not in units.columns]
        if missing:
            raise InputError(
                f"units: need a {labels!r} column or one boolean column per theme; "
                f"missing columns {missing} (have {list(units.columns)})")
        cols = {}
        for t in themes:
            col = units[t]
            if col.dtype == object or pd.api.types.is_numeric_dtype(col):
                values = pd.to_numeric(col, errors="coerce") if col.dtype == object else col
                bad = values.notna() & ~values.isin([0, 1])
                if bad.any():
                    raise InputError(
                        f"units: column {t!r} holds values other than 0/1 (e.g. "
                        f"{values[bad].iloc[0]!r}); probabilities are not labels: pass "
                        f"estimator='pcc' to average them as probabilities, or turn them "
                        f"into labels with the model's thresholds first")
            cols[t] = col.fillna(False).astype(bool).to_numpy()
        mat = pd.DataFrame(cols, index=units.index)
    mat[OTHER] = ~mat[list(themes)].any(axis=1)
    return mat


def probability_matrix(units: pd.DataFrame, themes: Sequence[str] | None = None
                       ) -> pd.DataFrame:
    """One probability column per theme plus ``其他``, for ``estimator="pcc"``.

    Reads ``p_<theme>`` columns (as written by ``classify_units``), else columns
    named by the theme.  ``其他`` is the probability of no theme, ∏(1 − p),
    which treats the themes as independent given the text (as one-vs-rest
    classifiers do).

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"p_普法宣传": [0.8, 0.2], "p_校园安全": [0.0, 0.5],
    ...                   "p_行政执法": [0.0, 0.0], "p_放管服": [0.0, 0.0]})
    >>> probability_matrix(u)["其他"].round(2).tolist()
    [0.2, 0.4]
    """
    themes = tuple(themes) if themes is not None else table_themes(units)
    cols = {}
    for t in themes:
        name = PROBA_PREFIX + t if PROBA_PREFIX + t in units.columns else t
        if name not in units.columns:
            raise InputError(f"units: estimator='pcc' needs a probability column "
                             f"{PROBA_PREFIX + t!r} (or {t!r}) per theme; have "
                             f"{list(units.columns)}")
        values = pd.to_numeric(units[name], errors="coerce").to_numpy(dtype=float)
        if np.any((values < 0) | (values > 1)):
            raise InputError(f"units: column {name!r} has values outside [0, 1]; "
                             f"not probabilities")
        cols[t] = values
    mat = pd.DataFrame(cols, index=units.index)
    if mat.isna().any().any():
        raise InputError(f"units: missing probabilities in {list(mat.columns[mat.isna().any()])}")
    mat[OTHER] = np.prod(1 - mat.to_numpy(), axis=1)
    return mat


def _weights(units: pd.DataFrame, weight: str) -> np.ndarray:
    if weight == "units":
        return np.ones(len(units))
    if weight == "chars":
        if "text" in units.columns:
            return units["text"].fillna("").str.len().to_numpy(dtype=float)
        if "chars" in units.columns:
            return units["chars"].to_numpy(dtype=float)
        raise InputError("weight='chars' needs a 'text' or 'chars' column in units")
    raise ValueError(f"weight: expected 'units' or 'chars', got {weight!r}")


def group_columns(units: pd.DataFrame, by, name: str = "by") -> list[str]:
    """The table's columns for ``by`` (aliases ``report`` → ``report_id``), checked."""
    cols = [by] if isinstance(by, str) else list(by)
    cols = [BY_ALIASES.get(c, c) for c in cols]
    missing = [c for c in cols if c not in units.columns]
    if missing:
        raise InputError(f"{name}: column(s) {missing} not in units (have {list(units.columns)}); "
                         f"use 'report', 'year', 'agency' or a column name")
    return cols


def group_codes(table: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, list[tuple]]:
    """Group code of every row (groups sorted, missing values kept last) and the group keys."""
    if not cols:
        return np.zeros(len(table), dtype=np.int64), [()]
    codes = table.groupby(cols, sort=True, dropna=False, observed=True).ngroup().to_numpy()
    first = pd.Series(np.arange(len(table))).groupby(codes).first()
    sub = table[cols].iloc[first.to_numpy()]
    keys = [tuple(None if _missing(v) else v for v in row)
            for row in sub.itertuples(index=False, name=None)]
    return codes.astype(np.int64), keys


def _missing(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def resampling(table: pd.DataFrame, cols: list[str], cluster, paired, *,
               report: str = "report_id") -> tuple[np.ndarray, str, bool]:
    """What to resample: ``(cluster of each row, name, joint draw)``.

    ``cluster="auto"``: reports when the table has ``report_id`` and the groups
    are not reports; otherwise units.  ``paired``: that column, drawn jointly
    for all groups (rows where it is missing are paired by nothing: each of
    their reports, or units, is its own cluster).
    """
    n = len(table)
    if paired is not None:
        col = group_columns(table, paired, "paired")[0]
        values = table[col].astype(object)
        fallback = (table[report].astype(str) if report in table.columns
                    else pd.Series(np.arange(n).astype(str), index=table.index))
        missing = values.isna()
        if missing.any():
            log.info("paired=%r: %d rows without a %s value are resampled unpaired",
                     col, int(missing.sum()), col)
        ids = np.where(missing, "\x00" + fallback, "\x01" + values.astype(str))
        return ids, col, True
    if isinstance(cluster, str) and cluster == "auto":
        cluster = report if report in table.columns and report not in cols else None
    if cluster is None or cluster == "units":
        return np.arange(n), "units", False
    col = group_columns(table, cluster, "cluster")[0]
    ids = table[col].astype(object)
    return np.where(ids.isna(), "\x00" + pd.Series(np.arange(n).astype(str),
                                                   index=table.index), ids.astype(str)), col, False


def _check_common(n_boot, ci, method):
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot: expected an integer >= 0, got {n_boot!r}")
    if not 0 < ci < 1:
        raise ValueError(f"ci: expected a number between 0 and 1, got {ci!r}")
    if method != "auto" and method not in METHODS:
        raise ValueError(f"method: expected 'auto' or one of {METHODS}, got {method!r}")


def theme_shares(units: pd.DataFrame, by="report", weight: str = "units", *,
                 themes: Sequence[str] | None = None, n_boot: int = 2000,
                 ci: float = 0.95, random_state=None, cluster="auto", paired=None,
                 method: str = "auto", estimator: str = "cc", validation=None,
                 labels: str = "labels") -> pd.DataFrame:
    """Share of units (or characters) per theme per group, with bootstrap intervals.

    Parameters
    ----------
    units : DataFrame
        Units table with themes (see the module docstring).
    by : {"report", "year", "agency"} or column name or list of them
        Grouping; ``"report"`` means ``report_id``.  Missing values form their
        own group.
    weight : {"units", "chars"}
        Count units, or weight each unit by its number of characters.
    themes : sequence of str, optional
        Themes (default: the table's own, see :func:`nlp.codebook.table_themes`);
        ``其他`` (no theme) is always added.
    n_boot : int
        Bootstrap replicates (0 = no intervals).
    ci : float
        Coverage of the intervals.
    random_state : int, numpy Generator or None
        Seed for the bootstrap.
    cluster : "auto", column name, "units" or None
        What to resample.  ``"auto"``: whole reports (``report_id``) when the
        groups are not reports, else units.  ``None``/``"units"``: units, i.e.
        within-group variation only.
    paired : column name, optional
        Resample this column's values (e.g. ``"agency"``) once for all groups,
        for panels where the same agencies appear in several groups.
    method : {"auto", "t", "percentile"}
        ``"auto"``: ``"t"`` when clusters are resampled, ``"percentile"`` for units.
    estimator : {"cc", "pcc"}
        Classify and count (labels), or the mean of the probability columns.
    validation : DataFrame, optional
        Classifier error rates from :func:`nlp.compare.misclassification_rates`:
        shares are then corrected for classifier error (estimator ``"acc"``).
    labels : str
        Name of the labels column.

    Returns
    -------
    DataFrame
        One row per group and theme: the group column(s), ``theme``, ``share``,
        ``ci_low``, ``ci_high``, ``se`` (standard error behind the interval),
        ``n_theme`` (units carrying the theme; expected count for ``pcc``),
        ``n_units``, ``n_reports`` (when the table has ``report_id``),
        ``weight``, ``resampled``, ``interval`` (``"t"``, ``"percentile"`` or
        ``"none"``), ``estimator``; with ``validation`` also ``raw_share``
        (uncorrected) and ``n_validation``.  The bootstrap draws are kept in
        ``.attrs["bootstrap"]`` (a :class:`~nlp.compare.bootstrap.Draws`) for
        :func:`emphasis_change`.  A unit can carry several themes, so shares
        of one group do not add up to one.

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"report_id": ["r"] * 4,
    ...                   "labels": ["普法宣传", "普法宣传;校园安全", "", "行政执法"]})
    >>> theme_shares(u, n_boot=0).set_index("theme")["share"]["普法宣传"]
    np.float64(0.5)
    """
    _check_common(n_boot, ci, method)
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator: expected one of {ESTIMATORS}, got {estimator!r}")
    cols = group_columns(units, by)
    if estimator == "pcc":
        if validation is not None:
            raise InputError("validation: the correction applies to classify-and-count "
                             "shares (estimator='cc'), not to mean probabilities")
        mat = probability_matrix(units, themes)
    else:
        mat = theme_matrix(units, themes, labels=labels)
    if validation is not None and weight != "units":
        raise InputError("validation: error rates are rates per unit; use weight='units'")
    names = list(mat.columns)
    w = _weights(units, weight)
    rng = np.random.default_rng(random_state)
    ids, resampled, joint = resampling(units, cols, cluster, paired)
    method = method if method != "auto" else ("percentile" if resampled == "units" else "t")
    codes, keys = group_codes(units, cols)
    full = mat.to_numpy(dtype=float)
    point, reps, members = grouped_draws(full, w, codes, len(keys), ids, int(n_boot), rng,
                                         joint=joint)
    draws = Draws(keys, names, point, reps, members, joint_draw=joint, resampled=resampled,
                  method=method)
    raw = point
    if validation is not None:
        draws = corrected_draws(draws, validation, rng)
    single = [k for g, k in enumerate(keys) if draws.n_clusters(g) < 2]
    if single and n_boot and resampled != "units":
        shown = ", ".join("/".join(map(str, k)) for k in single[:5])
        more = f" and {len(single) - 5} more" if len(single) > 5 else ""
        what = "report" if resampled == "report_id" else resampled
        log.warning("no interval for %d group(s) with a single %s (%s%s): one case says "
                    "nothing about variation between cases; cluster=None describes "
                    "within-report variation instead", len(single), what, shown, more)
    counts = np.zeros((len(keys), len(names)))
    np.add.at(counts, codes, full)
    n_units = np.bincount(codes, minlength=len(keys))
    n_reports = (units.groupby(codes)["report_id"].nunique().reindex(range(len(keys)))
                 .to_numpy() if "report_id" in units.columns else np.full(len(keys), np.nan))
    rows, hows = [], []
    for g, key in enumerate(keys):
        lo, hi, se, _ = draws.intervals(g, ci)
        hows.append(method if np.isfinite(lo).any() else "none")
        for j, theme in enumerate(names):
            n_theme = int(counts[g, j]) if estimator == "cc" else float(counts[g, j])
            row = [*key, theme, draws.point[g, j], lo[j], hi[j], se[j], n_theme,
                   int(n_units[g]), n_reports[g]]
            if validation is not None:
                row.append(raw[g, j])
            rows.append(row)
    columns = [*cols, "theme", "share", "ci_low", "ci_high", "se", "n_theme", "n_units",
               "n_reports"]
    if validation is not None:
        columns.append("raw_share")
    out = pd.DataFrame(rows, columns=columns)
    out["n_reports"] = out["n_reports"].astype("Int64")
    out["weight"] = weight
    out["resampled"] = resampled
    out["interval"] = np.repeat(hows, len(names))
    out["estimator"] = "acc" if validation is not None else estimator
    if validation is not None:
        out["n_validation"] = int(validation["n_validation"].iloc[0])
    out.attrs["bootstrap"] = draws
    out.attrs["by"] = cols
    out.attrs["ci"] = ci
    return out


def _normal_interval(diff: float, se_a: float, se_b: float, alpha: float):
    if np.isfinite(se_a) and np.isfinite(se_b):
        half = stats.norm.ppf(1 - alpha) * math.hypot(se_a, se_b)
        return diff - half, diff + half, "normal from se"
    return math.nan, math.nan, "none"


def emphasis_change(shares: pd.DataFrame, group: str = "year", a=2021, b=2024, *,
                    ci: float | None = None) -> pd.DataFrame:
    """Per-theme difference in share between group ``b`` and group ``a``, with its interval.

    Parameters
    ----------
    shares : DataFrame
        Output of :func:`theme_shares` grouped by ``group`` alone (corrected
        shares work unchanged).
    group : str
        The grouping column (``"year"``, ``"report"``/``"report_id"``, ``"agency"``…).
    a, b : scalar
        The two groups; the difference is ``share_b - share_a``.
    ci : float, optional
        Coverage (default: the one ``shares`` was computed with).

    Returns
    -------
    DataFrame
        One row per theme: ``theme``, ``group``, ``a``, ``b``, ``share_a``,
        ``ci_low_a``, ``ci_high_a``, ``share_b``, ``ci_low_b``, ``ci_high_b``,
        ``diff``, ``ci_low``, ``ci_high``, ``se``, ``n_units_a``, ``n_units_b``,
        ``n_reports_a``, ``n_reports_b``, ``interval``, ``resampled``,
        ``estimator``.  The interval uses the draws of ``shares`` with its
        method: for ``"t"``, the two groups' variances (or, for a joint draw,
        the variance of the paired differences) with Welch–Satterthwaite
        degrees of freedom; for ``"percentile"``, the percentiles of the
        differences of the replicates.  When either group has a single report
        the interval is NaN.  A table that lost its draws (read back from CSV)
        gets a normal interval from the two ``se`` columns.

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"year": [2021, 2021, 2024, 2024],
    ...                   "labels": ["普法宣传", "", "普法宣传", "普法宣传"]})
    >>> ch = emphasis_change(theme_shares(u, by="year", n_boot=100, random_state=1))
    >>> float(ch.set_index("theme").loc["普法宣传", "diff"])
    0.5
    """
    col = BY_ALIASES.get(group, group)
    need = {col, "theme", "share"}
    if not need <= set(shares.columns):
        raise ValueError(f"shares: expected the output of theme_shares(by={group!r}) with "
                         f"columns {sorted(need)}, got {list(shares.columns)}")
    extra = [c for c in shares.attrs.get("by", [col]) if c != col]
    if extra:
        raise ValueError(f"shares: grouped by {shares.attrs['by']}; emphasis_change needs "
                         f"shares grouped by {col!r} alone")
    present = set(shares[col].tolist())
    for name, value in (("a", a), ("b", b)):
        if value not in present:
            raise ValueError(f"{name}: {value!r} is not a value of {col!r} "
                             f"(have {sorted(present, key=str)})")
    ci = shares.attrs.get("ci", 0.95) if ci is None else ci
    draws = shares.attrs.get("bootstrap")
    sa = shares[shares[col] == a].set_index("theme")
    sb = shares[shares[col] == b].set_index("theme")
    themes = [t for t in sa.index if t in sb.index]
    if isinstance(draws, Draws) and draws.n_boot:
        _, lo, hi, se, _ = draws.difference(draws.index(a), draws.index(b), ci)
        pos = {t: j for j, t in enumerate(draws.columns)}
        method = draws.method
        fits = {t: (lo[pos[t]], hi[pos[t]], se[pos[t]]) for t in themes if t in pos}
    else:
        method, fits = None, {}
    rows = []
    for theme in themes:
        ra, rb = sa.loc[theme], sb.loc[theme]
        diff = float(rb["share"] - ra["share"])
        if theme in fits:
            lo_, hi_, se_ = (float(v) for v in fits[theme])
            how = method if np.isfinite(lo_) else "none"
        else:
            se_a, se_b = float(ra.get("se", np.nan)), float(rb.get("se", np.nan))
            lo_, hi_, how = _normal_interval(diff, se_a, se_b, (1 - ci) / 2)
            se_ = math.hypot(se_a, se_b)
        rows.append({"theme": theme, "group": col, "a": a, "b": b,
                     "share_a": float(ra["share"]), "ci_low_a": ra.get("ci_low", np.nan),
                     "ci_high_a": ra.get("ci_high", np.nan),
                     "share_b": float(rb["share"]), "ci_low_b": rb.get("ci_low", np.nan),
                     "ci_high_b": rb.get("ci_high", np.nan),
                     "diff": diff, "ci_low": lo_, "ci_high": hi_, "se": se_,
                     "n_units_a": ra.get("n_units", np.nan), "n_units_b": rb.get("n_units", np.nan),
                     "n_reports_a": ra.get("n_reports", pd.NA),
                     "n_reports_b": rb.get("n_reports", pd.NA),
                     "interval": how, "resampled": ra.get("resampled", ""),
                     "estimator": ra.get("estimator", "cc")})
    return pd.DataFrame(rows)
