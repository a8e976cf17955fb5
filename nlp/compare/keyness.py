"""Keyness: terms over-used in one group of units against another (Dunning's G²)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["keyness"]


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
    bh = stats.false_discovery_control(p, method="bh")
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
