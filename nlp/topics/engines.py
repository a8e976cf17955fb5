"""Starting points and alternative engines for :class:`nlp.topics.TopicModel`.

``nmf_sstats`` gives gensim's ``LdaModel`` a deterministic start (NMF of the
TF-IDF matrix); ``tomotopy_state`` trains with tomotopy's collapsed Gibbs
sampler (the optional ``engine="tomotopy"``) and returns the result as gensim
sufficient statistics, so transform, saving and everything else stay gensim.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

__all__ = ["nmf_sstats", "tomotopy_state", "TOMOTOPY_ITERATIONS"]

log = logging.getLogger(__name__)

_NMF_ITER = 50
#: Gibbs sweeps of ``engine="tomotopy"`` (tomotopy's usual 500 is also the benchmark's).
TOMOTOPY_ITERATIONS = 500


def _bow_matrix(corpus, n_terms: int):
    import scipy.sparse as sp

    lengths = [len(d) for d in corpus]
    rows = np.repeat(np.arange(len(corpus)), lengths)
    cols = np.fromiter((i for d in corpus for i, _ in d), dtype=np.int64, count=sum(lengths))
    vals = np.fromiter((c for d in corpus for _, c in d), dtype=np.float64, count=sum(lengths))
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(corpus), n_terms))


def nmf_sstats(corpus, n_terms: int, k: int, seed: int) -> np.ndarray:
    """Deterministic starting topics: NMF (NNDSVD start) of the TF-IDF matrix,
    scaled to expected word counts, as LDA sufficient statistics."""
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.preprocessing import normalize

    counts = _bow_matrix(corpus, n_terms)
    df = np.bincount(counts.indices, minlength=n_terms)
    idf = np.log(counts.shape[0] / np.maximum(df, 1)) + 1.0
    x = normalize(counts.multiply(idf).tocsr())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        nmf = NMF(k, init="nndsvd", max_iter=_NMF_ITER, random_state=seed)
        w = nmf.fit_transform(x)
    h = nmf.components_ + 1e-12
    h /= h.sum(axis=1, keepdims=True)
    mass = w.sum(axis=0) + 1e-12
    mass = mass / mass.sum() * counts.sum()
    return h * mass[:, None]


def tomotopy_state(docs, dictionary, k: int, seed: int, alpha: float, eta: float):
    """Train tomotopy's ``LDAModel`` on ``docs`` restricted to ``dictionary``.

    One worker, so the same seed gives the same topics.  Returns ``(sstats,
    alpha)``: topic–word counts in ``dictionary``'s id order and tomotopy's
    (optimised) document–topic prior.
    """
    try:
        import tomotopy as tp
    except ImportError as exc:
        raise ImportError("engine='tomotopy' needs the optional package tomotopy: "
                          "pip install tomotopy") from exc
    vocab = dictionary.token2id
    mdl = tp.LDAModel(k=k, alpha=alpha, eta=eta, seed=seed)
    for doc in docs:
        words = [w for w in doc if w in vocab]
        if words:
            mdl.add_doc(words)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mdl.train(TOMOTOPY_ITERATIONS, workers=1)
    cols = np.array([vocab[w] for w in mdl.used_vocabs])
    counts = np.asarray(mdl.get_count_by_topics(), dtype=np.float64)
    sstats = np.zeros((k, len(dictionary)))
    for t in range(k):
        dist = np.asarray(mdl.get_topic_word_dist(t, normalize=False), dtype=np.float64)
        sstats[t, cols] = dist[: len(cols)]
    # unnormalised distributions are counts + eta: keep the counts only
    sstats = np.maximum(sstats - eta, 0.0)
    scale = counts / np.maximum(sstats.sum(axis=1), 1e-12)
    log.info("tomotopy: %d sweeps, log-likelihood per word %.3f", TOMOTOPY_ITERATIONS,
             mdl.ll_per_word)
    return sstats * scale[:, None], np.asarray(mdl.alpha, dtype=np.float32)
