"""Choosing units to label next: at random, or where the model is least sure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from .apply import check_units

__all__ = ["sample_units", "STRATEGIES"]

STRATEGIES = ("uncertain", "random")


def _allocate(sizes: pd.Series, n: int, allocation: str) -> pd.Series:
    """Units to draw per stratum: proportional (largest remainders) or equal, at least one
    per stratum while ``n`` allows, never more than a stratum holds."""
    k = len(sizes)
    if allocation == "equal":
        want = pd.Series(n / k, index=sizes.index)
    else:
        want = sizes / sizes.sum() * n
    take = np.minimum(np.floor(want).astype(int), sizes)
    if n >= k:
        take = np.maximum(take, np.minimum(1, sizes))
    left = n - int(take.sum())
    order = (want - np.floor(want)).sort_values(ascending=False, kind="stable").index
    while left > 0 and (take < sizes).any():
        for key in order:
            if left == 0:
                break
            if take[key] < sizes[key]:
                take[key] += 1
                left -= 1
    while left < 0:  # the minimum of one per stratum went over n: trim the largest
        key = (take - 1).idxmax()
        take[key] -= 1
        left += 1
    return take


def sample_units(units: pd.DataFrame, model=None, *, n: int = 50, strategy: str = "uncertain",
                 random_state=0, text_column: str = "text", strata: str | None = None,
                 allocation: str = "proportional") -> pd.DataFrame:
    """Pick units to label next, with an empty ``labels`` column ready to fill in.

    Parameters
    ----------
    units : DataFrame
        A units table (``text`` plus any id columns).
    model : classifier, optional
        Needed for ``strategy="uncertain"``.  When given, its current labels
        are written in ``model_labels`` (themes joined by ``;``).
    n : int
        How many units (all of them when fewer).
    strategy : {"uncertain", "random"}
        ``uncertain``: the units whose probability is closest to a theme's
        decision threshold (ties broken at random), for retraining: such a
        sample is not representative and cannot measure or correct the
        model's error rates.  ``random``: a simple random sample (or a
        stratified one with ``strata``), the validation sample that
        :func:`nlp.compare.misclassification_rates` and ``fazhi report
        --validation`` need.
    random_state : int
    strata : str, optional
        For ``random``: a column (e.g. ``"agency_type"``) to stratify by;
        missing values form their own stratum.
    allocation : {"proportional", "equal"}
        Units per stratum: proportional to its size (at least one each), or
        the same number in each (rare agency types get more than their share,
        which their ``weight`` then undoes).

    Returns
    -------
    DataFrame
        Id columns that exist (``report_id, unit_id, section, subsection,
        role``), the ``strata`` column, ``text``, empty ``labels`` and ``note``
        columns, ``model_labels`` when a model is given, for ``uncertain`` the
        ``margin`` (distance of the nearest theme probability to its threshold:
        0 = undecided), and for ``random`` the ``weight`` (inverse inclusion
        probability: units of the stratum / units drawn from it).

    Examples
    --------
    >>> u = pd.DataFrame({"unit_id": list("abcdef"), "text": ["开展普法"] * 6,
    ...                   "agency_type": ["公安"] * 4 + ["教育"] * 2})
    >>> s = sample_units(u, n=2, strategy="random", strata="agency_type", allocation="equal")
    >>> s.groupby("agency_type")["weight"].first().to_dict()
    {'公安': 4.0, '教育': 2.0}
    """
    units = check_units(units, text_column)
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if allocation not in ("proportional", "equal"):
        raise ValueError(f"allocation must be 'proportional' or 'equal', got {allocation!r}")
    if strata is not None:
        if strategy != "random":
            raise InputError("strata: only a random sample is stratified "
                             "(--strategy random)")
        if strata not in units.columns:
            raise InputError(f"strata: column {strata!r} not in the units (have "
                             f"{list(units.columns)})")
    rng = np.random.default_rng(random_state)
    keep = [c for c in ("report_id", "unit_id", "section", "subsection", "role", strata)
            if c is not None and c in units.columns]
    base = units[list(dict.fromkeys(keep))].copy()
    base["text"] = units[text_column].astype(str).to_numpy()
    order_key = rng.random(len(base))
    proba = None
    if model is not None and len(base):
        proba = model.predict_proba(base["text"].tolist()).to_numpy()
        pred = model.decide(proba)
        themes = model.theme_names()
        base["model_labels"] = [";".join(t for t, v in zip(themes, row) if v) for row in pred]
    if strategy == "uncertain":
        if model is None:
            raise ValueError("strategy='uncertain' needs a model")
        margin = np.abs(proba - model.decision_thresholds()).min(axis=1)
        base["margin"] = margin.round(4)
        order = np.lexsort((order_key, margin))[:n]
    elif strata is None:
        order = np.argsort(order_key, kind="stable")[:n]
        base["weight"] = len(base) / min(n, len(base)) if len(base) else np.nan
    else:
        key = base[strata].astype(object).where(base[strata].notna(), "\x00missing")
        sizes = key.value_counts(sort=False)
        take = _allocate(sizes, min(n, len(base)), allocation)
        base["weight"] = key.map(sizes / take.where(take > 0)).to_numpy(dtype=float)
        picked = []
        for value, k in take.items():
            idx = np.flatnonzero((key == value).to_numpy())
            picked.append(idx[np.argsort(order_key[idx], kind="stable")[:k]])
        order = np.concatenate(picked) if picked else np.array([], dtype=int)
        order = order[np.argsort(order_key[order], kind="stable")]
    out = base.iloc[order].copy()
    out["labels"] = ""
    out["note"] = ""
    return out.reset_index(drop=True)
