"""Classifier error: error rates from a validation sample, and shares corrected for them.

A share of *predicted* labels is biased: with true share π, a classifier with
true-positive rate TPR and false-positive rate FPR gives on average
E[ŝ] = FPR + (TPR − FPR)·π, so rare themes are inflated, common ones deflated
and differences between groups shrink by TPR − FPR.  Inverting this
(*adjusted classify and count*) gives θ̂ = (ŝ − FPR)/(TPR − FPR), clipped to
[0, 1].

The rates must come from a **random** sample of the corpus labelled by hand
(``fazhi sample --strategy random``): units picked because the model was
unsure are not representative and cannot correct anything.  With a stratified
sample give the inclusion weights (``weight`` column) so that the rates are
those of the corpus.

Examples
--------
>>> truth = ["普法宣传", "普法宣传", "", "", "放管服", ""]
>>> pred = ["普法宣传", "", "", "普法宣传", "放管服", ""]
>>> r = misclassification_rates(truth, pred, n_boot=0).set_index("theme")
>>> float(r.loc["普法宣传", "tpr"]), float(r.loc["普法宣传", "fpr"])
(0.5, 0.25)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..codebook import OTHER, split_labels, table_themes
from ..errors import InputError
from .bootstrap import Draws

__all__ = ["misclassification_rates", "rate_differences", "corrected_draws", "RateDraws",
           "MIN_DENOMINATOR"]

log = logging.getLogger(__name__)

#: below this TPR − FPR a theme's share cannot be corrected (the classifier tells
#: its units too little apart from the others)
MIN_DENOMINATOR = 0.05


class RateDraws:
    """Bootstrap draws of per-theme TPR and FPR, kept in ``.attrs["bootstrap"]``.

    ``tpr`` and ``fpr`` are (n_boot, n_themes) arrays over :attr:`columns`;
    ``n_clusters`` is the number of validation clusters (reports, or units)
    resampled.  Copying a table shares the object.
    """

    def __init__(self, columns, tpr, fpr, n_clusters: int):
        self.columns = list(columns)
        self.tpr = np.asarray(tpr, dtype=float)
        self.fpr = np.asarray(fpr, dtype=float)
        self.n_clusters = int(n_clusters)

    def __deepcopy__(self, memo):
        return self

    def __repr__(self) -> str:
        return f"RateDraws(themes={len(self.columns)}, n_boot={len(self.tpr)})"


def _cells(labels):
    return labels["labels"] if isinstance(labels, pd.DataFrame) and "labels" in labels else labels


def _themes_of(themes, *label_lists) -> tuple[str, ...]:
    """The given themes, else those the label cells name (see ``table_themes``)."""
    if themes is not None:
        return tuple(themes)
    cells = [";".join(split_labels(v)) for labels in label_lists
             if hasattr(_cells(labels), "__len__") and not isinstance(labels, str)
             for v in _cells(labels)]
    return table_themes(pd.DataFrame({"labels": cells}))


def _matrix(labels, themes, name: str) -> np.ndarray:
    if isinstance(labels, pd.DataFrame):
        if "labels" not in labels.columns:
            raise InputError(f"{name}: a DataFrame needs a 'labels' column")
        labels = labels["labels"]
    if isinstance(labels, str) or not hasattr(labels, "__len__"):
        raise InputError(f"{name}: expected one label cell per unit (a list or Series)")
    sets = [set(split_labels(v)) for v in labels]
    unknown = sorted(set().union(*sets) - set(themes)) if sets else []
    if unknown:
        raise InputError(f"{name}: labels not among the themes {list(themes)}: {unknown}")
    mat = np.array([[t in s for t in themes] for s in sets], dtype=float).reshape(len(sets),
                                                                                 len(themes))
    return np.column_stack([mat, ~mat.any(axis=1)]).astype(float)


def _counts(t: np.ndarray, p: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted (TP, positives, FP, negatives) per column, stacked as (4, k)."""
    wc = w[:, None]
    return np.stack([(wc * t * p).sum(0), (wc * t).sum(0), (wc * (1 - t) * p).sum(0),
                     (wc * (1 - t)).sum(0)])


def misclassification_rates(true_labels, predicted_labels, *, groups=None, weights=None,
                            themes: Sequence[str] | None = None, n_boot: int = 2000,
                            ci: float = 0.95, random_state=None,
                            source: str = "") -> pd.DataFrame:
    """Per-theme true- and false-positive rates of a classifier on a validation sample.

    Parameters
    ----------
    true_labels, predicted_labels : sequence of label cells, or DataFrames with ``labels``
        Hand labels and the model's labels of the same units, in the same order
        (``;``-joined strings or tuples; empty = 其他).
    groups : sequence, optional
        The report (or other cluster) of each unit: the bootstrap then resamples
        whole reports, as units of one report share their errors.
    weights : sequence of float, optional
        Inverse inclusion probabilities of a stratified sample (the ``weight``
        column of ``fazhi sample --strata``); rates are then weighted.
    themes : sequence of str, optional
        Default: the themes the labels name (the four default themes when they
        all belong to them); ``其他`` (no theme) is added.
    n_boot : int
        Bootstrap replicates, kept for :func:`nlp.compare.theme_shares`.
    ci : float
        Coverage of the rates' percentile intervals.
    random_state : int, numpy Generator or None
    source : str
        Where the sample comes from, kept in the ``source`` column (e.g. the file name).

    Returns
    -------
    DataFrame
        One row per theme: ``theme``, ``tpr``, ``tpr_low``, ``tpr_high``,
        ``fpr``, ``fpr_low``, ``fpr_high``, ``n_positive`` and ``n_negative``
        (hand-labelled units with and without the theme), ``n_validation``,
        ``n_groups``, ``source``.  The replicates are in
        ``.attrs["bootstrap"]`` (:class:`RateDraws`).

    Examples
    --------
    >>> r = misclassification_rates(["普法宣传", ""], ["普法宣传", ""], n_boot=0,
    ...                             themes=["普法宣传"])
    >>> r.loc[0, ["theme", "tpr", "fpr"]].astype(str).tolist()
    ['普法宣传', '1.0', '0.0']
    """
    themes = _themes_of(themes, true_labels, predicted_labels)
    t = _matrix(true_labels, themes, "true_labels")
    p = _matrix(predicted_labels, themes, "predicted_labels")
    n = len(t)
    if len(p) != n:
        raise InputError(f"predicted_labels: {len(p)} units, but true_labels has {n}")
    if n == 0:
        raise InputError("true_labels: the validation sample is empty")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"n_boot: expected an integer >= 0, got {n_boot!r}")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if len(w) != n or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise InputError("weights: expected one positive weight per unit")
    if groups is None:
        cl = np.arange(n)
    else:
        groups = pd.Series(list(groups)).astype(str).to_numpy()
        if len(groups) != n:
            raise InputError(f"groups: {len(groups)} values for {n} units")
        _, cl = np.unique(groups, return_inverse=True)
    n_cl = int(cl.max()) + 1
    tot = _counts(t, p, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr, fpr = tot[0] / tot[1], tot[2] / tot[3]
    names = [*themes, OTHER]
    rng = np.random.default_rng(random_state)
    tpr_b = np.empty((0, len(names)))
    fpr_b = np.empty((0, len(names)))
    if n_boot:
        per = np.zeros((n_cl, 4, len(names)))
        for c in range(n_cl):
            sel = cl == c
            per[c] = _counts(t[sel], p[sel], w[sel])
        counts = rng.multinomial(n_cl, np.full(n_cl, 1.0 / n_cl), size=int(n_boot)).astype(float)
        draw = np.einsum("bc,cqk->bqk", counts, per)
        with np.errstate(invalid="ignore", divide="ignore"):
            tpr_b, fpr_b = draw[:, 0] / draw[:, 1], draw[:, 2] / draw[:, 3]
    alpha = (1 - ci) / 2

    def q(a, j, lvl):
        x = a[:, j][np.isfinite(a[:, j])]
        return float(np.quantile(x, lvl)) if len(x) >= 2 else np.nan

    rows = []
    for j, theme in enumerate(names):
        rows.append({"theme": theme, "tpr": tpr[j], "tpr_low": q(tpr_b, j, alpha),
                     "tpr_high": q(tpr_b, j, 1 - alpha), "fpr": fpr[j],
                     "fpr_low": q(fpr_b, j, alpha), "fpr_high": q(fpr_b, j, 1 - alpha),
                     "n_positive": int(t[:, j].sum()), "n_negative": int((1 - t[:, j]).sum()),
                     "n_validation": n, "n_groups": n_cl, "source": source})
    out = pd.DataFrame(rows)
    few = out.loc[(out["n_positive"] < 10) & (out["theme"] != OTHER), "theme"].tolist()
    if few:
        log.warning("fewer than 10 hand-labelled positives for %s: their TPR, and so their "
                    "corrected shares, are very uncertain", ", ".join(few))
    out.attrs["bootstrap"] = RateDraws(names, tpr_b, fpr_b, n_cl if groups is not None else n)
    return out


def corrected_draws(draws: Draws, rates: pd.DataFrame, rng: np.random.Generator) -> Draws:
    """Draws of shares corrected for classifier error (adjusted classify and count).

    Each replicate ``b`` combines the corpus replicate ``b`` with one draw of the
    validation sample, the same draw for every group, so that differences
    between groups carry the shared correction once.
    """
    if not isinstance(rates, pd.DataFrame) or not {"theme", "tpr", "fpr"} <= set(rates.columns):
        raise InputError("validation: expected the output of misclassification_rates()")
    rd = rates.attrs.get("bootstrap")
    if draws.n_boot and (not isinstance(rd, RateDraws) or len(rd.tpr) == 0):
        raise InputError("validation: the rates have no bootstrap replicates (read back from a "
                         "file, or n_boot=0); compute them with misclassification_rates()")
    by_theme = rates.set_index("theme")
    missing = [c for c in draws.columns if c not in by_theme.index]
    if missing:
        raise InputError(f"validation: no error rates for {missing}")
    tpr = by_theme.loc[draws.columns, "tpr"].to_numpy(dtype=float)
    fpr = by_theme.loc[draws.columns, "fpr"].to_numpy(dtype=float)
    den = tpr - fpr
    bad = [c for c, d in zip(draws.columns, den) if not d >= MIN_DENOMINATOR]
    if bad:
        log.warning("cannot correct %s: TPR − FPR below %.2f on the validation sample; their "
                    "corrected shares are NaN", ", ".join(bad), MIN_DENOMINATOR)
    ok = den >= MIN_DENOMINATOR
    den = np.where(ok, den, np.nan)

    def correct(s, f, d):
        with np.errstate(invalid="ignore", divide="ignore"):
            return (s - f) / d

    point = np.clip(correct(draws.point, fpr, den), 0, 1)
    b = draws.n_boot
    if b == 0:
        return Draws(draws.keys, draws.columns, point, draws.corpus, draws.clusters,
                     joint_draw=draws.joint_draw, resampled=draws.resampled,
                     method=draws.method, n_validation_clusters=rd.n_clusters if rd else 0)
    pos = [rd.columns.index(c) for c in draws.columns]
    pick = np.arange(b) if len(rd.tpr) == b else rng.choice(len(rd.tpr), size=b)
    tb, fb = rd.tpr[pick][:, pos], rd.fpr[pick][:, pos]
    db = tb - fb
    db = np.where(db >= MIN_DENOMINATOR / 2, db, np.nan)
    raw = draws.corpus
    corpus = correct(raw, fpr, den)
    validation = correct(draws.point[None], fb[:, None, :], db[:, None, :])
    joint = np.clip(correct(raw, fb[:, None, :], db[:, None, :]), 0, 1)
    return Draws(draws.keys, draws.columns, point, corpus, draws.clusters,
                 joint_draw=draws.joint_draw, resampled=draws.resampled, method=draws.method,
                 validation=validation, joint=joint, n_validation_clusters=rd.n_clusters)


def rate_differences(true_labels, predicted_labels, by, *, themes: Sequence[str] | None = None,
                     alpha: float = 0.05) -> pd.DataFrame:
    """Do the error rates differ between groups of the validation sample?

    One correction for the whole corpus assumes one TPR and one FPR.  For each
    theme and rate, a χ² test of homogeneity across the groups in ``by`` (say
    agency types or years), Benjamini–Hochberg adjusted over all tests; a
    warning names the themes whose rates differ at ``alpha``.  Units of one
    report are treated as independent here, so the test is optimistic.

    Returns
    -------
    DataFrame
        One row per theme, rate (``tpr``/``fpr``) and group: ``value``, ``n``
        (units the rate is computed on), ``p_value`` and ``p_bh`` of the
        theme's test.

    Examples
    --------
    >>> truth = ["普法宣传"] * 20 + [""] * 20
    >>> pred = ["普法宣传"] * 10 + [""] * 10 + [""] * 20
    >>> d = rate_differences(truth, pred, ["甲"] * 10 + ["乙"] * 10 + ["甲"] * 10 + ["乙"] * 10)
    >>> d.query("theme == '普法宣传' and rate == 'tpr'")[["group", "value"]].values.tolist()
    [['乙', 0.0], ['甲', 1.0]]
    """
    themes = _themes_of(themes, true_labels, predicted_labels)
    t = _matrix(true_labels, themes, "true_labels")
    p = _matrix(predicted_labels, themes, "predicted_labels")
    g = pd.Series(list(by), dtype=object)
    if len(g) != len(t):
        raise InputError(f"by: {len(g)} values for {len(t)} units")
    keep = g.notna().to_numpy()
    names = [*themes, OTHER]
    rows, tests = [], []
    levels = sorted(g[keep].unique(), key=str)
    for j, theme in enumerate(names):
        for rate, cond in (("tpr", t[:, j] == 1), ("fpr", t[:, j] == 0)):
            table = []
            for lvl in levels:
                sel = keep & cond & (g == lvl).to_numpy()
                n = int(sel.sum())
                hits = int(p[sel, j].sum())
                table.append((hits, n - hits))
                rows.append({"theme": theme, "rate": rate, "group": lvl,
                             "value": hits / n if n else np.nan, "n": n})
            tab = np.array([r for r in table if sum(r) > 0])
            if len(tab) >= 2 and (tab.sum(axis=0) > 0).all():
                pval = float(stats.chi2_contingency(tab, correction=False)[1])
            else:
                pval = np.nan
            tests.append((theme, rate, pval))
    out = pd.DataFrame(rows)
    test = pd.DataFrame(tests, columns=["theme", "rate", "p_value"])
    ok = test["p_value"].notna()
    test["p_bh"] = np.nan
    if ok.any():
        test.loc[ok, "p_bh"] = stats.false_discovery_control(test.loc[ok, "p_value"],
                                                             method="bh")
    out = out.merge(test, on=["theme", "rate"], how="left")
    differ = test[test["p_bh"] < alpha]
    if len(differ):
        log.warning("classifier error rates differ between groups of the validation sample "
                    "(BH-adjusted p < %.2f) for %s: one correction for all groups may be "
                    "wrong; correct each group with its own rates or label more", alpha,
                    ", ".join(f"{r.theme} {r.rate.upper()}" for r in differ.itertuples()))
    return out
