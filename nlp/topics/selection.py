"""Choosing the number of topics.

:func:`select_k` fits one :class:`~nlp.topics.TopicModel` per k and seed and
reports coherence (mean and spread over seeds) and stability (how well topics
match between runs), as a DataFrame that ``nlp.plots.plot_coherence`` draws.
"""

from __future__ import annotations

import itertools
import logging
import time

import numpy as np
import pandas as pd

from .model import TopicModel, check_token_lists

__all__ = ["select_k", "topic_stability"]

log = logging.getLogger(__name__)


def topic_stability(words_a: list[list[str]], words_b: list[list[str]]) -> float:
    """Mean Jaccard overlap of top words after matching topics one-to-one.

    Topics of two runs are paired by the Hungarian algorithm to maximise the
    total overlap; 1 means the same topics, 0 nothing in common.

    Examples
    --------
    >>> topic_stability([["普法", "宣传"], ["执法", "监督"]],
    ...                 [["执法", "监督"], ["普法", "法治"]])
    0.6666666666666666
    """
    from scipy.optimize import linear_sum_assignment

    sa, sb = [set(w) for w in words_a], [set(w) for w in words_b]
    sim = np.array([[len(a & b) / len(a | b) if a | b else 1.0 for b in sb] for a in sa])
    rows, cols = linear_sum_assignment(-sim)
    return float(sim[rows, cols].mean())


def select_k(token_lists, ks=range(4, 21, 2), seeds=(0, 1, 2), *, measure: str = "c_npmi",
             topn: int = 10, sample: float = 0.8, progress: bool | None = None,
             **model_params) -> pd.DataFrame:
    """Coherence and stability of topic models for each number of topics k.

    Parameters
    ----------
    token_lists : list of list of str
        Not a generator (each fit reads it).
    ks : iterable of int
        Numbers of topics to try.
    seeds : iterable of int
        One fit per seed and k; at least two for stability.  A seed sets the
        model's ``random_state`` and which documents it sees (``sample``).
    measure : {"c_npmi", "c_v", "u_mass", "c_uci"}
        Coherence measure, computed on ``token_lists``.
    topn : int
        Top words per topic for coherence and stability.
    sample : float, default 0.8
        Fraction of the documents each fit sees, drawn at random per seed
        (Greene et al. 2014): stability then measures how much the topics
        depend on the particular documents, not only on the seed, which
        matters because the NMF start is deterministic.  1.0 fits on all.
    progress : bool or None
        tqdm bar (``None``: only on a terminal).
    **model_params
        Passed to :class:`~nlp.topics.TopicModel` (not ``n_topics`` or
        ``random_state``).

    Returns
    -------
    DataFrame
        One row per k: ``k, coherence_mean, coherence_std, stability_mean,
        stability_std, n_seeds, seconds`` (mean fit time), and the vocabulary
        filter the fits used, ``no_below, no_above, n_terms`` (mean terms kept;
        see :func:`~nlp.topics.vocabulary_filter`).  Prefer a k with high
        coherence *and* stability; both are guides, not a verdict.

    Examples
    --------
    >>> docs = [["普法", "宣传", "法治"], ["行政", "执法", "监督"]] * 20
    >>> table = select_k(docs, ks=[2, 3], seeds=(0, 1), no_below=1, no_above=1.0,
    ...                  progress=False)
    >>> table.columns.tolist()[:3]
    ['k', 'coherence_mean', 'coherence_std']
    """
    from gensim.corpora import Dictionary
    from gensim.models import CoherenceModel
    from tqdm.auto import tqdm

    docs = check_token_lists(token_lists)
    ks, seeds = [int(k) for k in ks], [int(s) for s in seeds]
    if not ks or min(ks) < 1:
        raise ValueError(f"ks must be a non-empty list of whole numbers >= 1, got {ks!r}")
    if not seeds:
        raise ValueError("seeds must hold at least one seed, got none")
    if not 0 < sample <= 1:
        raise ValueError(f"sample must be a fraction in (0, 1], got {sample!r}")
    for bad in ("n_topics", "random_state"):
        if bad in model_params:
            raise ValueError(f"{bad} is set by select_k (from ks and seeds); remove it")
    runs, filters = {}, {}
    disable = None if progress is None else not progress
    with tqdm(total=len(ks) * len(seeds), desc="select_k", unit="fit", disable=disable) as bar:
        subsets = {}
        for seed in seeds:
            n = len(docs)
            take = np.sort(np.random.RandomState(seed).permutation(n)[:max(1, round(sample * n))])
            subsets[seed] = docs if sample == 1 else [docs[i] for i in take]
        for k, seed in itertools.product(ks, seeds):
            t0 = time.perf_counter()
            tm = TopicModel(k, random_state=seed, **model_params).fit(subsets[seed])
            runs[k, seed] = (tm.top_words(topn), time.perf_counter() - t0)
            filters[k, seed] = tm.filter_
            bar.update()
    first = filters[ks[0], seeds[0]]
    log.info("select_k: vocabulary filter %s", first["summary"])
    # one coherence pass over all the texts for the topics of every run; the
    # dictionary only maps words to ids, so an unfiltered one covers every run
    dictionary = Dictionary(docs)
    all_topics = [t for words, _ in runs.values() for t in words]
    cm = CoherenceModel(topics=all_topics, texts=docs, dictionary=dictionary,
                        coherence=measure, topn=topn, processes=1)
    per_topic = iter(cm.get_coherence_per_topic())
    coh = {key: float(np.mean([next(per_topic) for _ in words]))
           for key, (words, _) in runs.items()}
    rows = []
    for k in ks:
        c = np.array([coh[k, s] for s in seeds])
        stab = np.array([topic_stability(runs[k, a][0], runs[k, b][0])
                         for a, b in itertools.combinations(seeds, 2)])
        rows.append({"k": k, "coherence_mean": c.mean(),
                     "coherence_std": c.std(ddof=1) if len(c) > 1 else np.nan,
                     "stability_mean": stab.mean() if len(stab) else np.nan,
                     "stability_std": stab.std(ddof=1) if len(stab) > 1 else np.nan,
                     "n_seeds": len(seeds),
                     "seconds": float(np.mean([runs[k, s][1] for s in seeds])),
                     "no_below": filters[k, seeds[0]]["no_below"],
                     "no_above": filters[k, seeds[0]]["no_above"],
                     "n_terms": float(np.mean([filters[k, s]["n_terms"] for s in seeds]))})
    return pd.DataFrame(rows)
