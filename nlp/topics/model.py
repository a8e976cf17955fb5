"""Topic models for report units: LDA on gensim, as a scikit-learn estimator.

Researchers use LDA to see what reports talk about without a codebook, and how
that differs between agencies and years.  :class:`TopicModel` wraps gensim's
``LdaModel``: ``fit`` builds and filters the vocabulary and trains, ``transform``
gives document–topic proportions, :meth:`TopicModel.topic_table` ranks terms
by LDAvis relevance with a suggested label per topic.

Saved models hold only JSON and ``.npy`` arrays (never pickle), checked
against ``manifest.json`` before anything is read.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..errors import InputError
from ..persist import atomic_path
from ..resources import shipped_model_dir
from .engines import nmf_sstats, tomotopy_state
from .model_io import load_topic_model, save_topic_model
from .vocabulary import AUTO, vocabulary_filter

__all__ = ["TopicModel", "check_token_lists"]

log = logging.getLogger(__name__)

FORMAT = "fazhi-nlp/lda"
FORMAT_VERSION = 1
_COHERENCE = ("c_npmi", "c_v", "u_mass", "c_uci")
_INIT = ("nmf", "random")
_ENGINES = ("gensim", "tomotopy")


def check_token_lists(token_lists, name: str = "token_lists"):
    """Refuse what cannot be read twice or is not a list of token lists.

    Returns the input unchanged (a re-iterable: list, Series, ...).

    Raises
    ------
    TypeError
        For a bare ``str``, a one-shot generator or iterator, or a document that
        is a ``str`` instead of a list of tokens.

    Examples
    --------
    >>> check_token_lists([["依法", "行政"], ["普法", "宣传"]])
    [['依法', '行政'], ['普法', '宣传']]
    """
    if isinstance(token_lists, (str, bytes)):
        raise TypeError(f"{name} must be a list of token lists, not a single "
                        f"{type(token_lists).__name__}; tokenize first, e.g. "
                        "Tokenizer().pipe(texts)")
    if isinstance(token_lists, Iterator) or not isinstance(token_lists, Iterable):
        raise TypeError(f"{name} is read more than once, so a one-shot "
                        f"{type(token_lists).__name__} is refused; pass a list, "
                        "e.g. list(token_lists)")
    for i, doc in enumerate(token_lists):
        if isinstance(doc, (str, bytes)) or not isinstance(doc, Iterable):
            raise TypeError(f"{name}[{i}] must be a list of tokens (str), got "
                            f"{type(doc).__name__}; tokenize first, e.g. Tokenizer().pipe(texts)")
        if len(doc) and not isinstance(doc[0], str):
            raise TypeError(f"{name}[{i}] must hold str tokens, got {type(doc[0]).__name__}")
    return token_lists


def _check_param(name, value, ok: bool, allowed: str):
    if not ok:
        raise ValueError(f"{name} must be {allowed}, got {value!r}")


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_real(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _one_blas_thread():
    """LDA's per-document products are tiny: BLAS threads only add overhead (and
    stall badly on a busy machine), so fitting and inference use one."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


class TopicModel(TransformerMixin, BaseEstimator):
    """LDA topic model over token lists (gensim ``LdaModel``), scikit-learn style.

    Parameters
    ----------
    n_topics : int, default 10
        Number of topics k (see :func:`select_k`).
    random_state : int, RandomState or None
        Seeds every random step (NMF start, gensim's variational updates,
        ``transform``).  The same input and seed give the same topics.
    passes : int, default 3
        Passes of online variational Bayes over the corpus.
    iterations : int, default 10
        Most E-step iterations per document and pass.
    alpha : float, array, "symmetric", "asymmetric" or "auto", default "symmetric"
        Document–topic prior (gensim's ``alpha``).
    eta : float, array, "symmetric", "auto" or None, default None
        Topic–word prior (``None``: 1/k).
    no_below : "auto", int or float, default "auto"
        Keep words found in at least this many documents (an int), or this
        share of them (a float in (0, 1)).  ``"auto"``: 0.15 % of the
        documents, at least 2, and at least 5 from 1,000 documents up (see
        :func:`~nlp.topics.vocabulary_filter`).
    no_above : "auto" or float, default "auto"
        Keep words found in at most this share of the documents.  ``"auto"``:
        0.1 from 5,000 documents up, relaxed for smaller corpora up to 0.5.
        Dropping rare words and the generic words of every report (发展,
        建设...) makes topics far more coherent; the scaled defaults fit
        corpora from a few dozen to hundreds of thousands of units.
    keep_n : int, default 100000
        Keep at most this many words, the most frequent.
    chunksize : int, default 2000
        Documents per online update.
    decay, offset : float, default 0.5, 64.0
        Learning-rate schedule of online LDA: ``rho_t = (offset + t) ** -decay``.
        A large offset keeps more of the starting topics in the first updates.
    init : {"nmf", "random"}, default "nmf"
        Starting topics: a deterministic NMF of the TF-IDF matrix, or gensim's
        random start.
    gamma_threshold : float, default 1e-3
        E-step convergence threshold.
    engine : {"gensim", "tomotopy"}, default "gensim"
        ``"tomotopy"`` (optional package) trains by collapsed Gibbs sampling
        (500 sweeps, one thread; ``alpha``/``eta`` numbers or 0.1/0.01) and
        hands the topics to gensim: ``passes``, ``iterations`` of training and
        ``init`` are then unused.

    Attributes
    ----------
    model_ : gensim.models.LdaModel
    dictionary_ : gensim.corpora.Dictionary
    vocabulary_ : list of str
    components_ : ndarray (n_topics, n_terms)
        Topic–word probabilities.
    doc_topic_ : ndarray (n_docs, n_topics)
        Topic proportions of the training documents.
    labels_ : list of str
        A suggested short label per topic (top relevance terms).
    filter_ : dict
        The vocabulary filter used: ``no_below`` (documents), ``no_above``
        (share), ``keep_n``, ``n_docs``, ``n_terms`` (words kept), ``auto``
        (which were scaled) and ``summary`` (one line to print).

    Examples
    --------
    >>> docs = [["普法", "宣传", "法治"], ["行政", "执法", "监督"]] * 20
    >>> tm = TopicModel(n_topics=2, random_state=0, no_below=1, no_above=1.0).fit(docs)
    >>> sorted(tm.top_words(3)[0] + tm.top_words(3)[1]) == sorted(set(sum(docs[:2], [])))
    True
    >>> tm.transform([["普法", "宣传"]]).shape
    (1, 2)
    """

    def __init__(self, n_topics=10, *, random_state=None, passes=3, iterations=10,
                 alpha="symmetric", eta=None, no_below="auto", no_above="auto", keep_n=100_000,
                 chunksize=2000, decay=0.5, offset=64.0, init="nmf", gamma_threshold=1e-3,
                 engine="gensim"):
        self.n_topics = n_topics
        self.random_state = random_state
        self.passes = passes
        self.iterations = iterations
        self.alpha = alpha
        self.eta = eta
        self.no_below = no_below
        self.no_above = no_above
        self.keep_n = keep_n
        self.chunksize = chunksize
        self.decay = decay
        self.offset = offset
        self.init = init
        self.gamma_threshold = gamma_threshold
        self.engine = engine

    # ------------------------------------------------------------------ checks
    def _validate_params(self):
        pos_int = "a whole number >= 1"
        for name in ("n_topics", "passes", "iterations", "chunksize", "keep_n"):
            v = getattr(self, name)
            _check_param(name, v, _is_int(v) and v >= 1, pos_int)
        v = self.no_below
        _check_param("no_below", v, v == AUTO or (_is_int(v) and v >= 1) or
                     (_is_real(v) and not _is_int(v) and 0 < v < 1),
                     "'auto', a whole number >= 1 or a share in (0, 1)")
        v = self.no_above
        _check_param("no_above", v, v == AUTO or (_is_real(v) and 0 < v <= 1),
                     "'auto' or a fraction in (0, 1]")
        v = self.decay
        _check_param("decay", v, _is_real(v) and 0.5 <= v <= 1, "a number in [0.5, 1]")
        v = self.offset
        _check_param("offset", v, _is_real(v) and v >= 1, "a number >= 1")
        v = self.gamma_threshold
        _check_param("gamma_threshold", v, _is_real(v) and v > 0, "a number > 0")
        _check_param("init", self.init, self.init in _INIT, f"one of {_INIT}")
        _check_param("engine", self.engine, self.engine in _ENGINES, f"one of {_ENGINES}")
        for name, words in (("alpha", ("symmetric", "asymmetric", "auto")),
                            ("eta", ("symmetric", "auto"))):
            v = getattr(self, name)
            if isinstance(v, str):
                _check_param(name, v, v in words, f"a positive number, array or one of {words}")
            elif v is not None or name == "alpha":
                arr = np.asarray(v, dtype=float) if _is_real(v) or isinstance(
                    v, (list, tuple, np.ndarray)) else None
                _check_param(name, v, arr is not None and bool(np.all(arr > 0)),
                             f"a positive number, array or one of {words}")

    def _seeds(self) -> tuple[int, int]:
        rs = check_random_state(self.random_state)
        return int(rs.randint(2**31 - 1)), int(rs.randint(2**31 - 1))

    # ------------------------------------------------------------------ fitting
    def fit(self, token_lists, y=None, *, doc_ids=None):
        """Build and filter the vocabulary, then train LDA.

        Parameters
        ----------
        token_lists : list of list of str
            One token list per document (unit), e.g. ``Tokenizer().pipe(texts)``.
            Read more than once, so not a generator.
        y : ignored
        doc_ids : list, optional
            An id per document, returned by :meth:`representative_units`.

        Returns
        -------
        self
        """
        self._validate_params()
        with _one_blas_thread():
            return self._fit(token_lists, doc_ids)

    def _fit(self, token_lists, doc_ids):
        from gensim.corpora import Dictionary
        from gensim.models import LdaModel

        docs = check_token_lists(token_lists)
        if len(docs) == 0:
            raise InputError("token_lists is empty: nothing to fit")
        if doc_ids is not None and len(doc_ids) != len(docs):
            raise ValueError(f"doc_ids must have one id per document ({len(docs)}), "
                             f"got {len(doc_ids)}")
        dictionary = Dictionary(docs)
        vf = vocabulary_filter(len(docs), self.no_below, self.no_above, self.keep_n)
        dictionary.filter_extremes(no_below=vf["no_below"], no_above=vf["no_above"],
                                   keep_n=vf["keep_n"])
        if len(dictionary) == 0:
            raise InputError(f"no word is left after the vocabulary filter ({vf['summary']}); "
                             "lower no_below or raise no_above")
        if len(dictionary) < 5 * self.n_topics:
            log.warning("only %d terms are left after the vocabulary filter (%s) for %d topics; "
                        "lower no_below or raise no_above", len(dictionary), vf["summary"],
                        self.n_topics)
        log.debug("vocabulary filter: %s: %d terms", vf["summary"], len(dictionary))
        self.filter_ = {**vf, "n_terms": len(dictionary)}
        corpus = [dictionary.doc2bow(d) for d in docs]
        train = [c for c in corpus if c]
        seed_init, seed_lda = self._seeds()
        log.info("fitting LDA: %d topics, %d documents (%d non-empty), %d terms",
                 self.n_topics, len(corpus), len(train), len(dictionary))
        alpha = np.asarray(self.alpha, dtype=np.float32) if _is_real(self.alpha) or \
            isinstance(self.alpha, (list, tuple, np.ndarray)) else self.alpha
        eta = np.asarray(self.eta, dtype=np.float32) if _is_real(self.eta) or \
            isinstance(self.eta, (list, tuple, np.ndarray)) else self.eta
        lda = LdaModel(None, num_topics=self.n_topics, id2word=dictionary, alpha=alpha,
                       eta=eta, random_state=seed_lda, iterations=self.iterations,
                       gamma_threshold=self.gamma_threshold, chunksize=self.chunksize,
                       decay=self.decay, offset=self.offset, passes=self.passes,
                       eval_every=None, dtype=np.float32)
        if self.engine == "tomotopy":
            sstats, lda.alpha = tomotopy_state(
                docs, dictionary, self.n_topics, seed_lda,
                float(self.alpha) if _is_real(self.alpha) else 0.1,
                float(self.eta) if _is_real(self.eta) else 0.01)
            lda.state.sstats[...] = sstats
            lda.sync_state()
            self._set_fitted(lda, dictionary, seed_lda)
            return self._finish_fit(corpus, doc_ids)
        if self.init == "nmf":
            lda.state.sstats[...] = nmf_sstats(train, len(dictionary), self.n_topics, seed_init)
            lda.sync_state()
        lda.update(train, passes=self.passes, chunksize=self.chunksize, decay=self.decay,
                   offset=self.offset, iterations=self.iterations,
                   gamma_threshold=self.gamma_threshold)
        self._set_fitted(lda, dictionary, seed_lda)
        return self._finish_fit(corpus, doc_ids)

    def _finish_fit(self, corpus, doc_ids):
        self.doc_topic_ = self._infer(corpus)
        self.doc_lengths_ = np.array([sum(c for _, c in d) for d in corpus], dtype=np.int64)
        self.doc_ids_ = None if doc_ids is None else list(doc_ids)
        self.labels_ = self._make_labels()
        return self

    def _set_fitted(self, lda, dictionary, seed):
        self.model_ = lda
        self.dictionary_ = dictionary
        self.vocabulary_ = [dictionary[i] for i in range(len(dictionary))]
        self.components_ = np.asarray(lda.get_topics(), dtype=np.float64)
        self.term_frequency_ = np.array([dictionary.cfs.get(i, 0) for i in
                                         range(len(dictionary))], dtype=np.int64)
        self.transform_seed_ = seed

    def _infer(self, corpus, batch: int = 4096) -> np.ndarray:
        lda = self.model_
        lda.random_state = np.random.RandomState(self.transform_seed_)  # same answer each call
        out = np.empty((len(corpus), self.n_topics), dtype=np.float64)
        for start in range(0, len(corpus), batch):
            gamma, _ = lda.inference(corpus[start:start + batch])
            out[start:start + batch] = gamma
        empty = [i for i, d in enumerate(corpus) if not d]
        alpha = np.asarray(lda.alpha, dtype=np.float64)
        out[empty] = alpha
        return out / out.sum(axis=1, keepdims=True)

    def transform(self, token_lists) -> np.ndarray:
        """Topic proportions of each document, rows summing to 1.

        Documents with no word of the vocabulary get the prior mean.

        Examples
        --------
        >>> docs = [["普法", "宣传"], ["执法", "监督"]] * 10
        >>> tm = TopicModel(2, random_state=0, no_below=1, no_above=1.0).fit(docs)
        >>> tm.transform([["普法"]]).sum().round(6)
        np.float64(1.0)
        """
        check_is_fitted(self, "model_")
        docs = check_token_lists(token_lists)
        with _one_blas_thread():
            return self._infer([self.dictionary_.doc2bow(d) for d in docs])

    # ------------------------------------------------------------------ reading
    def top_words(self, n: int = 10) -> list[list[str]]:
        """The ``n`` most probable words of each topic."""
        check_is_fitted(self, "model_")
        order = np.argsort(-self.components_, axis=1, kind="stable")[:, :n]
        return [[self.vocabulary_[i] for i in row] for row in order]

    def _relevance(self, relevance: float) -> np.ndarray:
        phi = self.components_
        p_w = self.term_frequency_ / self.term_frequency_.sum()
        with np.errstate(divide="ignore"):
            return relevance * np.log(phi) + (1 - relevance) * np.log(phi / p_w)

    def _make_labels(self, n_words: int = 3) -> list[str]:
        rel = self._relevance(0.6)
        labels = []
        for k, row in enumerate(np.argsort(-rel, axis=1, kind="stable")):
            label = "·".join(self.vocabulary_[i] for i in row[:n_words])
            labels.append(label if label not in labels else f"{label} ({k})")
        return labels

    def topic_table(self, n: int = 10, relevance: float = 0.6) -> pd.DataFrame:
        """Top terms of each topic ranked by LDAvis relevance (Sievert & Shirley 2014).

        ``relevance * log p(w|k) + (1 - relevance) * log(p(w|k) / p(w))``: 1 ranks by
        probability, lower values favour words specific to the topic.

        Returns
        -------
        DataFrame
            One row per topic and rank: ``topic, label, share, rank, term,
            weight`` (p(w|k)), ``lift`` (p(w|k)/p(w)) and ``relevance``.
            ``share`` is the topic's mean proportion in the training documents.
        """
        check_is_fitted(self, "model_")
        _check_param("relevance", relevance, _is_real(relevance) and 0 <= relevance <= 1,
                     "a number in [0, 1]")
        _check_param("n", n, _is_int(n) and n >= 1, "a whole number >= 1")
        rel = self._relevance(relevance)
        p_w = self.term_frequency_ / self.term_frequency_.sum()
        share = self.doc_topic_.mean(axis=0)
        rows = []
        for k in range(self.n_topics):
            for rank, i in enumerate(np.argsort(-rel[k], kind="stable")[:n], 1):
                rows.append({"topic": k, "label": self.labels_[k], "share": share[k],
                             "rank": rank, "term": self.vocabulary_[i],
                             "weight": self.components_[k, i],
                             "lift": self.components_[k, i] / p_w[i],
                             "relevance": rel[k, i]})
        return pd.DataFrame(rows)

    def coherence(self, token_lists, measure: str = "c_npmi", *, topn: int = 10,
                  per_topic: bool = False):
        """Topic coherence of the top ``topn`` words on ``token_lists`` (gensim).

        ``c_npmi`` (normalised PMI in a 10-word sliding window, -1..1) and ``c_v``
        are the usual choices; higher is better.

        Returns
        -------
        float, or ndarray of one value per topic when ``per_topic``.
        """
        from gensim.models import CoherenceModel

        check_is_fitted(self, "model_")
        _check_param("measure", measure, measure in _COHERENCE, f"one of {_COHERENCE}")
        docs = check_token_lists(token_lists)
        cm = CoherenceModel(topics=self.top_words(topn), texts=docs,
                            dictionary=self.dictionary_, coherence=measure, topn=topn,
                            processes=1)
        values = np.asarray(cm.get_coherence_per_topic(), dtype=float)
        return values if per_topic else float(np.mean(values))

    def representative_units(self, k: int, n: int = 5) -> pd.DataFrame:
        """The ``n`` training documents where topic ``k`` has the largest share.

        Returns
        -------
        DataFrame
            ``doc`` (position in the training token lists), ``doc_id`` (when
            ids were given to :meth:`fit`) and ``share``, largest first.
        """
        check_is_fitted(self, "model_")
        _check_param("k", k, _is_int(k) and 0 <= k < self.n_topics,
                     f"a topic number in 0..{self.n_topics - 1}")
        _check_param("n", n, _is_int(n) and n >= 1, "a whole number >= 1")
        share = self.doc_topic_[:, k]
        order = np.argsort(-share, kind="stable")[:n]
        out = pd.DataFrame({"doc": order, "share": share[order]})
        if self.doc_ids_ is not None:
            out.insert(1, "doc_id", [self.doc_ids_[i] for i in order])
        return out

    def to_pyldavis(self, path) -> Path:
        """Write the interactive pyLDAvis HTML of the training documents.

        Needs the optional ``pyLDAvis`` (the ``notebooks`` extra).
        """
        check_is_fitted(self, "model_")
        try:
            import pyLDAvis
        except ImportError as exc:
            raise ImportError("to_pyldavis needs the optional package pyLDAvis: install "
                              "the notebooks extra (pip install '.[notebooks]' in a clone) "
                              "or pip install pyLDAvis") from exc
        keep = self.doc_lengths_ > 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vis = pyLDAvis.prepare(
                topic_term_dists=self.components_, doc_topic_dists=self.doc_topic_[keep],
                doc_lengths=self.doc_lengths_[keep], vocab=self.vocabulary_,
                term_frequency=self.term_frequency_, sort_topics=False, n_jobs=1,
                start_index=0)
        path = Path(path)
        with atomic_path(path) as tmp:
            pyLDAvis.save_html(vis, str(tmp))
        return path

    # ------------------------------------------------------------------ saving
    def save(self, path, *, notes: str = "") -> Path:
        """Save to a folder of JSON and ``.npy`` files with ``manifest.json`` and ``card.md``."""
        check_is_fitted(self, "model_")
        return save_topic_model(self, path, notes=notes)

    @classmethod
    def load(cls, path=None) -> TopicModel:
        """Load a saved model; ``None`` loads the shipped ``models/lda``.

        Every file is checked against ``manifest.json`` first.

        Raises
        ------
        ModelIntegrityError
            If there is no such folder, or a file was changed, is missing or is
            not of the expected kind.
        """
        return load_topic_model(cls, shipped_model_dir("lda") if path is None else Path(path))

