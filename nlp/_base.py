"""The API the theme classifiers share, and small helpers for label inputs."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import clone

from ._evaluation import check_texts, evaluation_table, grouped_folds
from .labels import THEMES, label_matrix, normalize_label_list

log = logging.getLogger(__name__)


def _rows_to_labels(matrix: np.ndarray) -> list[tuple[str, ...]]:
    return [tuple(t for t, v in zip(THEMES, row) if v) for row in matrix]


def _exemplar_pair(exemplars) -> tuple[list[str], list[tuple[str, ...]]]:
    """Exemplars as (texts, labels): a DataFrame with text/labels, or a (texts, labels) pair."""
    if exemplars is None:
        return [], []
    if isinstance(exemplars, pd.DataFrame):
        if not {"text", "labels"} <= set(exemplars.columns):
            raise ValueError("exemplars must have 'text' and 'labels' columns, got "
                             f"{list(exemplars.columns)}")
        texts, labels = exemplars["text"], exemplars["labels"]
    elif isinstance(exemplars, tuple) and len(exemplars) == 2:
        texts, labels = exemplars
    else:
        raise TypeError("exemplars must be a DataFrame with 'text' and 'labels' columns or a "
                        f"(texts, labels) pair, got {type(exemplars).__name__}")
    texts = check_texts(texts, "exemplar texts")
    return texts, normalize_label_list(labels, len(texts), name="exemplar labels")


def _prepare(texts, labels):
    texts = check_texts(texts)
    labels = normalize_label_list(labels, len(texts))
    if not texts:
        raise ValueError("texts is empty: at least one labelled text is needed")
    return texts, labels


class _ThemeAPI:
    """Methods shared by the two classifiers (they only need ``predict``)."""

    def evaluate(self, texts, labels) -> pd.DataFrame:
        """Per-theme precision, recall, F1, support and confusion counts; micro/macro rows.

        Examples
        --------
        >>> clf.evaluate(["开展宪法宣传周活动"], [("普法宣传",)])   # doctest: +SKIP
        """
        texts, labels = _prepare(texts, labels)
        return evaluation_table(label_matrix(labels), label_matrix(self.predict(texts)))

    def cross_validate(self, texts, labels, groups, *, cv: int = 5, exemplars=None,
                       return_predictions: bool = False):
        """Grouped cross-validation: each group (report) stays in one fold.

        Parameters
        ----------
        texts, labels : real labelled units and their label collections
        groups : sequence
            One group per text, usually ``report_id``; nothing of a group is
            ever in a training fold when it is tested.
        cv : int, default 5
            Folds; with fewer groups, one fold per group (logged).
        exemplars : DataFrame or (texts, labels), optional
            Written training passages, added to every training fold only.
        return_predictions : bool
            Also return the out-of-fold probabilities (with ``fold`` and
            ``group`` columns).

        Returns
        -------
        DataFrame
            :meth:`evaluate`'s table over the pooled out-of-fold predictions,
            with a ``folds`` column.
        """
        texts, labels = _prepare(texts, labels)
        if isinstance(groups, str) or groups is None or len(groups) != len(texts):
            raise ValueError(f"groups must give one group per text ({len(texts)})")
        exemplars = _exemplar_pair(exemplars)
        groups = np.asarray([str(g) for g in groups], dtype=object)
        tokens = self._tokens(texts + exemplars[0])
        ex = (exemplars[0], tokens[len(texts):], exemplars[1])
        tokens = tokens[:len(texts)]
        proba = np.zeros((len(texts), len(THEMES)))
        pred = np.zeros((len(texts), len(THEMES)), dtype=int)
        fold_of = np.zeros(len(texts), dtype=int)
        folds = list(grouped_folds(groups, cv))
        for k, (train, test) in enumerate(folds):
            model = clone(self)
            model._fit_prepared([texts[i] for i in train], [tokens[i] for i in train],
                                [labels[i] for i in train], groups[train], ex)
            test_texts = [texts[i] for i in test]
            p = model._proba_prepared(test_texts, [tokens[i] for i in test])
            proba[test] = p
            pred[test] = model._decide(p)
            fold_of[test] = k
            log.info("fold %d/%d: tested %s (%d units)", k + 1, len(folds),
                     ", ".join(dict.fromkeys(groups[test])), len(test))
        table = evaluation_table(label_matrix(labels), pred)
        table["folds"] = len(folds)
        if return_predictions:
            out = pd.DataFrame(proba, columns=list(THEMES))
            out["fold"], out["group"] = fold_of, groups
            out["predicted"] = [";".join(r) for r in _rows_to_labels(pred)]
            return table, out
        return table

    def _decide(self, proba: np.ndarray) -> np.ndarray:
        return (proba >= self._thresholds()).astype(int)

    def predict(self, texts) -> list[tuple[str, ...]]:
        """The themes of each text, as a tuple in codebook order (empty = 其他).

        Examples
        --------
        >>> clf.predict(["全面推行双随机一公开监管"])       # doctest: +SKIP
        [('行政执法',)]
        """
        proba = self.predict_proba(texts).to_numpy()
        return _rows_to_labels(self._decide(proba))
