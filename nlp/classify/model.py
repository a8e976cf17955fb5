"""The trained theme classifier: TF-IDF features, one logistic regression per theme.

:class:`ThemeClassifier` is a scikit-learn estimator: one L2-regularised
logistic regression per theme over TF-IDF words and TF-IDF character n-grams;
probabilities are Platt-calibrated and averaged with the lexicon's vote, and
each theme's decision threshold is chosen on out-of-fold predictions for
*real* units only (below 100 real units one fixed cut-off serves every
theme).  Passages written for training (exemplars) are only ever added to
training folds.

Examples
--------
>>> import nlp
>>> clf = nlp.ThemeClassifier.load()
>>> clf.predict(["组织开展宪法宣传周活动,邀请法治副校长进校园授课"])
[('普法宣传',)]
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold
from sklearn.utils import check_scalar
from sklearn.utils.validation import check_is_fitted

from ..codebook import Codebook, codebook_of, label_matrix
from ..tokenize import Tokenizer
from .base import ThemeClassifierBase
from .calibration import choose_threshold, fit_platt
from .exemplars import exemplar_parts, mix_exemplars
from .features import FeatureSpace, split_passages
from .inputs import check_domains, check_texts, prepare_labelled, unit_hash
from .lexicon import LEXICON_THRESHOLD, Lexicon, blend_lexicon
from .model_io import load_model, save_model

__all__ = ["ThemeClassifier"]

log = logging.getLogger(__name__)


class _Candidate(NamedTuple):
    """One setting tried by the inner cross-validation of :meth:`ThemeClassifier.fit`."""

    word_weight: float
    C: float
    blend: float
    calibration: np.ndarray  # Platt (a, b) per theme
    thresholds: np.ndarray  # cut-off per theme
    fitted: bool  # thresholds fitted per theme (else one fixed cut-off)
    pred: np.ndarray  # out-of-fold predictions, units x themes


class ThemeClassifier(ClassifierMixin, ThemeClassifierBase, BaseEstimator):
    """Multi-label theme classifier for report units (a scikit-learn estimator).

    One L2-regularised logistic regression per theme (one-vs-rest) over TF-IDF
    of the project tokenizer's words and TF-IDF of character n-grams (the four
    lexicon scores can be a third block).  Decision scores are
    Platt-calibrated and averaged with the lexicon's own vote (see
    ``lexicon_blend``); each theme gets its own probability threshold (below
    100 real units, one cut-off for all: see ``threshold``).
    Calibration and thresholds are fitted on out-of-fold predictions for the
    *real* training units (exemplars stay in the training folds; given agency
    types, without those of the held-out units' kind of agency).

    Parameters
    ----------
    random_state : int or None
        Seed of every random step (fold shuffling, the solver).
    C : float or "auto", default "auto"
        Inverse regularisation strength of each logistic regression.  "auto":
        with at least :attr:`AUTO_MIN_UNITS` (100) real units, chosen among 1, 4
        and 16 together with ``lexicon_blend`` and the thresholds by grouped
        inner cross-validation (macro F1 of the out-of-fold predictions, the
        defaults kept unless beaten by more than one standard error; see
        ``threshold``); with fewer, 1 (see ``lexicon_blend`` for why and how the
        fixed values were chosen).
    class_weight : {"balanced", None}, default "balanced"
        Reweight rare themes.
    word_weight : float or "auto", default "auto"
        Multiplier of the word block (0 switches it off).  "auto": 0.5, words
        weighing half as much as character n-grams; with at least 100 real
        units, 1 also competes in the inner cross-validation, as one of the
        candidates that must beat the defaults (see ``threshold`` for the rule).
        Why 0.5: on the dev set of real pages (``bench/devset.py``), the model
        trained on the bundled files scores macro F1 0.859 with it against
        0.855 at 1, and models trained with 50 to 400 of a corpus's own units
        0.005 to 0.012 more than at 1 (at 0.25, 行政执法 fell below 0.78).  Why
        1 competes: under a user's codebook on State Council work reports
        (``bench/own_codebook.py``), words carry more (grouped CV macro F1 0.767
        at 1, 0.732 at 0.5, 0.735 with 1 competing).
    char_weight, lexicon_weight : float, default 1.0, 0.0
        Multipliers of the other two feature blocks; 0 switches a block off.  The
        lexicon already votes through ``lexicon_blend``, so by default it is not
        also a feature block (the two votes stay independent).
    char_ngrams : (int, int), default (2, 3)
        Character n-gram range.
    min_df : int, default 1
        Minimum document frequency of a word or n-gram.
    threshold_cv : int, default 5
        Folds of the inner cross-validation that fits calibration and thresholds.
    exemplar_weight : float, default 1.0
        Sample weight of written exemplar passages relative to real units.
    exemplar_mixing : float, default 1.0
        Also train on this many (times the number of exemplars) joined pairs of
        exemplars, labelled with the union of their themes (0 = none).
    sentence_pooling : bool, default True
        Also score each passage of a unit (sentences joined up to about 40
        characters) and keep, per theme, the larger of the unit's and its best
        passage's score, so a theme one passage of a long unit is about is not
        diluted by the rest.
    lexicon_blend : float in [0, 1] or "auto", default "auto"
        The probability of a theme is ``(1 - lexicon_blend) * p_model +
        lexicon_blend * expit(lexicon_score - 3)``: an average of the
        calibrated model and the transparent lexicon (the lexicon term is 0.5
        exactly at the lexicon baseline's threshold).  0 = the model alone.
        "auto": with 100 or more real units chosen among 0, 0.25, 0.5 and 0.75 by
        grouped inner cross-validation; with fewer, 0.25 fixed, because a few
        dozen units cannot tell the weights apart (one unit moves F1 by 0.05).
        The fixed values (C = 1, blend 0.25) are the best of C in {1, 4, 16}
        and blend in {0.25, 0.5, 0.75} on the first batch of the dev set of
        real pages of other agencies (``bench/devset.py``): the lexicon,
        written from the codebook, carries what the few real units lack, but at
        0.5 and above it outweighs the model.
    threshold : float in (0, 1), "auto" or "fitted", default "auto"
        The probability a theme needs to be predicted.  "auto": below 100 real
        units, 0.35 for every theme.  From 100 on, the defaults (word weight
        0.5, C = 1, blend 0.25, 0.35) compete in the inner cross-validation with
        the same at word weight 1 and with every word weight, C and blend of the
        grids with each theme's own threshold (the F1-best value averaged over
        bootstrap resamples, fitted for each inner fold on the other folds); the
        best replaces the defaults only if it beats them, fold by fold, by more
        than one standard error of the mean difference.  On the dev set,
        picking the best outright cost macro F1 at 100 units (0.849 against
        0.864 with this rule, same draws).  With a ``lexicon_blend`` other than
        "auto", thresholds are always fitted.  Thresholds fitted on a few dozen
        units of one or two reports swing with any setting (on the dev set of real pages,
        ``word_weight`` 0.25, 0.5, 0.75 and 1 gave fitted thresholds from 0.3
        to 0.6 and macro F1 from 0.815 to 0.873, at almost the same ranking),
        while one cut-off of 0.35 gave 0.855 to 0.859 for the same settings.
        0.35 is the best of 0.3 to 0.5 in steps of 0.05 for the default
        settings on that dev set (``bench/devset.py``).  "fitted": each theme's
        own, whatever the number of units (as models before this parameter
        did).  A number: that cut-off for every theme.
    agency_holdout : bool, default True
        Given the agency type of the real units and of the exemplars (see
        ``domains`` in :meth:`fit`) and fewer than 100 real units, each inner
        fold leaves out the exemplars of its held-out units' agency types, so
        calibration and thresholds are fitted as for a kind of agency the model
        has not seen.  With 100 or more real units, folds of the researcher's
        own reports already do that, and it is not done.  False: every
        inner fold has every exemplar (better when the corpus is mostly of the
        agency types the training units come from).
    tokenizer : nlp.Tokenizer, optional
        The bundled default tokenizer when None.
    codebook : path or Codebook, optional
        The theme set, its lexicon and its exemplars: a codebook TOML file or a
        folder holding ``codebook.toml`` (see :mod:`nlp.codebook`); the bundled
        four-theme codebook when None.  It is copied into the fitted model (with
        its checksum), so later edits of the file do not change a saved model.

    Attributes
    ----------
    classes_ : ndarray of str
        The themes, in codebook order (the columns of ``predict_proba``).
    codebook_ : Codebook
        The codebook the model was trained with.
    C_, lexicon_blend_, word_weight_ : float
        The values used (chosen by cross-validation with "auto").
    thresholds_ : ndarray of shape (n_themes,)
        The probability cut-off of each theme (see ``threshold``).
    thresholds_fitted_ : bool
        Whether each theme's cut-off was fitted (False: one fixed cut-off).
    calibration_holdout_ : list of str
        The agency types whose exemplars inner folds left out (see ``domains``
        in :meth:`fit`); empty when every fold had every exemplar.
    calibration_ : ndarray of shape (n_themes, 2)
        Platt ``(a, b)``: ``p = expit(a * decision + b)``.
    estimators_ : list of LogisticRegression or None (theme constant in training)

    Examples
    --------
    >>> texts = ["开展宪法宣传周活动", "全面推行双随机一公开监管", "排查校园消防安全隐患"]
    >>> clf = ThemeClassifier(random_state=0).fit(
    ...     texts * 2, [("普法宣传",), ("行政执法",), ("校园安全",)] * 2)
    >>> list(clf.predict_proba(["组织宪法宣传周"]).columns)
    ['普法宣传', '校园安全', '行政执法', '放管服']
    """

    def __init__(self, *, random_state=None, C="auto", class_weight="balanced",
                 word_weight="auto", char_weight=1.0, lexicon_weight=0.0, char_ngrams=(2, 3),
                 min_df=1, threshold_cv=5, exemplar_weight=1.0, exemplar_mixing=1.0,
                 sentence_pooling=True, lexicon_blend="auto", threshold="auto",
                 agency_holdout=True, tokenizer=None, codebook=None):
        self.random_state = random_state
        self.C = C
        self.class_weight = class_weight
        self.word_weight = word_weight
        self.char_weight = char_weight
        self.lexicon_weight = lexicon_weight
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.threshold_cv = threshold_cv
        self.exemplar_weight = exemplar_weight
        self.exemplar_mixing = exemplar_mixing
        self.sentence_pooling = sentence_pooling
        self.lexicon_blend = lexicon_blend
        self.threshold = threshold
        self.agency_holdout = agency_holdout
        self.tokenizer = tokenizer
        self.codebook = codebook

    def __setstate__(self, state):
        state = dict(state)
        if "lexicon" in state and "codebook" not in state:  # models saved before codebooks
            state["codebook"] = state.pop("lexicon")
        state.setdefault("lexicon_blend", 0.0)  # models saved before the blend existed
        if "lexicon_blend_" not in state and "thresholds_" in state:  # before "auto"
            state["lexicon_blend_"] = float(state["lexicon_blend"])
            state["C_"] = float(state["C"])
        if "thresholds_" in state and "word_weight_" not in state:  # before "auto"
            state["word_weight_"] = float(state.get("word_weight", 1.0))
        state.setdefault("agency_holdout", False)  # models saved before it existed
        state.setdefault("threshold", "fitted")  # models saved before it existed
        if "thresholds_" in state:
            state.setdefault("calibration_holdout_", [])
            state.setdefault("thresholds_fitted_", True)  # before the fixed cut-off
        super().__setstate__(state)

    # -- parameters and inputs ---------------------------------------------
    def _check_params(self) -> None:
        for name, low, high in (("C", 1e-6, None), ("word_weight", 0.0, None),
                                ("char_weight", 0.0, None), ("lexicon_weight", 0.0, None),
                                ("exemplar_weight", 0.0, None), ("exemplar_mixing", 0.0, None),
                                ("lexicon_blend", 0.0, 1.0)):
            if name in ("C", "lexicon_blend", "word_weight") and getattr(self, name) == "auto":
                continue
            check_scalar(getattr(self, name), name, (int, float, np.integer, np.floating),
                         min_val=low, max_val=high)
        if isinstance(self.threshold, str):
            if self.threshold not in ("auto", "fitted"):
                raise ValueError(f"threshold must be a number in (0, 1), 'auto' or 'fitted', "
                                 f"got {self.threshold!r}")
        else:
            check_scalar(self.threshold, "threshold", (int, float, np.integer, np.floating),
                         min_val=0.0, max_val=1.0, include_boundaries="neither")
        check_scalar(self.min_df, "min_df", (int, np.integer), min_val=1)
        check_scalar(self.threshold_cv, "threshold_cv", (int, np.integer), min_val=2)
        if self.class_weight not in ("balanced", None):
            raise ValueError(f"class_weight must be 'balanced' or None, got {self.class_weight!r}")
        for name in ("sentence_pooling", "agency_holdout"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        ng = self.char_ngrams
        if not (isinstance(ng, (tuple, list)) and len(ng) == 2
                and all(isinstance(x, int) and x >= 1 for x in ng) and ng[0] <= ng[1]):
            raise ValueError(f"char_ngrams must be a pair (low, high) of integers with "
                             f"1 <= low <= high, got {ng!r}")
        if not (self.word_weight or self.char_weight or self.lexicon_weight):
            raise ValueError("word_weight, char_weight and lexicon_weight are all 0: "
                             "at least one feature block is needed")

    def _tok(self):
        tok = getattr(self, "tokenizer_", None) or self.tokenizer
        if tok is None:
            tok = Tokenizer()
        return tok

    def _tokens(self, texts):
        return self._tok().pipe(texts, progress=False)

    def _codebook(self) -> Codebook:
        return getattr(self, "codebook_", None) or codebook_of(self.codebook)

    def _themes(self) -> tuple[str, ...]:
        return self._codebook().themes

    # -- training ----------------------------------------------------------
    def _train_core(self, texts, tokens, Y, weights, C, word_weight):
        """Features and the per-theme models on one training set."""
        feats = FeatureSpace(word_weight=word_weight, char_weight=self.char_weight,
                             lexicon_weight=self.lexicon_weight,
                             char_ngrams=tuple(self.char_ngrams), min_df=int(self.min_df),
                             lexicon=self.lexicon_ if self.lexicon_weight else None)
        X = feats.fit(texts, tokens).transform(texts, tokens)
        models, priors = [], np.zeros(Y.shape[1])
        for j in range(Y.shape[1]):
            y = Y[:, j]
            priors[j] = float(np.average(y, weights=weights))
            if y.min() == y.max():
                models.append(None)
                continue
            lr = LogisticRegression(C=float(C), class_weight=self.class_weight,
                                    solver="liblinear", dual=True, max_iter=5000,
                                    random_state=self.random_state)
            models.append(lr.fit(X, y, sample_weight=weights))
        return feats, models, priors

    @staticmethod
    def _scores(core, X) -> np.ndarray:
        """Decision scores of a feature matrix, one column per theme."""
        _, models, priors = core
        out = np.zeros((X.shape[0], len(models)))
        for j, m in enumerate(models):
            if m is None:
                p = min(max(priors[j], 1e-3), 1 - 1e-3)
                out[:, j] = np.log(p / (1 - p))
            else:
                out[:, j] = m.decision_function(X)
        return out

    @staticmethod
    def _passages(texts) -> tuple[list[str], list[int], list[bool]]:
        """The passages of every unit with more than one (in order), the unit of each
        passage, and per unit whether its passages spell it out exactly."""
        owner, pieces, spelled = [], [], []
        for i, text in enumerate(texts):
            parts = split_passages(text)
            multi = len(parts) > 1
            spelled.append(multi and "".join(parts) == text)
            if multi:
                owner.extend([i] * len(parts))
                pieces.extend(parts)
        return pieces, owner, spelled

    def _decision(self, core, texts, tokens, passages=None) -> np.ndarray:
        """Decision scores of whole units, or with sentence pooling the larger of the
        unit's score and its best passage's score (a unit is about every theme one of
        its passages substantially describes).  ``passages``: :meth:`_passages` with the
        passages' tokens, when the caller has them (:meth:`_tokenize`); the tokens of a
        unit its passages spell out are then not needed (``None``)."""
        feats = core[0]
        if not self.sentence_pooling:
            return self._scores(core, feats.transform(texts, tokens))
        if passages is None:
            pieces, owner, spelled = self._passages(texts)
            passages = (pieces, owner, spelled, self._tokens(pieces) if pieces else [])
        pieces, owner, spelled, piece_tokens = passages
        X, X_pieces = feats.transform_pooled(texts, tokens, pieces, piece_tokens, owner,
                                             spelled)
        d = self._scores(core, X)
        if pieces:
            ds = self._scores(core, X_pieces)
            best = np.full_like(d, -np.inf)
            np.maximum.at(best, np.asarray(owner), ds)
            d = np.maximum(d, best)
        return d

    def _inner_folds(self, n: int, groups):
        k = min(int(self.threshold_cv), n)
        if groups is not None and len(set(groups)) >= 2:
            # held-out reports, as the model will meet them: thresholds fitted on units of
            # reports already seen in training come out too high for a new report
            k = min(k, len(set(groups)))
            return list(GroupKFold(n_splits=k).split(np.zeros(n), groups=groups))
        return list(KFold(n_splits=k, shuffle=True, random_state=self.random_state)
                    .split(np.zeros(n)))

    #: real units from which C, lexicon_blend and word_weight are chosen by
    #: cross-validation ("auto")
    AUTO_MIN_UNITS = 100
    _C_GRID = (1.0, 4.0, 16.0)  # the first value of each grid is the fixed one
    _WORD_GRID = (0.5, 1.0)
    _BLEND_GRID = (0.25, 0.5, 0.0, 0.75)

    #: the cut-off of every theme below AUTO_MIN_UNITS real units (threshold="auto")
    FIXED_THRESHOLD = 0.35

    def _threshold_modes(self, n: int, first: bool) -> list:
        """The cut-offs to try with one (C, lexicon_blend), ``first`` being the default
        pair (at any word weight): a number is one cut-off for every theme, None fits
        each theme's own."""
        if self.threshold == "fitted":
            return [None]
        if self.threshold != "auto":
            return [float(self.threshold)]
        # the fixed cut-off was chosen for the default blend; another blend moves the
        # probabilities, and its thresholds are fitted
        if self.lexicon_blend != "auto" or not first:
            return [None]
        return [self.FIXED_THRESHOLD] + ([None] if n >= self.AUTO_MIN_UNITS else [])

    def _fit_thresholds(self, proba, Y) -> np.ndarray:
        return np.array([choose_threshold(proba[:, j], Y[:, j], random_state=self.random_state)
                         for j in range(Y.shape[1])])

    def _cross_fitted(self, proba, Y, folds) -> np.ndarray:
        """Predictions of each inner fold with thresholds fitted on the other folds, so that
        settings with fitted thresholds are not scored on the units that fitted them (which
        would flatter them against a fixed cut-off)."""
        pred = np.zeros_like(Y)
        for train, test in folds:
            pred[test] = proba[test] >= self._fit_thresholds(proba[train], Y[train])
        return pred

    @staticmethod
    def _one_standard_error(Y, preds, folds) -> tuple[int, np.ndarray]:
        """Which of the candidates' out-of-fold predictions ``preds`` to keep: the first
        (the defaults) unless the best by macro F1 of the pooled out-of-fold predictions
        (thresholds cross-fitted, see :meth:`_cross_fitted`) beats it, fold by fold, by
        more than one standard error of the mean difference (the one-standard-error
        rule: with a few hundred units the best of many settings is often best by
        chance, and on the dev set choosing it cost macro F1)."""
        scores = np.array([ThemeClassifier._macro_f1(Y, pred) for pred in preds])
        best = int(np.argmax(scores))
        if best == 0 or len(folds) < 2:
            return best, scores
        diff = np.array([ThemeClassifier._macro_f1(Y[test], preds[best][test])
                         - ThemeClassifier._macro_f1(Y[test], preds[0][test])
                         for _, test in folds])
        se = diff.std(ddof=1) / np.sqrt(len(diff))
        return (best if diff.mean() > se else 0), scores

    def _grids(self, n: int) -> tuple[tuple, tuple, tuple]:
        """Values of word_weight, C and lexicon_blend to try: the given ones, or with
        "auto" a grid once there are :attr:`AUTO_MIN_UNITS` real units, else the
        a-priori defaults."""
        learn = n >= self.AUTO_MIN_UNITS
        words = ((self._WORD_GRID if learn else self._WORD_GRID[:1])
                 if self.word_weight == "auto" else (float(self.word_weight),))
        Cs = ((self._C_GRID if learn else self._C_GRID[:1]) if self.C == "auto"
              else (float(self.C),))
        blends = ((self._BLEND_GRID if learn else self._BLEND_GRID[:1])
                  if self.lexicon_blend == "auto"
                  else (float(self.lexicon_blend),))
        return words, Cs, blends

    @staticmethod
    def _macro_f1(Y: np.ndarray, pred: np.ndarray) -> float:
        """Macro F1 over the themes with support."""
        tp = (Y & pred).sum(axis=0)
        denom = Y.sum(axis=0) + pred.sum(axis=0)
        have = Y.sum(axis=0) > 0
        if not have.any():
            return 0.0
        return float(np.mean(np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)[have]))

    def _fold_exemplars(self, exemplars, domains, folds, themes):
        """The (mixed) exemplars of each inner training fold, as (texts, tokens, Y).

        With fewer than :attr:`AUTO_MIN_UNITS` real units and the agency type of
        the real units (``domains``) and of the exemplars, a fold leaves out the
        exemplars written for the agency types of its held-out units: their
        out-of-fold scores are then those of a kind of agency the model has not
        seen, as it meets most agencies of a researcher's corpus (scores of an
        unseen kind are lower, and thresholds fitted on a seen kind come out too
        high).  With more real units, folds that hold out the researcher's own
        reports already score units as the model will meet them, and a fold's
        held-out reports span many agency types (leaving them out would leave few
        exemplars), so every fold gets every exemplar, as it does without agency
        types."""
        texts, tokens, labels = exemplars[:3]
        ex_domains = exemplars[3] if len(exemplars) > 3 else None
        ratio, k = float(self.exemplar_mixing), len(themes)

        def mixed(keep):
            t, tok, lab = mix_exemplars([texts[i] for i in keep], [tokens[i] for i in keep],
                                        [labels[i] for i in keep], ratio=ratio,
                                        random_state=self.random_state, themes=themes)
            return t, tok, label_matrix(lab, themes).reshape(-1, k)

        every = mixed(range(len(texts)))
        self.calibration_holdout_ = []
        if (not self.agency_holdout or domains is None or ex_domains is None
                or len(domains) >= self.AUTO_MIN_UNITS):
            return [every] * len(folds), every
        cache, out = {}, []
        for _, test in folds:
            held = frozenset(domains[i] for i in test) - {None}
            if held not in cache:
                kept = [i for i, d in enumerate(ex_domains) if d not in held]
                cache[held] = mixed(kept)
                if held:
                    log.info("inner folds holding out %s: %d of %d exemplars left out",
                             "/".join(sorted(held)), len(texts) - len(kept), len(texts))
            out.append(cache[held])
        written_for = set(ex_domains)
        self.calibration_holdout_ = sorted({d for held in cache for d in held
                                            if d in written_for})
        return out, every

    def _fit_prepared(self, texts, tokens, labels, groups, exemplars, domains=None):
        self._check_params()
        codebook = codebook_of(self.codebook)
        themes = codebook.themes
        orig_texts, orig_labels = list(exemplars[0]), list(exemplars[2])
        Y = label_matrix(labels, themes)
        n = len(texts)
        w_real = np.ones(n)
        self.tokenizer_ = self._tok()
        self.codebook_ = codebook  # copied in, with the lexicon built from it
        self.lexicon_ = Lexicon.from_codebook(codebook)
        self.calibration_ = np.tile([1.0, 0.0], (len(themes), 1))
        cut = self._threshold_modes(n, True)[0]
        self.thresholds_ = np.full(len(themes), 0.5 if cut is None else cut)
        self.thresholds_fitted_ = False
        words, Cs, blends = self._grids(n)
        self.word_weight_, self.C_, self.lexicon_blend_ = words[0], Cs[0], blends[0]
        folds = self._inner_folds(n, groups) if n >= 4 else []
        fold_ex, (ex_texts, ex_tokens, EY) = self._fold_exemplars(exemplars, domains, folds,
                                                                  themes)
        w_ex = np.full(len(ex_texts), float(self.exemplar_weight))
        if n >= 4:
            tried: list[_Candidate] = []  # first the defaults
            for word_weight, C in ((w, c) for w in words for c in Cs):
                oof = np.zeros((n, len(themes)))
                for (train, test), (f_texts, f_tokens, f_Y) in zip(folds, fold_ex):
                    f_w = np.full(len(f_texts), float(self.exemplar_weight))
                    core = self._train_core([texts[i] for i in train] + f_texts,
                                            [tokens[i] for i in train] + f_tokens,
                                            np.vstack([Y[train], f_Y]),
                                            np.concatenate([w_real[train], f_w]), C,
                                            word_weight)
                    oof[test] = self._decision(core, [texts[i] for i in test],
                                               [tokens[i] for i in test])
                calibration = np.array([fit_platt(oof[:, j], Y[:, j])
                                        for j in range(len(themes))])
                calibrated = expit(calibration[:, 0] * oof + calibration[:, 1])
                for blend in blends:
                    proba = blend_lexicon(calibrated, self.lexicon_, texts, blend,
                                          LEXICON_THRESHOLD)
                    first = (C, blend) == (Cs[0], blends[0])
                    for cut in self._threshold_modes(n, first):
                        if cut is not None:
                            thresholds = np.full(len(themes), cut)
                            pred = (proba >= thresholds).astype(int)
                        else:
                            thresholds = self._fit_thresholds(proba, Y)
                            pred = self._cross_fitted(proba, Y, folds)
                        tried.append(_Candidate(word_weight, C, blend, calibration,
                                                thresholds, cut is None, pred))
            # tried[0] is the defaults; every other candidate, the other word weight
            # among them, must beat it by one standard error (keeping the better of the
            # fixed settings at both word weights outright cost 0.004-0.006 macro F1 on
            # the dev set with 200 and 400 own units)
            pick, scores = self._one_standard_error(Y, [t.pred for t in tried], folds)
            chosen = tried[pick]
            self.word_weight_, self.C_, self.lexicon_blend_ = (chosen.word_weight, chosen.C,
                                                               chosen.blend)
            self.calibration_, self.thresholds_ = chosen.calibration, chosen.thresholds
            self.thresholds_fitted_ = chosen.fitted
            if len(tried) > 1:
                log.info("chose word_weight=%g, C=%g, lexicon_blend=%g%s by grouped inner "
                         "cross-validation (macro F1 %.3f on %d real units; the best, %.3f, "
                         "%s)", self.word_weight_, self.C_, self.lexicon_blend_,
                         " (the defaults)" if pick == 0 else "", scores[pick],
                         n, scores.max(), "chosen" if scores[pick] == scores.max() else
                         "within one standard error of the defaults")
        else:
            log.warning("only %d real units: calibration and thresholds left at defaults", n)
        self.features_, self.estimators_, self.priors_ = self._train_core(
            texts + ex_texts, tokens + ex_tokens, np.vstack([Y, EY]),
            np.concatenate([w_real, w_ex]), self.C_, self.word_weight_)
        self.classes_ = np.array(themes, dtype=object)
        self.n_real_units_, self.n_exemplars_ = n, len(orig_texts)
        digest = hashlib.sha256()
        for t, lab in sorted(zip(texts + orig_texts, labels + orig_labels)):
            digest.update(f"{t}\t{';'.join(lab)}\n".encode())
        self.training_hash_ = digest.hexdigest()
        # which units the model has seen, so that an evaluation can say when it overlaps
        self.training_units_ = np.array(sorted({unit_hash(t) for t in texts + orig_texts}))
        return self

    def fit(self, texts, labels, *, groups=None, exemplars=None,
            domains=None) -> ThemeClassifier:
        """Fit on real labelled units, plus optional written exemplars (training only).

        Parameters
        ----------
        texts : list of str
            Real units.  Not a bare ``str``, not a one-shot generator.
        labels : list of label collections
            Themes per text (tuples, lists or ``;``-joined strings; empty = 其他).
        groups : sequence, optional
            Report of each unit; with two or more reports the inner
            cross-validation for calibration and thresholds holds out whole
            reports (otherwise it splits units at random).
        exemplars : DataFrame or (texts, labels), optional
            Passages written for training; added to every training set,
            never used to choose calibration or thresholds.  None: the
            exemplars written in the codebook, if it has any.  An
            ``agency_type`` column (or a third item) says which kind of agency
            each was written for.
        domains : sequence of str, optional
            The kind of agency of each real unit (an agency type such as
            ``教育`` or an agency name such as ``区教育局``; see
            :func:`nlp.ingest.agency_type_of`).  With it, exemplars that
            carry theirs and fewer than 100 real units, each fold of the inner
            cross-validation leaves out the exemplars of its held-out units'
            agency types, so that calibration and thresholds are fitted as for
            a kind of agency the model has not seen (``agency_holdout``).  The
            final model learns from every exemplar.
        """
        self._check_params()
        codebook = codebook_of(self.codebook)
        texts, labels = prepare_labelled(texts, labels, themes=codebook.themes)
        if exemplars is None and codebook.exemplar_pairs():
            pairs = codebook.exemplar_pairs()
            exemplars = ([t for t, _ in pairs], [lab for _, lab in pairs])
        ex_texts, ex_labels, ex_domains = exemplar_parts(exemplars, themes=codebook.themes)
        if groups is not None:
            if isinstance(groups, str) or len(groups) != len(texts):
                raise ValueError(f"groups must give one group per text ({len(texts)})")
            groups = [str(g) for g in groups]
        domains = check_domains(domains, len(texts))
        tokens = self._tokens(texts + ex_texts)
        return self._fit_prepared(texts, tokens[:len(texts)], labels, groups,
                                  (ex_texts, tokens[len(texts):], ex_labels, ex_domains),
                                  domains)

    # -- prediction ----------------------------------------------------------
    def _thresholds(self):
        return self.thresholds_

    def _blend(self, proba, texts) -> np.ndarray:
        # a number set after fitting is used as given (thresholds stay those fitted)
        weight = self.lexicon_blend_ if self.lexicon_blend == "auto" else self.lexicon_blend
        return blend_lexicon(proba, self.lexicon_, texts, float(weight),
                             LEXICON_THRESHOLD)

    def _tokenize(self, texts) -> tuple[list, tuple | None]:
        """Tokens of the units and, with sentence pooling, :meth:`_passages` with the
        passages' tokens, cutting each character once: a unit that its passages spell out
        needs no tokens of its own (its counts are its passages', see
        ``FeatureSpace.transform_pooled``), because the tokenizer never joins words across
        a sentence end (jieba cuts runs of Han characters, letters and digits apart)."""
        if not self.sentence_pooling:
            return self._tokens(texts), None
        pieces, owner, spelled = self._passages(texts)
        direct = [i for i, s in enumerate(spelled) if not s]
        cut = self._tokens(pieces + [texts[i] for i in direct])
        units: list = [None] * len(texts)
        for i, toks in zip(direct, cut[len(pieces):]):
            units[i] = toks
        return units, (pieces, owner, spelled, cut[:len(pieces)])

    def _proba_prepared(self, texts, tokens, passages=None) -> np.ndarray:
        core = (self.features_, self.estimators_, self.priors_)
        d = self._decision(core, texts, tokens, passages)
        return self._blend(expit(self.calibration_[:, 0] * d + self.calibration_[:, 1]),
                           texts)

    def predict_proba(self, texts) -> pd.DataFrame:
        """Probability of each theme (calibrated model blended with the lexicon, see
        ``lexicon_blend``): a DataFrame with one column per theme."""
        check_is_fitted(self)
        texts = check_texts(texts)
        themes = list(self.classes_)
        if not texts:
            return pd.DataFrame(np.zeros((0, len(themes))), columns=themes)
        return pd.DataFrame(self._proba_prepared(texts, *self._tokenize(texts)),
                            columns=themes)

    # -- inspection ----------------------------------------------------------
    def _coef(self) -> np.ndarray:
        names, _ = self.features_.feature_names()
        out = np.zeros((len(self.classes_), len(names)))
        for j, m in enumerate(self.estimators_):
            if m is not None:
                out[j] = m.coef_.ravel()
        return out * self.features_.block_weights()

    def top_terms(self, n: int = 20, *, kind: str | None = None) -> pd.DataFrame:
        """The ``n`` features that push each theme up most: ``theme, rank, term, kind, weight``.

        ``kind`` keeps one block: ``"word"``, ``"char"`` or ``"lexicon"``.
        """
        check_is_fitted(self)
        names, kinds = self.features_.feature_names()
        coef = self._coef()
        rows = []
        for j, theme in enumerate(self.classes_):
            order = np.argsort(-coef[j], kind="stable")
            if kind is not None:
                order = order[kinds[order] == kind]
            for rank, i in enumerate(order[:n], 1):
                rows.append((theme, rank, names[i], kinds[i], float(coef[j, i])))
        return pd.DataFrame(rows, columns=["theme", "rank", "term", "kind", "weight"])

    def explain(self, text: str, n: int = 10) -> pd.DataFrame:
        """The features of ``text`` that pushed each theme up or down most.

        Returns ``theme, term, kind, contribution, direction, probability``: the
        contribution is the feature value times its weight in the theme's
        decision score (before calibration) for the whole unit; ``probability``
        is the model's output, which with sentence pooling may come from the
        unit's best passage instead.
        """
        check_is_fitted(self)
        if not isinstance(text, str):
            raise TypeError(f"text must be a single str, got {type(text).__name__}")
        text = check_texts([text])[0]
        tokens = self._tokens([text])
        X = self.features_.transform([text], tokens).tocsr()
        names, kinds = self.features_.feature_names()
        proba = self._proba_prepared([text], tokens)[0]
        coef = self._coef() / self.features_.block_weights()
        rows = []
        for j, theme in enumerate(self.classes_):
            contrib = X.data * coef[j, X.indices]
            order = np.argsort(-np.abs(contrib), kind="stable")[:n]
            for i in order:
                if contrib[i]:
                    rows.append((theme, names[X.indices[i]], kinds[X.indices[i]],
                                 float(contrib[i]), "up" if contrib[i] > 0 else "down",
                                 float(proba[j])))
        return pd.DataFrame(rows, columns=["theme", "term", "kind", "contribution",
                                           "direction", "probability"])

    # -- persistence -----------------------------------------------------------
    def save(self, path, *, metrics: pd.DataFrame | None = None, notes: str = "",
             training: dict | None = None) -> Path:
        """Write the model folder (model.skops, manifest.json, card.md) atomically."""
        return save_model(self, path, metrics=metrics, notes=notes, training=training)

    @classmethod
    def load(cls, path=None) -> ThemeClassifier:
        """Load a saved model (``models/themes`` when no path), after verifying checksums.

        Raises
        ------
        ModelIntegrityError
            For a missing, changed or unlisted file, or a type not on the trusted list.
        """
        return load_model(path, cls=cls)
