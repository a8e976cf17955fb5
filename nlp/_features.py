"""Features for the theme classifiers: the weighted lexicon and the TF-IDF feature space.

The lexicon (``nlp/resources/themes.toml``) gives each theme a weighted term
list written from the codebook.  A unit's score for a theme is the sum of the
weights of the distinct terms that occur in it as substrings (overlapping
terms each count once; negative terms subtract).

:class:`FeatureSpace` turns texts into one sparse matrix: TF-IDF over the
project tokenizer's words, TF-IDF over character n-grams (which still see words
the tokenizer has never met), and the four lexicon scores.  Tokenizing is kept
apart from weighting: texts are tokenized once and the word vectorizer takes
token lists.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from .errors import InputError
from .labels import THEMES

__all__ = ["Lexicon", "load_lexicon", "FeatureSpace", "identity", "split_passages",
           "blend_lexicon", "mix_exemplars"]

log = logging.getLogger(__name__)


_SENTENCE_END = re.compile(r"(?<=[。；;！!？?])")


def split_passages(text: str, min_chars: int = 40) -> list[str]:
    """Split a unit into passages: sentences, joined until each has ``min_chars``.

    Examples
    --------
    >>> split_passages("开展宪法宣传周活动,覆盖全区学校。" * 3, min_chars=20)
    ['开展宪法宣传周活动,覆盖全区学校。开展宪法宣传周活动,覆盖全区学校。', '开展宪法宣传周活动,覆盖全区学校。']
    """
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()]
    out: list[str] = []
    buf = ""
    for p in parts:
        buf += p
        if len(buf) >= min_chars:
            out.append(buf)
            buf = ""
    if buf:
        if out and len(buf) < min_chars // 2:
            out[-1] += buf
        else:
            out.append(buf)
    return out


def identity(tokens):
    """Analyzer for already tokenized documents: the token list itself."""
    return tokens


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
    from .tokenize import bundled_resource

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
    vote = 1.0 / (1.0 + np.exp(-(lexicon.scores(texts) - threshold)))
    return (1.0 - weight) * proba + weight * vote


def mix_exemplars(texts, tokens, labels, *, ratio: float, random_state=None):
    """Add ``ratio`` x n joined pairs of exemplars, labelled with the union of their themes.

    Written exemplars are short and mostly about one theme; real units are
    longer and often touch several.  Joined pairs teach a model that a theme in
    one part of a long unit still counts.  Returns new lists (texts, tokens, labels).

    Examples
    --------
    >>> t, _, lab = mix_exemplars(["宪法宣传", "一网通办"], [["宪法"], ["一网通办"]],
    ...                           [("普法宣传",), ("放管服",)], ratio=0.0)
    >>> len(t)
    2
    """
    k = int(round(float(ratio) * len(texts)))
    if k == 0 or len(texts) < 2:
        return list(texts), list(tokens), list(labels)
    rng = np.random.default_rng(random_state)
    pairs = rng.choice(len(texts), size=(k, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    mixed_labels = [tuple(t for t in THEMES if t in set(labels[a]) | set(labels[b]))
                    for a, b in pairs]
    return (list(texts) + [texts[a] + texts[b] for a, b in pairs],
            list(tokens) + [tokens[a] + tokens[b] for a, b in pairs],
            list(labels) + mixed_labels)


class FeatureSpace:
    """Word TF-IDF + character n-gram TF-IDF + lexicon scores, as one sparse matrix.

    Parameters
    ----------
    word_weight, char_weight, lexicon_weight : float
        Multipliers of the three blocks (0 leaves a block out).
    char_ngrams : (int, int)
        Character n-gram range.
    min_df : int
        Minimum document frequency of a word or n-gram.
    lexicon : Lexicon or None
        Required when ``lexicon_weight > 0``.
    lexicon_scale : float
        Lexicon scores ``s`` enter as ``sign(s) * log(1 + |s| / lexicon_scale)``,
        so long units that match many terms do not swamp the other blocks.
    """

    def __init__(self, *, word_weight=1.0, char_weight=1.0, lexicon_weight=1.0,
                 char_ngrams=(2, 3), min_df=1, lexicon=None, lexicon_scale=3.0):
        self.word_weight = float(word_weight)
        self.char_weight = float(char_weight)
        self.lexicon_weight = float(lexicon_weight)
        self.char_ngrams = tuple(char_ngrams)
        self.min_df = int(min_df)
        self.lexicon = lexicon
        self.lexicon_scale = float(lexicon_scale)
        self.word_vec = None
        self.char_vec = None

    # skops would store a fitted vectorizer's vocabulary dict node by node (tens of MB);
    # keep the vocabulary and idf as two arrays instead and rebuild the vectorizers.
    def __getstate__(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("word_vec", "char_vec")}
        for name in ("word_vec", "char_vec"):
            vec = self.__dict__.get(name)
            if vec is None:
                state[name] = None
                continue
            terms = vec.get_feature_names_out()
            state[name] = {"terms": np.asarray(terms, dtype=str),
                           "idf": np.asarray(vec.idf_, dtype=float)}
        return state

    def __setstate__(self, state):
        state = dict(state)
        packed = {name: state.pop(name, None) for name in ("word_vec", "char_vec")}
        self.__dict__.update(state)
        for name, data in packed.items():
            vec = None
            if isinstance(data, dict):
                vec = self._vectorizer("word" if name == "word_vec" else "char")
                vec.vocabulary = {str(t): i for i, t in enumerate(data["terms"])}
                vec._validate_vocabulary()
                vec.idf_ = np.asarray(data["idf"], dtype=float)
            setattr(self, name, vec)

    def _vectorizer(self, kind: str) -> TfidfVectorizer:
        if kind == "word":
            return TfidfVectorizer(analyzer=identity, sublinear_tf=True, min_df=self.min_df,
                                   lowercase=False)
        return TfidfVectorizer(analyzer="char", ngram_range=self.char_ngrams, sublinear_tf=True,
                               min_df=self.min_df, lowercase=False)

    def fit(self, texts, tokens) -> FeatureSpace:
        if self.word_weight:
            self.word_vec = self._vectorizer("word").fit(tokens)
        if self.char_weight:
            self.char_vec = self._vectorizer("char").fit(texts)
        if self.lexicon_weight and self.lexicon is None:
            raise ValueError("lexicon_weight > 0 needs a lexicon")
        return self

    def transform(self, texts, tokens) -> sp.csr_matrix:
        blocks = []
        if self.word_vec is not None:
            blocks.append(self.word_vec.transform(tokens) * self.word_weight)
        if self.char_vec is not None:
            blocks.append(self.char_vec.transform(texts) * self.char_weight)
        if self.lexicon_weight:
            lex = self.lexicon.scores(texts)
            lex = np.sign(lex) * np.log1p(np.abs(lex) / self.lexicon_scale)
            blocks.append(sp.csr_matrix(lex * self.lexicon_weight))
        if not blocks:
            raise ValueError("every feature block is switched off")
        return sp.hstack(blocks, format="csr")

    def feature_names(self) -> tuple[np.ndarray, np.ndarray]:
        """Names and kinds (``word``/``char``/``lexicon``) of every column."""
        names, kinds = [], []
        if self.word_vec is not None:
            w = self.word_vec.get_feature_names_out()
            names.append(w)
            kinds.append(np.full(len(w), "word", dtype=object))
        if self.char_vec is not None:
            c = self.char_vec.get_feature_names_out()
            names.append(c)
            kinds.append(np.full(len(c), "char", dtype=object))
        if self.lexicon_weight:
            names.append(np.array([f"lexicon:{t}" for t in THEMES], dtype=object))
            kinds.append(np.full(len(THEMES), "lexicon", dtype=object))
        return (np.concatenate(names).astype(object), np.concatenate(kinds))

    def block_weights(self) -> np.ndarray:
        """The multiplier applied to each column (for explanations)."""
        out = []
        if self.word_vec is not None:
            out.append(np.full(len(self.word_vec.vocabulary_), self.word_weight))
        if self.char_vec is not None:
            out.append(np.full(len(self.char_vec.vocabulary_), self.char_weight))
        if self.lexicon_weight:
            out.append(np.full(len(THEMES), self.lexicon_weight))
        return np.concatenate(out)
