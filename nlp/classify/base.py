"""The API the theme classifiers share: evaluation, grouped cross-validation, decisions."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import clone

from ..codebook import label_matrix, rows_to_labels
from .calibration import grouped_folds
from .exemplars import exemplar_parts
from .inputs import check_domains, prepare_labelled
from .metrics import evaluation_table

__all__ = ["ThemeClassifierBase"]

log = logging.getLogger(__name__)


class ThemeClassifierBase:
    """Methods shared by the theme classifiers.

    A subclass provides ``predict_proba``, ``_thresholds``, ``_tokens``,
    ``_themes`` (the theme names of its codebook), ``_fit_prepared`` and
    ``_proba_prepared``; this class adds evaluation, grouped cross-validation
    and the decision rule.
    """

    def __sklearn_tags__(self):
        # texts in, label sets out: scikit-learn's checks for 2-d numeric input do not apply
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = True
        return tags

    def theme_names(self) -> tuple[str, ...]:
        """The themes of the model's codebook, in order: the columns of ``predict_proba``.

        Examples
        --------
        >>> LexiconClassifier().theme_names()   # doctest: +SKIP
        ('普法宣传', '校园安全', '行政执法', '放管服')
        """
        return tuple(self._themes())

    def evaluate(self, texts, labels) -> pd.DataFrame:
        """Per-theme precision, recall, F1, support and confusion counts; micro/macro rows.

        Examples
        --------
        >>> clf.evaluate(["开展宪法宣传周活动"], [("普法宣传",)])   # doctest: +SKIP
        """
        themes = self._themes()
        texts, labels = prepare_labelled(texts, labels, themes=themes)
        return evaluation_table(label_matrix(labels, themes),
                                label_matrix(self.predict(texts), themes), themes=themes)

    def cross_validate(self, texts, labels, groups, *, cv: int = 5, exemplars=None,
                       domains=None, return_predictions: bool = False):
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
        domains : sequence of str, optional
            The agency type of each text, passed on to ``fit`` (see
            :meth:`ThemeClassifier.fit`).
        return_predictions : bool
            Also return the out-of-fold probabilities (with ``fold`` and
            ``group`` columns).

        Returns
        -------
        DataFrame
            :meth:`evaluate`'s table over the pooled out-of-fold predictions,
            with a ``folds`` column.
        """
        themes = self._themes()
        texts, labels = prepare_labelled(texts, labels, themes=themes)
        if isinstance(groups, str) or groups is None or len(groups) != len(texts):
            raise ValueError(f"groups must give one group per text ({len(texts)})")
        ex_texts, ex_labels, ex_domains = exemplar_parts(exemplars, themes=themes)
        groups = np.asarray([str(g) for g in groups], dtype=object)
        domains = check_domains(domains, len(texts))
        tokens = self._tokens(texts + ex_texts)
        ex = (ex_texts, tokens[len(texts):], ex_labels, ex_domains)
        tokens = tokens[:len(texts)]
        proba = np.zeros((len(texts), len(themes)))
        pred = np.zeros((len(texts), len(themes)), dtype=int)
        fold_of = np.zeros(len(texts), dtype=int)
        folds = list(grouped_folds(groups, cv))
        for k, (train, test) in enumerate(folds):
            model = clone(self)
            model._fit_prepared([texts[i] for i in train], [tokens[i] for i in train],
                                [labels[i] for i in train], groups[train], ex,
                                None if domains is None else [domains[i] for i in train])
            test_texts = [texts[i] for i in test]
            p = model._proba_prepared(test_texts, [tokens[i] for i in test])
            proba[test] = p
            pred[test] = model.decide(p)
            fold_of[test] = k
            log.info("fold %d/%d: tested %s (%d units)", k + 1, len(folds),
                     ", ".join(dict.fromkeys(groups[test])), len(test))
        table = evaluation_table(label_matrix(labels, themes), pred, themes=themes)
        table["folds"] = len(folds)
        if return_predictions:
            out = pd.DataFrame(proba, columns=list(themes))
            out["fold"], out["group"] = fold_of, groups
            out["predicted"] = [";".join(r) for r in rows_to_labels(pred, themes)]
            return table, out
        return table

    def decision_thresholds(self) -> np.ndarray:
        """The probability at or above which each theme is assigned."""
        return np.asarray(self._thresholds(), dtype=float)

    def decide(self, proba) -> np.ndarray:
        """0/1 decisions from a probability matrix (one column per theme).

        Examples
        --------
        >>> LexiconClassifier().decide(np.array([[0.9, 0.1, 0.5, 0.2]])).tolist()  # doctest: +SKIP
        [[1, 0, 1, 0]]
        """
        return (np.asarray(proba, dtype=float) >= self.decision_thresholds()).astype(int)

    def predict(self, texts) -> list[tuple[str, ...]]:
        """The themes of each text, as a tuple in codebook order (empty = 其他).

        Examples
        --------
        >>> clf.predict(["全面推行双随机一公开监管"])       # doctest: +SKIP
        [('行政执法',)]
        """
        proba = self.predict_proba(texts).to_numpy()
        return rows_to_labels(self.decide(proba), self._themes())
