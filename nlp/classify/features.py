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
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer

__all__ = ["FeatureSpace", "NgramCounter", "TokenCounter", "identity", "split_passages"]

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


_WHITE_SPACES = re.compile(r"\s\s+")  # what scikit-learn's char analyzer folds to " "
_MAX_CODE = 1 << 19  # code points below this fit three to a 61-bit key


class NgramCounter:
    """Counts of a fitted vocabulary's character n-grams (n <= 3), computed with numpy.

    scikit-learn's ``CountVectorizer`` counts character n-grams in a Python loop
    (its ``_char_ngrams`` and ``_count_vocab``), which dominated labelling time.
    Here each n-gram of every text becomes one integer key (code points packed
    21 bits apart) and is looked up in a hash index of the vocabulary keys at once; the
    counts are exactly scikit-learn's (the same white-space folding, the same
    n-grams), so the features and predictions are unchanged.  Texts with code
    points beyond U+7FFFF, or n > 3, fall back to scikit-learn's counting (also when
    ``vectorizer`` is a ``TfidfVectorizer``: the result is always raw counts).

    Examples
    --------
    >>> from sklearn.feature_extraction.text import CountVectorizer
    >>> texts = ["依法行政  依法治国", "一网通办"]
    >>> vec = CountVectorizer(analyzer="char", ngram_range=(2, 3), lowercase=False).fit(texts)
    >>> (NgramCounter(vec).transform(texts) != vec.transform(texts)).nnz
    0
    """

    def __init__(self, vectorizer):
        self.vectorizer = vectorizer
        self.ngram_range = tuple(vectorizer.ngram_range)
        terms = vectorizer.get_feature_names_out()
        self.usable = self.ngram_range[1] <= 3 and all(
            ord(c) < _MAX_CODE for t in terms for c in t)
        if self.usable:
            keys = np.array([self._key(t) for t in terms], dtype=np.uint64)
            columns = np.array([vectorizer.vocabulary_[t] for t in terms], dtype=np.int64)
            # a hash index (pandas): a lookup per n-gram costs about half a binary search
            self.index = pd.Index(keys)
            self.columns = columns

    @staticmethod
    def _key(term: str) -> int:
        key = 0
        for c in term:
            key = (key << 21) | ord(c)
        return key | ((3 - len(term)) << 61)  # the length tags 1- and 2-grams apart

    def _fallback(self, texts) -> sp.csr_matrix:
        # CountVectorizer's own transform: counts, not the TF-IDF weights a
        # TfidfVectorizer's transform would return
        X = CountVectorizer.transform(self.vectorizer, texts).astype(np.int64)
        X.sort_indices()
        return X

    def transform(self, texts) -> sp.csr_matrix:
        if not self.usable:
            return self._fallback(texts)
        # fold white space runs as scikit-learn does; most batches have none to fold
        docs = ([_WHITE_SPACES.sub(" ", t) for t in texts]
                if _WHITE_SPACES.search("\x00".join(texts)) else list(texts))
        lens = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        codes = np.frombuffer("".join(docs).encode("utf-32-le"), dtype=np.uint32)
        n_vocab = len(self.vectorizer.vocabulary_)
        if len(codes) and int(codes.max()) >= _MAX_CODE:
            return self._fallback(texts)
        codes = codes.astype(np.uint64)
        doc_of = np.repeat(np.arange(len(docs)), lens)
        ends = np.cumsum(lens)[doc_of] if len(docs) else np.zeros(0, dtype=np.int64)
        rows, cols = [], []
        pos = np.arange(len(codes))
        for n in range(self.ngram_range[0], self.ngram_range[1] + 1):
            ok = pos + n <= ends  # the n-gram lies within its text
            start = pos[ok]
            key = np.zeros(len(start), dtype=np.uint64)
            for k in range(n):
                key = (key << np.uint64(21)) | codes[start + k]
            key |= np.uint64((3 - n) << 61)
            at = self.index.get_indexer(key)
            hit = at >= 0
            rows.append(doc_of[start][hit])
            cols.append(self.columns[at[hit]])
        rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        X = sp.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, cols)),
                          shape=(len(docs), n_vocab))
        X.sum_duplicates()
        X.sort_indices()
        return X


class TokenCounter:
    """Counts of a fitted vocabulary's words in token lists: one flat dictionary lookup and
    a sparse matrix, instead of scikit-learn's per-document counting loop.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import CountVectorizer
    >>> docs = [["依法", "行政", "依法"], ["一网通办"]]
    >>> vec = CountVectorizer(analyzer=identity).fit(docs)
    >>> (TokenCounter(vec).transform(docs) != vec.transform(docs)).nnz
    0
    """

    def __init__(self, vectorizer):
        self.vectorizer = vectorizer

    def transform(self, token_lists) -> sp.csr_matrix:
        vocab = self.vectorizer.vocabulary_
        lens = [len(doc) for doc in token_lists]
        idx = np.fromiter((vocab.get(t, -1) for doc in token_lists for t in doc),
                          dtype=np.int64, count=sum(lens))
        rows = np.repeat(np.arange(len(token_lists)), lens)
        keep = idx >= 0
        X = sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.int64), (rows[keep], idx[keep])),
                          shape=(len(token_lists), len(vocab)))
        X.sum_duplicates()
        X.sort_indices()
        return X


def _tfidf(vectorizer, counts: sp.csr_matrix) -> sp.csr_matrix:
    """The fitted TfidfVectorizer's weighting applied to counts made elsewhere."""
    t = TfidfTransformer(norm=vectorizer.norm, use_idf=vectorizer.use_idf,
                         smooth_idf=vectorizer.smooth_idf, sublinear_tf=vectorizer.sublinear_tf)
    t.idf_ = vectorizer.idf_
    if counts.shape[0] == 0:  # scikit-learn refuses an empty batch
        return sp.csr_matrix(counts.shape, dtype=np.float64)
    return t.transform(counts.astype(np.float64), copy=False)


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
        state = {k: v for k, v in self.__dict__.items()
                 if k not in ("word_vec", "char_vec", "_counter_cache")}
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
        self._counter_cache = None
        if self.word_weight:
            self.word_vec = self._vectorizer("word").fit(tokens)
        if self.char_weight:
            self.char_vec = self._vectorizer("char").fit(texts)
        if self.lexicon_weight and self.lexicon is None:
            raise ValueError("lexicon_weight > 0 needs a lexicon")
        return self

    def _counters(self):
        if getattr(self, "_counter_cache", None) is None:
            self._counter_cache = (TokenCounter(self.word_vec) if self.word_vec is not None
                                   else None,
                                   NgramCounter(self.char_vec) if self.char_vec is not None
                                   else None)
        return self._counter_cache

    def counts(self, texts, tokens) -> list[sp.csr_matrix]:
        """The raw count blocks (words, then character n-grams), before any weighting."""
        words, chars = self._counters()
        blocks = []
        if self.word_vec is not None:
            blocks.append(words.transform(tokens))
        if self.char_vec is not None:
            blocks.append(chars.transform(texts))
        return blocks

    def weigh(self, blocks, texts) -> sp.csr_matrix:
        """TF-IDF weighting of :meth:`counts` blocks, block weights, the lexicon block."""
        out = []
        blocks = list(blocks)
        if self.word_vec is not None:
            out.append(_tfidf(self.word_vec, blocks.pop(0)) * self.word_weight)
        if self.char_vec is not None:
            out.append(_tfidf(self.char_vec, blocks.pop(0)) * self.char_weight)
        if self.lexicon_weight:
            lex = self.lexicon.scores(texts)
            lex = np.sign(lex) * np.log1p(np.abs(lex) / self.lexicon_scale)
            out.append(sp.csr_matrix(lex * self.lexicon_weight))
        if not out:
            raise ValueError("every feature block is switched off")
        return sp.hstack(out, format="csr")

    def transform(self, texts, tokens) -> sp.csr_matrix:
        """The feature matrix of texts and their token lists."""
        return self.weigh(self.counts(texts, tokens), texts)

    def transform_pooled(self, texts, tokens, pieces, piece_tokens, owner, spelled
                         ) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Features of units and of their passages, counting each passage once.

        A unit that its passages spell out (``spelled[i]``: the passages joined
        are the unit, and its tokens are theirs in order) gets its counts as
        the sum of its passages' counts plus the character n-grams that cross
        a passage boundary; other units are counted directly.  The counts, and
        so the features, are exactly those of :meth:`transform`.

        Parameters
        ----------
        texts, tokens : the units and their token lists (unused for spelled units)
        pieces, piece_tokens : the passages and their token lists
        owner : sequence of int
            The unit of each passage; a unit's passages are consecutive, in order.
        spelled : sequence of bool
            One flag per unit.
        """
        n = len(texts)
        owner = np.asarray(owner, dtype=np.int64)
        spelled = np.asarray(spelled, dtype=bool)
        direct = np.flatnonzero(~spelled)
        joined = np.flatnonzero(spelled)
        piece_counts = self.counts(pieces, piece_tokens)
        direct_counts = self.counts([texts[i] for i in direct], [tokens[i] for i in direct])
        # passages -> spelled units
        row_of = np.full(n, -1, dtype=np.int64)
        row_of[joined] = np.arange(len(joined))
        mine = row_of[owner] >= 0 if len(owner) else np.zeros(0, dtype=bool)
        S = sp.csr_matrix((np.ones(int(mine.sum())), (row_of[owner[mine]], np.flatnonzero(mine))),
                          shape=(len(joined), len(pieces)))
        summed = [(S @ block).astype(np.int64) for block in piece_counts]
        if self.char_vec is not None and len(joined):
            summed[-1] = summed[-1] + self._crossing(pieces, owner, row_of, len(joined))
        out = []
        for d_block, s_block in zip(direct_counts, summed):
            X = sp.vstack([d_block, s_block], format="csr")
            X = X[np.argsort(np.concatenate([direct, joined]), kind="stable")]
            X.eliminate_zeros()
            X.sum_duplicates()
            X.sort_indices()
            out.append(X)
        return self.weigh(out, texts), self.weigh(piece_counts, pieces)

    def _crossing(self, pieces, owner, row_of, n_rows) -> sp.csr_matrix:
        """Counts of the character n-grams that cross a boundary between two passages of
        one unit: those of the boundary's few characters on each side, minus those that
        lie wholly on one side (white space is folded as the counter folds it)."""
        _, chars = self._counters()
        m = self.char_ngrams[1] - 1
        same = (owner[1:] == owner[:-1]) & (row_of[owner[1:]] >= 0)
        ks = np.flatnonzero(same)
        left = [_WHITE_SPACES.sub(" ", pieces[k])[-m:] for k in ks]
        right = [_WHITE_SPACES.sub(" ", pieces[k + 1])[:m] for k in ks]
        cross = (chars.transform([a + b for a, b in zip(left, right)])
                 - chars.transform(left) - chars.transform(right))
        B = sp.csr_matrix((np.ones(len(ks)), (row_of[owner[ks]], np.arange(len(ks)))),
                          shape=(n_rows, len(ks)))
        return (B @ cross).astype(np.int64)

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
            themes = self.lexicon.themes
            names.append(np.array([f"lexicon:{t}" for t in themes], dtype=object))
            kinds.append(np.full(len(themes), "lexicon", dtype=object))
        return (np.concatenate(names).astype(object), np.concatenate(kinds))

    def block_weights(self) -> np.ndarray:
        """The multiplier applied to each column (for explanations)."""
        out = []
        if self.word_vec is not None:
            out.append(np.full(len(self.word_vec.vocabulary_), self.word_weight))
        if self.char_vec is not None:
            out.append(np.full(len(self.char_vec.vocabulary_), self.char_weight))
        if self.lexicon_weight:
            out.append(np.full(len(self.lexicon.themes), self.lexicon_weight))
        return np.concatenate(out)
