"""Topic prevalence per group: mean document–topic share with bootstrap intervals.

The intervals follow the same rules as theme shares (:mod:`nlp.compare.shares`):
documents of one report are resampled together when ``meta`` has
``report_id`` and the groups are not reports, with a t interval.

Takes the document–topic table (from :meth:`nlp.TopicModel.transform`) and the
units' metadata, not a model.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..errors import InputError
from .bootstrap import METHODS, Draws, grouped_draws
from .shares import group_codes, resampling

__all__ = ["prevalence"]

log = logging.getLogger(__name__)


def prevalence(doc_topic, meta: pd.DataFrame, by=("agency", "year"), *, labels=None,
               n_boot: int = 1000, ci: float = 0.95, random_state=0, cluster="auto",
               paired=None, method: str = "auto") -> pd.DataFrame:
    """Mean topic share per group, with bootstrap intervals.

    Parameters
    ----------
    doc_topic : ndarray (n_docs, n_topics) or DataFrame
        From :meth:`TopicModel.transform`; a DataFrame's columns are the labels.
    meta : DataFrame
        One row per document, in the same order, with the ``by`` columns.
    by : str or list of str
        Grouping columns, e.g. ``["agency", "year"]``.  Documents with a
        missing value form their own group (the key is ``None``), as in
        :func:`theme_shares`.
    labels : list of str, optional
        A label per topic (e.g. ``model.labels_``).
    n_boot : int, default 1000
        Bootstrap replicates.
    ci : float, default 0.95
    random_state : int, numpy Generator or None
    cluster, paired, method
        As in :func:`theme_shares`: with a ``report_id`` column in ``meta`` the
        documents (units) of one report are resampled together, and a group
        with a single report gets no interval.

    Returns
    -------
    DataFrame
        Tidy: ``<by columns>..., topic, label, share, ci_low, ci_high, n_docs``,
        and when ``meta`` has ``report_id``: ``n_reports``, ``resampled``
        (what the bootstrap drew) and ``interval`` (``"t"``, ``"percentile"``
        or ``"none"``).

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
    if isinstance(n_boot, bool) or not (isinstance(n_boot, (int, np.integer)) and n_boot >= 1):
        raise ValueError(f"n_boot must be a whole number >= 1, got {n_boot!r}")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be in (0, 1), got {ci!r}")
    if method != "auto" and method not in METHODS:
        raise ValueError(f"method: expected 'auto' or one of {METHODS}, got {method!r}")
    meta = meta.reset_index(drop=True)
    rng = np.random.default_rng(random_state)
    ids, resampled, joint = resampling(meta, by, cluster, paired)
    method = method if method != "auto" else ("percentile" if resampled == "units" else "t")
    codes, keys = group_codes(meta, by)
    point, reps, members = grouped_draws(x, np.ones(n), codes, len(keys), ids, int(n_boot),
                                         rng, joint=joint)
    draws = Draws(keys, labels, point, reps, members, joint_draw=joint, resampled=resampled,
                  method=method)
    n_docs = np.bincount(codes, minlength=len(keys))
    n_reports = (meta.groupby(codes)["report_id"].nunique().reindex(range(len(keys)))
                 .to_numpy() if "report_id" in meta.columns else np.full(len(keys), np.nan))
    single = [key for g, key in enumerate(keys) if draws.n_clusters(g) < 2]
    if single and resampled != "units":
        log.info("prevalence: no interval for %d group(s) with a single %s", len(single),
                 resampled)
    rows = []
    for g, key in enumerate(keys):
        lo, hi, _, _ = draws.intervals(g, ci)
        how = method if np.isfinite(lo).any() else "none"
        for t in range(k):
            rows.append({**dict(zip(by, key)), "topic": t, "label": labels[t],
                         "share": point[g, t], "ci_low": lo[t], "ci_high": hi[t],
                         "n_docs": int(n_docs[g]), "n_reports": n_reports[g],
                         "resampled": resampled, "interval": how})
    cols = [*by, "topic", "label", "share", "ci_low", "ci_high", "n_docs"]
    if "report_id" in meta.columns:
        cols += ["n_reports", "resampled", "interval"]
    out = pd.DataFrame(rows, columns=cols)
    if "n_reports" in out.columns:
        out["n_reports"] = out["n_reports"].astype("Int64")
    return out
