"""The TF-IDF feature space of the trained theme classifier, and passages of a unit.

:class:`FeatureSpace` turns texts into one sparse matrix: TF-IDF over the
project tokenizer's words, TF-IDF over character n-grams (which still see words
the tokenizer has never met), and optionally the lexicon scores.  Tokenizing is
kept apart from weighting: texts are tokenized once and the word vectorizer
takes token lists.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from ..codebook import THEMES

__all__ = ["FeatureSpace", "identity", "split_passages"]

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
