"""Theme shares per group and their change between two groups.

Every function takes plain tables (or token lists) and returns a tidy
DataFrame, one row per observation; none needs a model.  A units table tells
which themes each unit carries in one of two ways:

* a ``labels`` column: a tuple, list or set of theme names per unit, or a
  ``;``-joined string (``"普法宣传;校园安全"``; an empty string or an empty
  tuple is 其他, no theme) — what :func:`nlp.classify.classify_units` and
  :func:`nlp.read_labels` produce;
* or one boolean (0/1) column per theme, named by the theme (``普法宣传`` …).

Intervals are percentile bootstrap intervals over units: the units of each
group are resampled with replacement ``n_boot`` times.  They describe how much
a share depends on which units a report happens to contain, i.e. variation
*within* a report.  With one report per year, a difference between 2021 and
2024 is a comparison of two cases, not a trend: the bootstrap cannot tell how
another bureau, or the same bureau in another year, would have written.

Examples
--------
>>> import pandas as pd
>>> units = pd.DataFrame({"report_id": ["a", "a", "b", "b"],
...                       "year": [2021, 2021, 2024, 2024],
...                       "text": ["开展宪法宣传周活动", "排查校园安全隐患",
...                                "开展普法讲座", "推进一网通办"],
...                       "labels": ["普法宣传", "校园安全", "普法宣传", "放管服"]})
>>> shares = theme_shares(units, by="year", n_boot=200, random_state=0)
>>> shares.loc[shares["theme"] == "普法宣传", "share"].tolist()
[0.5, 0.5]
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..codebook import OTHER, THEMES, split_labels
from ..errors import InputError
from .bootstrap import bootstrap_means, cluster_sums

__all__ = ["theme_matrix", "theme_shares", "emphasis_change", "group_columns"]

log = logging.getLogger(__name__)

BY_ALIASES = {"report": "report_id", "unit": "unit_id"}


def theme_matrix(units: pd.DataFrame, themes: Sequence[str] | None = None, *,
                 labels: str = "labels") -> pd.DataFrame:
    """Return one boolean column per theme plus ``其他`` (no theme), indexed like ``units``.

    Parameters
    ----------
    units : DataFrame
        Units with a ``labels`` column or one boolean column per theme.
    themes : sequence of str, optional
        Themes to use, in order (default :data:`nlp.THEMES`).
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
    themes = tuple(themes) if themes is not None else THEMES
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
        mat = pd.DataFrame({t: units[t].fillna(False).astype(bool).to_numpy() for t in themes},
                           index=units.index)
    mat[OTHER] = ~mat[list(themes)].any(axis=1)
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
    cols = [by] if isinstance(by, str) else list(by)
    cols = [BY_ALIASES.get(c, c) for c in cols]
    missing = [c for c in cols if c not in units.columns]
    if missing:
        raise InputError(f"{name}: column(s) {missing} not in units (have {list(units.columns)}); "
                         f"use 'report', 'year', 'agency' or a column name")
    return cols


def theme_shares(units: pd.DataFrame, by="report", weight: str = "units", *,
                 themes: Sequence[str] | None = None, n_boot: int = 2000,
                 ci: float = 0.95, random_state=None, cluster: str | None = None,
                 labels: str = "labels") -> pd.DataFrame:
    """Share of units (or characters) per theme per group, with bootstrap intervals.

    Parameters
    ----------
    units : DataFrame
        Units table with themes (see the module docstring).
    by : {"report", "year", "agency"} or column name or list of them
        Grouping; ``"report"`` means ``report_id``.
    weight : {"units", "chars"}
        Count units, or weight each unit by its number of characters.
    themes : sequence of str, optional
        Themes (default :data:`nlp.THEMES`); ``其他`` (no theme) is always added.
    n_boot : int
        Bootstrap resamples of units within each group (0 = no intervals).
    ci : float
        Coverage of the percentile interval.
    random_state : int, numpy Generator or None
        Seed for the bootstrap.
    cluster : str, optional
        Resample whole clusters (e.g. ``"report_id"``) instead of units: with
        several reports per group, the interval then reflects variation
        *between* reports, which a claim about years or agencies needs.  A
        group with a single cluster gets a zero-width interval (and a warning).

    Returns
    -------
    DataFrame
        One row per group and theme: the group column(s), ``theme``, ``share``,
        ``ci_low``, ``ci_high``, ``se`` (bootstrap standard deviation),
        ``n_theme`` (units carrying the theme), ``n_units``, ``weight``.
        The bootstrap replicates are kept in ``.attrs["bootstrap"]`` for
        :func:`emphasis_change`.  A unit can carry several themes, so shares of
        one group do not add up to one.

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"report_id": ["r"] * 4,
    ...                   "labels": ["普法宣传", "普法宣传;校园安全", "", "行政执法"]})
    >>> theme_shares(u, n_boot=0).set_index("theme")["share"]["普法宣传"]
    np.float64(0.5)
    """
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot: expected an integer >= 0, got {n_boot!r}")
    if not 0 < ci < 1:
        raise ValueError(f"ci: expected a number between 0 and 1, got {ci!r}")
    cols = group_columns(units, by)
    if cluster is not None:
        cluster = group_columns(units, cluster, "cluster")[0]
    mat = theme_matrix(units, themes, labels=labels)
    names = list(mat.columns)
    w = _weights(units, weight)
    rng = np.random.default_rng(random_state)
    alpha = (1 - ci) / 2
    rows, boot = [], {}
    full = mat.to_numpy(dtype=float)
    for key, idx in units.groupby(cols, sort=True, dropna=False).indices.items():
        key = key if isinstance(key, tuple) else (key,)
        m = full[idx]
        wi = w[idx]
        total = wi.sum()
        share = (m * wi[:, None]).sum(axis=0) / total if total > 0 else np.full(len(names), np.nan)
        if cluster is None:
            reps = bootstrap_means(m, wi, int(n_boot), rng)
        else:
            sums, wsum = cluster_sums(m, wi, units[cluster].to_numpy()[idx])
            if len(wsum) == 1 and n_boot:
                log.warning("group %s has a single %s: its interval has zero width", key,
                            cluster)
            reps = bootstrap_means(sums / np.where(wsum > 0, wsum, 1)[:, None], wsum, int(n_boot),
                              rng)
        if len(reps):
            lo, hi = np.nanquantile(reps, [alpha, 1 - alpha], axis=0)
            se = np.nanstd(reps, axis=0, ddof=1)
        else:
            lo = hi = se = np.full(len(names), np.nan)
        for j, theme in enumerate(names):
            rows.append((*key, theme, share[j], lo[j], hi[j], se[j], int(m[:, j].sum()), len(idx)))
            boot[(*key, theme)] = reps[:, j] if len(reps) else np.empty(0)
    out = pd.DataFrame(rows, columns=[*cols, "theme", "share", "ci_low", "ci_high", "se",
                                      "n_theme", "n_units"])
    out["weight"] = weight
    out["resampled"] = cluster or "units"
    out.attrs["bootstrap"] = boot
    out.attrs["by"] = cols
    return out


def _diff_interval(boot: dict, ka, kb, diff: float, se_a: float, se_b: float, alpha: float):
    ra, rb = boot.get(ka), boot.get(kb)
    if ra is not None and rb is not None and len(ra) and len(ra) == len(rb):
        d = rb - ra
        lo, hi = np.nanquantile(d, [alpha, 1 - alpha])
        return float(lo), float(hi), "bootstrap percentile"
    if np.isfinite(se_a) and np.isfinite(se_b):
        z = stats.norm.ppf(1 - alpha)
        half = z * math.hypot(se_a, se_b)
        return diff - half, diff + half, "normal from bootstrap se"
    return math.nan, math.nan, "none"


def emphasis_change(shares: pd.DataFrame, group: str = "year", a=2021, b=2024, *,
                    ci: float = 0.95) -> pd.DataFrame:
    """Per-theme difference in share between group ``b`` and group ``a``, with its interval.

    Parameters
    ----------
    shares : DataFrame
        Output of :func:`theme_shares` grouped by ``group`` alone.
    group : str
        The grouping column (``"year"``, ``"report"``/``"report_id"``, ``"agency"``…).
    a, b : scalar
        The two groups; the difference is ``share_b - share_a``.
    ci : float
        Coverage; should match the one used for ``shares``.

    Returns
    -------
    DataFrame
        One row per theme: ``theme``, ``group``, ``a``, ``b``, ``share_a``,
        ``ci_low_a``, ``ci_high_a``, ``share_b``, ``ci_low_b``, ``ci_high_b``,
        ``diff``, ``ci_low``, ``ci_high``, ``n_units_a``, ``n_units_b``,
        ``interval``.  The difference interval is the percentile interval of
        differences between independent bootstrap replicates of the two groups
        when ``shares.attrs["bootstrap"]`` holds them (as :func:`theme_shares`
        leaves it), otherwise a normal interval from the two ``se`` columns.

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
    alpha = (1 - ci) / 2
    boot = shares.attrs.get("bootstrap", {})
    sa = shares[shares[col] == a].set_index("theme")
    sb = shares[shares[col] == b].set_index("theme")
    rows = []
    for theme in [t for t in sa.index if t in sb.index]:
        ra, rb = sa.loc[theme], sb.loc[theme]
        diff = float(rb["share"] - ra["share"])
        lo, hi, how = _diff_interval(boot, (a, theme), (b, theme), diff,
                                     float(ra.get("se", np.nan)), float(rb.get("se", np.nan)),
                                     alpha)
        rows.append({"theme": theme, "group": col, "a": a, "b": b,
                     "share_a": float(ra["share"]), "ci_low_a": ra.get("ci_low", np.nan),
                     "ci_high_a": ra.get("ci_high", np.nan),
                     "share_b": float(rb["share"]), "ci_low_b": rb.get("ci_low", np.nan),
                     "ci_high_b": rb.get("ci_high", np.nan),
                     "diff": diff, "ci_low": lo, "ci_high": hi,
                     "n_units_a": ra.get("n_units", np.nan), "n_units_b": rb.get("n_units", np.nan),
                     "interval": how})
    return pd.DataFrame(rows)


