"""The codebook's sets: the themes, the empty label set, report roles, and label sets.

Everything that names a theme or a role takes it from here.  A label set is a
tuple of themes in codebook order; the empty tuple is 其他 (no theme).

Examples
--------
>>> parse_labels("放管服;普法宣传")
('普法宣传', '放管服')
>>> parse_labels("")
()
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["THEMES", "OTHER", "OTHER_NAMES", "ROLES", "parse_labels", "join_labels", "label_matrix",
           "normalize_label_list", "rows_to_labels", "split_labels"]

#: The four themes, in the codebook's order.  A unit with none of them is 其他.
THEMES: tuple[str, ...] = ("普法宣传", "校园安全", "行政执法", "放管服")
#: The name of the empty label set.
OTHER = "其他"

#: The parts of a report a unit can sit in (:func:`nlp.segment` sets ``role``), in reading order.
ROLES: tuple[str, ...] = ("preamble", "measures", "problems", "leadership", "plans", "other")

_SEPARATORS = (";", "；", "|", "、", "，", ",")
#: cells that say "no theme" (an empty cell says "not labelled yet" in a labels file)
OTHER_NAMES = frozenset({OTHER, "其它", "无", "none", "None", "NONE", "other", "Other"})


def _suggest(name: str) -> str:
    """A hint naming the theme nearest to an unknown label."""
    hits = [t for t in THEMES if name and (name in t or t in name)]
    if not hits:
        hits = difflib.get_close_matches(name, THEMES, n=1, cutoff=0.3)
    return f" (did you mean {hits[0]!r}?)" if hits else ""


def _unknown(name: str) -> str:
    return (f"unknown theme {name!r}{_suggest(name)}; themes are {', '.join(THEMES)} "
            f"(empty or {OTHER!r} for none)")


def parse_labels(value) -> tuple[str, ...]:
    """Turn one cell (``"普法宣传;放管服"``, a list, ``"其他"``/``"none"``/``""``) into a theme tuple.

    Themes may be joined by ``;``, ``；``, ``|``, ``、``, ``，`` or ``,``.  The tuple
    follows the order of :data:`THEMES`; duplicates are dropped.

    Raises
    ------
    ValueError
        For a name that is not a theme; the message suggests the nearest one.

    Examples
    --------
    >>> parse_labels(["行政执法", "普法宣传"])
    ('普法宣传', '行政执法')
    >>> parse_labels("其他"), parse_labels("none"), parse_labels("普法宣传，放管服")
    ((), (), ('普法宣传', '放管服'))
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ()
    if isinstance(value, str):
        text = value
        for sep in _SEPARATORS[1:]:
            text = text.replace(sep, ";")
        names = [p.strip() for p in text.split(";")]
    elif isinstance(value, Iterable):
        names = []
        for item in value:
            if not isinstance(item, str):
                raise ValueError(f"a theme name must be a str, got {type(item).__name__}")
            names.append(item.strip())
    else:
        raise ValueError(f"labels must be a str or a collection of str, got "
                         f"{type(value).__name__}")
    found = set()
    for name in names:
        if not name or name in OTHER_NAMES:
            continue
        if name not in THEMES:
            raise ValueError(_unknown(name))
        found.add(name)
    return tuple(t for t in THEMES if t in found)


def join_labels(labels: Iterable[str]) -> str:
    """``("普法宣传", "放管服") -> "普法宣传;放管服"``; the empty set gives ``""``."""
    return ";".join(parse_labels(list(labels)))


def normalize_label_list(labels, n: int | None = None, *, name: str = "labels"
                         ) -> list[tuple[str, ...]]:
    """Validate a per-text list of label collections and return theme tuples.

    Each element may be a collection of theme names or a ``;``-joined string.
    A bare ``str`` in place of the whole list raises ``TypeError``.
    """
    if isinstance(labels, (str, bytes)):
        raise TypeError(f"{name} must be a list with one label collection per text, "
                        "not a single str")
    if isinstance(labels, pd.DataFrame):
        raise TypeError(f"{name} must be a list of label collections, not a DataFrame; "
                        "pass df['labels']")
    if not hasattr(labels, "__len__"):
        raise TypeError(f"{name} must be a list or Series (a one-shot iterator cannot be "
                        f"read twice), got {type(labels).__name__}")
    out = []
    for i, value in enumerate(labels):
        try:
            out.append(parse_labels(value))
        except ValueError as exc:
            raise ValueError(f"{name}[{i}]: {exc}") from None
    if n is not None and len(out) != n:
        raise ValueError(f"{name} has {len(out)} entries but there are {n} texts")
    return out


def label_matrix(labels: Iterable[Iterable[str]]) -> np.ndarray:
    """0/1 matrix, one row per text and one column per theme (order of :data:`THEMES`)."""
    rows = [parse_labels(v) for v in labels]
    out = np.zeros((len(rows), len(THEMES)), dtype=np.int8)
    for i, row in enumerate(rows):
        for t in row:
            out[i, THEMES.index(t)] = 1
    return out


def rows_to_labels(matrix) -> list[tuple[str, ...]]:
    """Label sets from a 0/1 matrix with one column per theme (order of :data:`THEMES`).

    Examples
    --------
    >>> rows_to_labels([[1, 0, 0, 1], [0, 0, 0, 0]])
    [('普法宣传', '放管服'), ()]
    """
    return [tuple(t for t, v in zip(THEMES, row) if v) for row in matrix]


def split_labels(value) -> tuple[str, ...]:
    """Names in one labels cell without checking them against the codebook.

    For tables whose theme set may differ from :data:`THEMES` (comparisons
    take any theme set); ``其他`` and empty parts are dropped.

    Examples
    --------
    >>> split_labels("普法宣传;其他;生态环境")
    ('普法宣传', '生态环境')
    """
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(";") if p.strip() and p.strip() != OTHER)
    if isinstance(value, Iterable):
        return tuple(str(v) for v in value if str(v) != OTHER)
    if value is None or pd.isna(value):
        return ()
    raise TypeError(f"labels: expected a tuple of themes or a ';'-joined string, "
                    f"got {type(value).__name__}")
