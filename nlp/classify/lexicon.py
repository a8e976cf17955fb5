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
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.utils import check_scalar

from ..codebook import THEMES
from ..errors import InputError
from ..resources import bundled_resource
from .base import ThemeClassifierBase
from .inputs import check_texts

__all__ = ["Lexicon", "load_lexicon", "default_lexicon_path", "blend_lexicon",
           "LexiconClassifier", "LEXICON_THRESHOLD"]

log = logging.getLogger(__name__)


def _toml():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib


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
    >>> float(scores[0, THEMES.index("行政执法")]) > 0
    True
    """

    def __init__(self, terms, weights, themes=THEMES):
        self.terms = tuple(terms)
        self.weights = np.asarray(weights, dtype=float)
        self.themes = tuple(themes)
        self._index = None

    def __getstate__(self):
        return {"terms": list(self.terms), "weights": self.weights, "themes": list(self.themes)}

    def __setstate__(self, state):
        self.terms = tuple(state["terms"])
        self.weights = np.asarray(state["weights"], dtype=float)
        self.themes = tuple(state["themes"])
        self._index = None

    def __len__(self) -> int:
        return len(self.terms)

    def _by_bigram(self) -> dict[str, list[int]]:
        if self._index is None:
            index: dict[str, list[int]] = {}
            for i, term in enumerate(self.terms):
                index.setdefault(term[:2], []).append(i)
            self._index = index
        return self._index

    def matches(self, text: str) -> list[int]:
        """Indices of the distinct terms occurring in ``text``."""
        index = self._by_bigram()
        found = []
        for bigram in {text[i:i + 2] for i in range(len(text) - 1)} & index.keys():
            found.extend(i for i in index[bigram] if self.terms[i] in text)
        return sorted(found)

    def scores(self, texts) -> np.ndarray:
        """Array (n_texts, n_themes) of summed weights of the matched terms."""
        out = np.zeros((len(texts), len(self.themes)))
        for row, text in enumerate(texts):
            hit = self.matches(text)
            if hit:
                out[row] = self.weights[hit].sum(axis=0)
        return out

    def explain(self, text: str) -> list[tuple[str, str, float]]:
        """``(theme, term, weight)`` for every matched term, strongest first."""
        rows = []
        for i in self.matches(text):
            for j, theme in enumerate(self.themes):
                if self.weights[i, j]:
                    rows.append((theme, self.terms[i], float(self.weights[i, j])))
        return sorted(rows, key=lambda r: (self.themes.index(r[0]), -abs(r[2]), r[1]))


_CACHE: dict[tuple[str, float], Lexicon] = {}


def default_lexicon_path() -> Path:
    """The bundled ``themes.toml``."""
    return bundled_resource("themes.toml")


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """Read a ``themes.toml`` lexicon (the bundled one by default).

    Raises
    ------
    InputError
        Naming the file, for unreadable TOML, an unknown theme, a term shorter
        than two characters or a weight that is not a number.
    """
    path = Path(path) if path is not None else default_lexicon_path()
    try:
        key = (str(path.resolve()), path.stat().st_mtime)
    except OSError as exc:
        raise InputError(f"cannot read lexicon: {exc.strerror or exc}", path=path) from exc
    if key in _CACHE:
        return _CACHE[key]
    try:
        data = _toml().loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"the lexicon is not valid TOML: {exc}", path=path) from exc
    themes = data.get("themes")
    if not isinstance(themes, dict) or not themes:
        raise InputError("the lexicon has no [themes.\"<name>\"] tables", path=path)
    weights: dict[str, np.ndarray] = {}
    for name, table in themes.items():
        if name not in THEMES:
            raise InputError(f"unknown theme {name!r} in the lexicon; themes are "
                             f"{', '.join(THEMES)}", path=path)
        j = THEMES.index(name)
        for part in ("terms", "negative"):
            for term, w in (table.get(part) or {}).items():
                if len(term) < 2:
                    raise InputError(f"term {term!r} of {name} is shorter than 2 characters",
                                     path=path)
                if isinstance(w, bool) or not isinstance(w, (int, float)) or math.isnan(w):
                    raise InputError(f"weight of {term!r} ({name}) must be a number, got {w!r}",
                                     path=path)
                weights.setdefault(term, np.zeros(len(THEMES)))[j] += float(w)
    terms = sorted(weights)
    lex = Lexicon(terms, np.array([weights[t] for t in terms]), THEMES)
    _CACHE[key] = lex
    log.debug("lexicon %s: %d terms", path, len(lex))
    return lex


def blend_lexicon(proba, lexicon, texts, weight: float, threshold: float) -> np.ndarray:
    """``(1 - weight) * proba + weight * sigmoid(lexicon_score - threshold)``, per theme.

    The lexicon term is the lexicon baseline's own vote, squashed into [0, 1]
    around its threshold; ``weight`` 0 returns ``proba`` unchanged.

    Examples
    --------
    >>> p = blend_lexicon(np.zeros((1, 4)), load_lexicon(), ["开展宪法宣传周活动"], 0.5, 3.0)
    >>> bool(p[0, THEMES.index("普法宣传")] > p[0, THEMES.index("放管服")])
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
    lexicon : path, optional
        A ``themes.toml`` file; the bundled lexicon by default.
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

    def __init__(self, *, lexicon=None, threshold: float = LEXICON_THRESHOLD):
        self.lexicon = lexicon
        self.threshold = threshold

    def __sklearn_is_fitted__(self) -> bool:
        return True  # nothing to learn

    def _lex(self):
        return getattr(self, "lexicon_", None) or load_lexicon(self.lexicon)

    def _check_params(self):
        check_scalar(self.threshold, "threshold", (int, float, np.integer, np.floating))
        if not np.isfinite(self.threshold):
            raise ValueError(f"threshold must be a finite number, got {self.threshold!r}")

    def _tokens(self, texts):
        return [None] * len(texts)

    def fit(self, texts=None, labels=None, **_ignored) -> LexiconClassifier:
        """Load and check the lexicon; the labels are not used."""
        self._check_params()
        self.lexicon_ = load_lexicon(self.lexicon)
        self.themes_ = THEMES
        return self

    def _fit_prepared(self, texts, tokens, labels, groups, exemplars):
        return self.fit()

    def _thresholds(self):
        return np.full(len(THEMES), 0.5)

    def scores(self, texts) -> pd.DataFrame:
        """Raw lexicon scores, one column per theme."""
        self._check_params()
        texts = check_texts(texts)
        return pd.DataFrame(self._lex().scores(texts), columns=list(THEMES))

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
        for j, theme in enumerate(THEMES):
            order = sorted(range(len(lex)), key=lambda i: (-lex.weights[i, j], lex.terms[i]))
            for rank, i in enumerate(order[:n], 1):
                if lex.weights[i, j] > 0:
                    rows.append((theme, rank, lex.terms[i], float(lex.weights[i, j])))
        return pd.DataFrame(rows, columns=["theme", "rank", "term", "weight"])
