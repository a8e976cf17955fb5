"""Compare emphasis between groups of units: theme shares, their change, keyness.

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
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["OTHER", "ROLE_ORDER", "theme_matrix", "theme_shares", "emphasis_change",
           "section_profile", "keyness"]

log = logging.getLogger(__name__)

OTHER = "其他"
#: order of report parts used by :func:`section_profile`
ROLE_ORDER = ("preamble", "measures", "problems", "leadership", "plans", "other")
_FALLBACK_THEMES = ("普法宣传", "校园安全", "行政执法", "放管服")
_BY_ALIASES = {"report": "report_id", "unit": "unit_id"}
_MAX_CELLS = 4_000_000  # bootstrap work array size per chunk


def _default_themes() -> tuple[str, ...]:
    try:
        from .labels import THEMES
    except ImportError:  # the classifier part is optional for comparisons
        return _FALLBACK_THEMES
    return tuple(THEMES)


def _split_labels(value) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(";") if p.strip() and p.strip() != OTHER)
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value if str(v) != OTHER)
    if value is None or pd.isna(value):
        return ()
    raise TypeError(f"labels: expected a tuple of themes or a ';'-joined string, "
                    f"got {type(value).__name__}")


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
    themes = tuple(themes) if themes is not None else _default_themes()
    if labels in units.columns:
        sets = [set(_split_labels(v)) for v in units[labels]]
        unknown = sorted(set().union(*sets) - set(themes)) if sets else []
        if unknown:
            log.warning("labels not among themes %s ignored: %s", themes, unknown)
        mat = pd.DataFrame({t: [t in s for s in sets] for t in themes}, index=units.index)
    else:
        missing = [t for t in themes if t not in units.columns]
        if missing:
            raise ValueError(
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
        raise ValueError("weight='chars' needs a 'text' or 'chars' column in units")
    raise ValueError(f"weight: expected 'units' or 'chars', got {weight!r}")


def _by_columns(units: pd.DataFrame, by, name: str = "by") -> list[str]:
    cols = [by] if isinstance(by, str) else list(by)
    cols = [_BY_ALIASES.get(c, c) for c in cols]
    missing = [c for c in cols if c not in units.columns]
    if missing:
        raise ValueError(f"{name}: column(s) {missing} not in units (have {list(units.columns)}); "
                         f"use 'report', 'year', 'agency' or a column name")
    return cols


def _bootstrap(mat: np.ndarray, w: np.ndarray, n_boot: int,
               rng: np.random.Generator) -> np.ndarray:
    """Return (n_boot, n_themes) weighted shares of units resampled with replacement."""
    n = len(w)
    if n_boot == 0 or n == 0:
        return np.empty((0, mat.shape[1]))
    wm = mat * w[:, None]
    out = np.empty((n_boot, mat.shape[1]))
    step = max(1, _MAX_CELLS // max(n, 1))
    for start in range(0, n_boot, step):
        stop = min(n_boot, start + step)
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=stop - start).astype(float)
        den = counts @ w
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:stop] = (counts @ wm) / den[:, None]
    return out


def _cluster_sums(m: np.ndarray, w: np.ndarray, clusters: np.ndarray):
    """Per-cluster weighted theme sums (n_clusters, n_themes) and weight sums (n_clusters,)."""
    codes, inverse = np.unique(clusters, return_inverse=True)
    sums = np.zeros((len(codes), m.shape[1]))
    np.add.at(sums, inverse, m * w[:, None])
    return sums, np.bincount(inverse, weights=w, minlength=len(codes))


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
    cols = _by_columns(units, by)
    if cluster is not None:
        cluster = _by_columns(units, cluster, "cluster")[0]
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
            reps = _bootstrap(m, wi, int(n_boot), rng)
        else:
            sums, wsum = _cluster_sums(m, wi, units[cluster].to_numpy()[idx])
            if len(wsum) == 1 and n_boot:
                log.warning("group %s has a single %s: its interval has zero width", key,
                            cluster)
            reps = _bootstrap(sums / np.where(wsum > 0, wsum, 1)[:, None], wsum, int(n_boot),
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
    col = _BY_ALIASES.get(group, group)
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


def section_profile(units: pd.DataFrame, *, by="report", role: str = "role",
                    themes: Sequence[str] | None = None, weight: str = "units",
                    n_boot: int = 1000, ci: float = 0.95, random_state=None,
                    labels: str = "labels") -> pd.DataFrame:
    """Themes by report part: what reports claim as achievements, admit as problems, and plan.

    Parameters
    ----------
    units : DataFrame
        Units with themes and a ``role`` column (preamble, measures, problems,
        leadership, plans, other — from :func:`nlp.segment`).
    by : str, list or None
        Extra grouping (default per report); ``None`` pools all units.
    role, themes, weight, n_boot, ci, random_state, labels
        As in :func:`theme_shares`.

    Returns
    -------
    DataFrame
        One row per group, role and theme: the :func:`theme_shares` columns
        (``share`` = share of the role's units carrying the theme) plus
        ``role_share`` = share of the theme's units that sit in this role.
        Roles follow :data:`ROLE_ORDER`.

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"role": ["measures", "measures", "problems"],
    ...                   "labels": ["普法宣传", "行政执法", "普法宣传"]})
    >>> p = section_profile(u, by=None, n_boot=0)
    >>> p[(p.theme == "普法宣传")][["role", "share", "role_share"]].values.tolist()
    [['measures', 0.5, 0.5], ['problems', 1.0, 0.5]]
    """
    if role not in units.columns:
        raise ValueError(f"role: column {role!r} not in units (have {list(units.columns)})")
    groups = [] if by is None else _by_columns(units, by)
    out = theme_shares(units, by=[*groups, role], weight=weight, themes=themes, n_boot=n_boot,
                       ci=ci, random_state=random_state, labels=labels)
    tot = out.groupby([*groups, "theme"], sort=False)["n_theme"].transform("sum")
    out["role_share"] = (out["n_theme"] / tot.where(tot > 0)).astype(float)
    known = [r for r in ROLE_ORDER if r in set(out[role])]
    order = known + sorted(set(out[role]) - set(known), key=str)
    out[role] = pd.Categorical(out[role], categories=order, ordered=True)
    theme_order = list(dict.fromkeys(out["theme"]))
    out["_t"] = out["theme"].map({t: i for i, t in enumerate(theme_order)})
    out = out.sort_values([*groups, role, "_t"], kind="stable").drop(columns="_t")
    out.attrs.pop("bootstrap", None)
    return out.reset_index(drop=True)


def _count(tokens, name: str) -> Counter:
    if isinstance(tokens, str):
        raise TypeError(f"{name}: expected token lists (or one list of tokens), got a str; "
                        f"tokenize first, e.g. Tokenizer().pipe(texts)")
    if isinstance(tokens, pd.Series):
        tokens = tokens.tolist()
    counts: Counter = Counter()
    for item in tokens:
        if isinstance(item, str):
            counts[item] += 1
        elif isinstance(item, Iterable):
            counts.update(str(t) for t in item)
        else:
            raise TypeError(f"{name}: expected tokens (str) or token lists, got "
                            f"{type(item).__name__}")
    return counts


def _g2(a: np.ndarray, b: np.ndarray, na: int, nb: int) -> np.ndarray:
    """Dunning's G² on the 2×2 table (term / other tokens × group a / group b)."""
    obs = np.stack([a, b, na - a, nb - b])
    n = na + nb
    rows = np.stack([a + b, a + b, n - a - b, n - a - b])
    cols = np.array([na, nb, na, nb], dtype=float)[:, None]
    exp = rows * cols / n
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(obs > 0, obs * np.log(obs / exp), 0.0)
    return np.maximum(2 * terms.sum(axis=0), 0.0)


def keyness(tokens_a, tokens_b, min_count: int = 5, *, names: tuple[str, str] = ("a", "b"),
            smoothing: float = 0.5) -> pd.DataFrame:
    """Terms over-used in one group against the other (log-likelihood keyness).

    Parameters
    ----------
    tokens_a, tokens_b : iterable of token lists, or one list of tokens
        The two groups, e.g. ``Tokenizer().pipe(units_2021["text"])``.
    min_count : int
        Keep terms seen at least this often in both groups together.
    names : (str, str)
        Names of the two groups, used in the ``overused_in`` column.
    smoothing : float
        Added to zero counts for the log ratio only.

    Returns
    -------
    DataFrame
        One row per term, sorted by ``g2``: ``term``, ``count_a``, ``count_b``,
        ``per_10k_a``, ``per_10k_b``, ``g2`` (Dunning's log-likelihood G² of
        the 2×2 table term/other tokens × a/b, 1 df), ``log_ratio`` (log2 of the relative-frequency ratio a/b,
        Hardie's effect size), ``p_value``, ``p_bh`` (Benjamini–Hochberg) and
        ``p_bonferroni`` adjusted for the ``n_tests`` terms tested, and
        ``overused_in``.  Many terms are tested at once: read ``p_bh`` or
        ``p_bonferroni``, not ``p_value``, and treat the terms as an
        exploratory list; tokens within one report are not independent, so
        even adjusted p-values are optimistic.

    Examples
    --------
    >>> k = keyness([["普法", "宣传"]] * 5, [["一网通办"]] * 5, min_count=1, names=("2021", "2024"))
    >>> k.iloc[0][["term", "overused_in"]].tolist()
    ['一网通办', '2024']
    """
    if not isinstance(min_count, (int, np.integer)) or min_count < 1:
        raise ValueError(f"min_count: expected an integer >= 1, got {min_count!r}")
    ca, cb = _count(tokens_a, "tokens_a"), _count(tokens_b, "tokens_b")
    na, nb = sum(ca.values()), sum(cb.values())
    if na == 0 or nb == 0:
        raise ValueError(f"keyness: both groups need tokens (got {na} and {nb})")
    terms = sorted(t for t in set(ca) | set(cb) if ca[t] + cb[t] >= min_count)
    cols = ["term", "count_a", "count_b", "per_10k_a", "per_10k_b", "g2", "log_ratio",
            "p_value", "p_bh", "p_bonferroni", "overused_in"]
    if not terms:
        return pd.DataFrame(columns=cols)
    a = np.array([ca[t] for t in terms], dtype=float)
    b = np.array([cb[t] for t in terms], dtype=float)
    g2 = _g2(a, b, na, nb)
    lr = np.log2(((np.where(a > 0, a, smoothing)) / na) / ((np.where(b > 0, b, smoothing)) / nb))
    p = stats.chi2.sf(g2, df=1)
    n = len(terms)
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    bh = np.empty(n)
    bh[order] = np.minimum(1, np.minimum.accumulate(ranked[::-1])[::-1])
    out = pd.DataFrame({
        "term": terms, "count_a": a.astype(int), "count_b": b.astype(int),
        "per_10k_a": a / na * 1e4, "per_10k_b": b / nb * 1e4, "g2": g2, "log_ratio": lr,
        "p_value": p, "p_bh": bh, "p_bonferroni": np.minimum(1, p * n),
        "overused_in": np.where(a / na >= b / nb, names[0], names[1]),
    })
    out = out.sort_values(["g2", "term"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs.update(n_tests=n, tokens_a=na, tokens_b=nb, names=tuple(names))
    return out
