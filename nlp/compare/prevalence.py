"""Topic prevalence per group: mean document–topic share with bootstrap intervals.

Takes the document–topic table (from :meth:`nlp.TopicModel.transform`) and the
units' metadata, not a model.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..errors import InputError
from .bootstrap import bootstrap_means

__all__ = ["prevalence"]

log = logging.getLogger(__name__)


def prevalence(doc_topic, meta: pd.DataFrame, by=("agency", "year"), *, labels=None,
               n_boot: int = 1000, ci: float = 0.95, random_state=0) -> pd.DataFrame:
    """Mean topic share per group, with percentile bootstrap intervals over documents.

    Parameters
    ----------
    doc_topic : ndarray (n_docs, n_topics) or DataFrame
        From :meth:`TopicModel.transform`; a DataFrame's columns are the labels.
    meta : DataFrame
        One row per document, in the same order, with the ``by`` columns.
    by : str or list of str
        Grouping columns, e.g. ``["agency", "year"]``.
    labels : list of str, optional
        A label per topic (e.g. ``model.labels_``).
    n_boot : int, default 1000
        Bootstrap resamples of the documents of each group.
    ci : float, default 0.95
    random_state : int, numpy Generator or None

    Returns
    -------
    DataFrame
        Tidy: ``<by columns>..., topic, label, share, ci_low, ci_high, n_docs``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> dt = np.array([[0.9, 0.1], [0.7, 0.3], [0.2, 0.8]])
    >>> meta = pd.DataFrame({"agency": ["宝山区教育局", "宝山区教育局", "铁山区教育局"]})
    >>> t = prevalence(dt, meta, by="agency", n_boot=200)
    >>> t[["agency", "topic", "share", "n_docs"]].head(2).to_dict("records")
    [{'agency': '宝山区教育局', 'topic': 0, 'share': 0.8, 'n_docs': 2}, {'agency': '宝山区教育局', 'topic': 1, 'share': 0.2, 'n_docs': 2}]
    """
    if isinstance(doc_topic, pd.DataFrame):
        labels = [str(c) for c in doc_topic.columns] if labels is None else labels
        x = doc_topic.to_numpy(dtype=float)
    else:
        x = np.asarray(doc_topic, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"doc_topic must be a 2-d array (documents × topics), got shape "
                         f"{x.shape}")
    n, k = x.shape
    labels = [f"topic {i}" for i in range(k)] if labels is None else [str(s) for s in labels]
    if len(labels) != k:
        raise ValueError(f"labels must have one label per topic ({k}), got {len(labels)}")
    by = [by] if isinstance(by, str) else list(by)
    if not isinstance(meta, pd.DataFrame):
        raise TypeError(f"meta must be a DataFrame, got {type(meta).__name__}")
    missing = [c for c in by if c not in meta.columns]
    if missing:
        raise InputError(f"meta has no column {missing[0]!r} to group by; it has "
                         f"{list(meta.columns)}")
    if len(meta) != n:
        raise ValueError(f"meta must have one row per document ({n}), got {len(meta)}")
    if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 1):
        raise ValueError(f"n_boot must be a whole number >= 1, got {n_boot!r}")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), got {ci!r}")
    rng = np.random.default_rng(random_state)
    lo, hi = (1 - ci) / 2 * 100, (1 + ci) / 2 * 100
    keys = meta[by].reset_index(drop=True)
    rows = []
    for key, idx in keys.groupby(by, sort=True, dropna=True).indices.items():
        key = key if isinstance(key, tuple) else (key,)
        sub = x[idx]
        m = len(idx)
        boots = bootstrap_means(sub, np.ones(m), int(n_boot), rng)
        share = sub.mean(axis=0)
        low, high = np.percentile(boots, [lo, hi], axis=0)
        for t in range(k):
            rows.append({**dict(zip(by, key)), "topic": t, "label": labels[t],
                         "share": share[t], "ci_low": low[t], "ci_high": high[t],
                         "n_docs": m})
    dropped = n - sum(r["n_docs"] for r in rows[::k]) if rows else n
    if dropped:
        log.warning("prevalence: %d documents with a missing %s value were left out",
                    dropped, "/".join(by))
    return pd.DataFrame(rows, columns=[*by, "topic", "label", "share", "ci_low", "ci_high",
                                       "n_docs"])
