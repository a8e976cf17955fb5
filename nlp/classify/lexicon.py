"""The weighted theme lexicon and the transparent lexicon classifier.

The lexicon (``nlp/resources/themes.toml``) gives each theme a weighted term
list written from the codebook.  A unit's score for a theme is the sum of the
weights of the distinct terms that occur in it as substrings (overlapping
terms each count once; negative terms subtract).  :class:`LexiconClassifier`
assigns a theme when its score reaches a threshold; :func:`blend_lexicon`
lets the trained model average its probability with the lexicon's vote.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.utils import check_scalar

from ..codebook import Codebook, codebook_of
from .base import ThemeClassifierBase
from .inputs import check_texts

__all__ = ["Lexicon", "load_lexicon", "blend_lexicon",
           "LexiconClassifier", "LEXICON_THRESHOLD"]

log = logging.getLogger(__name__)


class Lexicon:
    """A weighted term list per theme; scores texts by summing matched weights.

    Parameters
    ----------
    terms : sequence of str
        Every term (at least two characters), each listed once.
    weights : array of shape (n_terms, n_themes)
        The weight of each term for each theme (0 where the theme does not list it).
    themes : tuple of str
        Column order of ``weights``.

    Examples
    --------
    >>> lex = load_lexicon()
    >>> scores = lex.scores(["全面推行双随机一公开监管"])
    >>> float(scores[0, lex.themes.index("行政执法")]) > 0
    True
    """

    def __init__(self, terms, weights, themes):
        self.terms = tuple(terms)
        self.weights = np.asarray(weights, dtype=float)
        self.themes = tuple(themes)
        self._index = self._filter = None

    def __getstate__(self):
        return {"terms": list(self.terms), "weights": self.weights, "themes": list(self.themes)}

    def __setstate__(self, state):
        self.terms = tuple(state["terms"])
        self.weights = np.asarray(state["weights"], dtype=float)
        self.themes = tuple(state["themes"])
        self._index = self._filter = None

    def __len__(self) -> int:
        return len(self.terms)

    @classmethod
    def from_codebook(cls, codebook: Codebook) -> Lexicon:
        """The terms and weights of every theme of ``codebook`` (a term listed by several
        themes gets a weight for each)."""
        themes = codebook.themes
        weights: dict[str, np.ndarray] = {}
        for j, theme in enumerate(codebook.theme_info):
            for table in (theme.terms, theme.negative):
                for term, w in table.items():
                    weights.setdefault(term, np.zeros(len(themes)))[j] += float(w)
        terms = sorted(weights)
        matrix = (np.array([weights[t] for t in terms]) if terms
                  else np.zeros((0, len(themes))))
        return cls(terms, matrix, themes)

    def same_as(self, other: Lexicon) -> bool:
        """Whether two lexicons have the same themes, terms and weights."""
        return (self.themes == other.themes and self.terms == other.terms
                and self.weights.shape == other.weights.shape
                and bool(np.allclose(self.weights, other.weights)))

    def _by_bigram(self) -> dict[str, list[int]]:
        if self._index is None:
            index: dict[str, list[int]] = {}
            for i, term in enumerate(self.terms):
                index.setdefault(term[:2], []).append(i)
            self._index = index
        return self._index

    def matches(self, text: str) -> list[int]:
        """Indices of the distinct terms occurring in ``text``."""
        return (self._hits([text]) % max(len(self.terms), 1)).tolist()

    def _bigram_filter(self):
        """Per first and second character of the terms: a dense id, and which id pairs
        begin a term (a boolean table), for finding candidate positions with numpy."""
        if getattr(self, "_filter", None) is None:
            firsts = sorted({t[0] for t in self.terms})
            seconds = sorted({t[1] for t in self.terms})
            size = max([0x10000, *(ord(c) + 1 for c in firsts + seconds)])
            id1 = np.full(size, -1, dtype=np.int32)
            id2 = np.full(size, -1, dtype=np.int32)
            id1[[ord(c) for c in firsts]] = np.arange(len(firsts))
            id2[[ord(c) for c in seconds]] = np.arange(len(seconds))
            begins = np.zeros((max(len(firsts), 1), max(len(seconds), 1)), dtype=bool)
            for t in self.terms:
                begins[id1[ord(t[0])], id2[ord(t[1])]] = True
            self._filter = (id1, id2, begins)
        return self._filter

    def _hits(self, texts) -> np.ndarray:
        """The distinct (text, term) matches as sorted keys ``row * n_terms + term``.

        Positions where a term could begin (its first two characters) are found
        for all texts at once with numpy; only those are checked in Python.
        """
        if not len(texts) or not self.terms:
            return np.zeros(0, dtype=np.int64)
        id1, id2, begins = self._bigram_filter()
        lens = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
        if len(codes) < 2:
            return np.zeros(0, dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        doc_of = np.repeat(np.arange(len(texts)), lens)
        a, b = codes[:-1], codes[1:]
        f = np.where(a < len(id1), id1[np.minimum(a, len(id1) - 1)], -1)
        g = np.where(b < len(id2), id2[np.minimum(b, len(id2) - 1)], -1)
        ok = (f >= 0) & (g >= 0) & (doc_of[:-1] == doc_of[1:])
        cand = np.flatnonzero(ok)
        cand = cand[begins[f[cand], g[cand]]]
        index, terms = self._by_bigram(), self.terms
        keys = []
        for pos, row in zip(cand.tolist(), doc_of[cand].tolist()):
            text, off = texts[row], pos - int(starts[row])
            for i in index.get(text[off:off + 2], ()):
                if text.startswith(terms[i], off):
                    keys.append(row * len(terms) + i)
        return np.unique(np.asarray(keys, dtype=np.int64))

    def scores(self, texts) -> np.ndarray:
        """Array (n_texts, n_themes) of summed weights of the distinct matched terms."""
        out = np.zeros((len(texts), len(self.themes)))
        key = self._hits(texts)
        if len(key):
            np.add.at(out, key // len(self.terms), self.weights[key % len(self.terms)])
        return out

    def explain(self, text: str) -> list[tuple[str, str, float]]:
        """``(theme, term, weight)`` for every matched term, strongest first."""
        rows = []
        for i in self.matches(text):
            for j, theme in enumerate(self.themes):
                if self.weights[i, j]:
                    rows.append((theme, self.terms[i], float(self.weights[i, j])))
        return sorted(rows, key=lambda r: (self.themes.index(r[0]), -abs(r[2]), r[1]))


def load_lexicon(path=None) -> Lexicon:
    """The lexicon of a codebook: a path, a :class:`~nlp.codebook.Codebook` or None (default).

    Raises
    ------
    InputError
        Naming the file and line, for a codebook file with errors (see
        :func:`nlp.codebook.check_codebook`).

    Examples
    --------
    >>> len(load_lexicon()) > 100
    True
    """
    return Lexicon.from_codebook(codebook_of(path))


def blend_lexicon(proba, lexicon, texts, weight: float, threshold: float) -> np.ndarray:
    """``(1 - weight) * proba + weight * sigmoid(lexicon_score - threshold)``, per theme.

    The lexicon term is the lexicon baseline's own vote, squashed into [0, 1]
    around its threshold; ``weight`` 0 returns ``proba`` unchanged.

    Examples
    --------
    >>> lex = load_lexicon()
    >>> p = blend_lexicon(np.zeros((1, 4)), lex, ["开展宪法宣传周活动"], 0.5, 3.0)
    >>> bool(p[0, lex.themes.index("普法宣传")] > p[0, lex.themes.index("放管服")])
    True
    """
    proba = np.asarray(proba, dtype=float)
    if not weight:
        return proba
    vote = expit(lexicon.scores(texts) - threshold)
    return (1.0 - weight) * proba + weight * vote


#: The lexicon score at which the lexicon baseline assigns a theme (and around which
#: ThemeClassifier's ``lexicon_blend`` squashes the score into [0, 1]).
LEXICON_THRESHOLD = 3.0


class LexiconClassifier(ThemeClassifierBase, BaseEstimator):
    """Transparent dictionary baseline: a theme is assigned when its lexicon score
    (summed weights of the distinct matched terms) reaches ``threshold``.

    Parameters
    ----------
    codebook : path or Codebook, optional
        The codebook whose themes and lexicon terms are used (a TOML file or a
        folder holding ``codebook.toml``); the bundled four-theme codebook by
        default.
    threshold : float, default 3.0
        Score needed for a theme.  3.0 is the weight of one "nearly decisive"
        term, or a strong plus a supportive term (see ``themes.toml``).

    Notes
    -----
    ``predict_proba`` returns ``sigmoid(score - threshold)``: a monotone
    score in [0, 1] that crosses 0.5 at the threshold, not a calibrated
    probability.  Nothing is learned; ``fit`` only loads the lexicon.

    Examples
    --------
    >>> LexiconClassifier().predict(["全面推行双随机一公开监管,开展行政检查"])
    [('行政执法',)]
    """

    def __init__(self, *, codebook=None, threshold: float = LEXICON_THRESHOLD):
        self.codebook = codebook
        self.threshold = threshold

    def __setstate__(self, state):
        state = dict(state)
        if "lexicon" in state and "codebook" not in state:  # before codebooks
            state["codebook"] = state.pop("lexicon")
        super().__setstate__(state)

    def __sklearn_is_fitted__(self) -> bool:
        return True  # nothing to learn

    def _codebook(self) -> Codebook:
        return getattr(self, "codebook_", None) or codebook_of(self.codebook)

    def _lex(self):
        return getattr(self, "lexicon_", None) or Lexicon.from_codebook(self._codebook())

    def _themes(self) -> tuple[str, ...]:
        return self._codebook().themes

    def _check_params(self):
        check_scalar(self.threshold, "threshold", (int, float, np.integer, np.floating))
        if not np.isfinite(self.threshold):
            raise ValueError(f"threshold must be a finite number, got {self.threshold!r}")

    def _tokens(self, texts):
        return [None] * len(texts)

    def fit(self, texts=None, labels=None, **_ignored) -> LexiconClassifier:
        """Load and check the codebook's lexicon; the labels are not used."""
        self._check_params()
        self.codebook_ = codebook_of(self.codebook)
        self.lexicon_ = Lexicon.from_codebook(self.codebook_)
        self.classes_ = np.array(self.codebook_.themes, dtype=object)
        return self

    def _fit_prepared(self, texts, tokens, labels, groups, exemplars, domains=None):
        return self.fit()

    def _thresholds(self):
        return np.full(len(self._themes()), 0.5)

    def scores(self, texts) -> pd.DataFrame:
        """Raw lexicon scores, one column per theme."""
        self._check_params()
        texts = check_texts(texts)
        return pd.DataFrame(self._lex().scores(texts), columns=list(self._themes()))

    def predict_proba(self, texts) -> pd.DataFrame:
        """``sigmoid(score - threshold)`` per theme (0.5 exactly at the threshold)."""
        scores = self.scores(texts)
        return scores.apply(lambda s: expit(s - self.threshold)).astype(float)

    def _proba_prepared(self, texts, tokens):
        return self.predict_proba(texts).to_numpy()

    def explain(self, text: str) -> pd.DataFrame:
        """The matched terms and their weights: columns ``theme, term, weight``."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a single str, got {type(text).__name__}")
        text = check_texts([text])[0]
        return pd.DataFrame(self._lex().explain(text), columns=["theme", "term", "weight"])

    def top_terms(self, n: int = 20) -> pd.DataFrame:
        """The ``n`` highest-weighted terms of each theme: ``theme, rank, term, weight``."""
        lex = self._lex()
        rows = []
        for j, theme in enumerate(lex.themes):
            order = sorted(range(len(lex)), key=lambda i: (-lex.weights[i, j], lex.terms[i]))
            for rank, i in enumerate(order[:n], 1):
                if lex.weights[i, j] > 0:
                    rows.append((theme, rank, lex.terms[i], float(lex.weights[i, j])))
        return pd.DataFrame(rows, columns=["theme", "rank", "term", "weight"])
