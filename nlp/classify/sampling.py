"""Choosing units to label next: at random, or where the model is least sure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .apply import check_units

__all__ = ["sample_units", "STRATEGIES"]

STRATEGIES = ("uncertain", "random")


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
    units = check_units(units, text_column)
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
        margin = np.abs(proba - model.decision_thresholds()).min(axis=1)
        base["margin"] = margin.round(4)
        order = np.lexsort((order_key, margin))
    else:
        order = np.argsort(order_key, kind="stable")
    out = base.iloc[order[:n]].copy()
    out["labels"] = ""
    out["note"] = ""
    return out.reset_index(drop=True)
