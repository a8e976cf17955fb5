"""Benchmark: nlp.TopicModel (gensim, defaults) against tomotopy's LDAModel.

Usage::

    python bench/lda.py [--corpus ../shared/corpora/government_work_reports.jsonl]
                        [--k 20] [--seed 0] [--iterations 500] [--twice]

Fairness, stated:

* Same tokens: every paragraph (a non-blank line of ``content``) of every report,
  tokenized once with ``nlp.Tokenizer()`` (bundled dictionary and stopwords);
  paragraphs with no token left are dropped, for both models.  Lines found
  verbatim in 3+ reports are dropped too (``--keep-boilerplate`` keeps them):
  they are Wikisource's licence notice, repeated ~60 times, and would give
  any model that isolates them a few near-perfect but meaningless "topics".
* Same k (20), one seed for both, both on this machine's cores (tomotopy uses
  all of them by default; gensim's LdaModel runs in one process).
* Wall time: ``TopicModel(n_topics=k, random_state=seed).fit(tokens)`` with its
  defaults (vocabulary building included) against ``tp.LDAModel(k=k, seed=seed)``
  + ``add_doc`` per paragraph + ``train(500)``.
* Quality: NPMI (gensim ``CoherenceModel``, ``coherence="c_npmi"``: 10-word
  sliding window) of each model's top-10 words by probability, scored on the
  same texts (all paragraphs) with one dictionary built from those texts without
  any filter, so it covers both models' top words.  The dictionary only maps
  words to ids: co-occurrence counts come from the full texts, so the score does
  not depend on either model's own vocabulary filter.

Prints one run; ratios are gensim / tomotopy.  tomotopy is a benchmark
dependency only (``pip install tomotopy``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "government_work_reports.jsonl"


def paragraphs(path: Path, drop_boilerplate: bool = True) -> tuple[list[str], int]:
    """Non-blank lines of every report's ``content``; with ``drop_boilerplate``,
    without lines found verbatim in 3+ reports (the Wikisource licence notice:
    "Public domain", "中华人民共和国著作权法"...).  Returns (paragraphs, dropped)."""
    reports = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                content = json.loads(line).get("content") or ""
                reports.append([p.strip() for p in content.split("\n") if p.strip()])
    seen = Counter(p for rep in reports for p in set(rep))
    out = [p for rep in reports for p in rep
           if not (drop_boilerplate and seen[p] >= 3)]
    return out, sum(map(len, reports)) - len(out)


def npmi(topics: list[list[str]], texts, dictionary) -> tuple[float, np.ndarray]:
    from gensim.models import CoherenceModel

    cm = CoherenceModel(topics=topics, texts=texts, dictionary=dictionary,
                        coherence="c_npmi", topn=10, processes=1)
    per = np.asarray(cm.get_coherence_per_topic())
    return float(per.mean()), per


def fit_gensim(tokens, k: int, seed: int):
    import nlp

    t0, c0 = time.perf_counter(), time.process_time()
    tm = nlp.TopicModel(n_topics=k, random_state=seed).fit(tokens)
    return tm, time.perf_counter() - t0, time.process_time() - c0


ABLATION = [  # from gensim's own defaults to TopicModel's, one change at a time
    ("gensim defaults (random start)", dict(no_below=5, no_above=0.5, passes=1, iterations=50,
                                            offset=1.0, init="random")),
    ("+ 3 passes x 10 iterations", dict(no_below=5, no_above=0.5, offset=1.0, init="random")),
    ("+ vocabulary 10 docs..10%", dict(offset=1.0, init="random")),
    ("+ NMF start", dict(offset=1.0)),
    ("+ offset 64 (= defaults)", dict()),
]


def fit_tomotopy(tokens, k: int, seed: int, iterations: int):
    import tomotopy as tp

    t0, c0 = time.perf_counter(), time.process_time()
    mdl = tp.LDAModel(k=k, seed=seed)
    for doc in tokens:
        mdl.add_doc(doc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "may differ if workers != 1"
        mdl.train(iterations)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    top = [[w for w, _ in mdl.get_topic_words(t, top_n=10)] for t in range(k)]
    return top, elapsed, cpu


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--iterations", type=int, default=500, help="tomotopy iterations")
    ap.add_argument("--keep-boilerplate", action="store_true",
                    help="keep lines repeated verbatim in 3+ reports (licence notices)")
    ap.add_argument("--twice", action="store_true",
                    help="fit TopicModel a second time and check the topics are identical")
    ap.add_argument("--show", action="store_true", help="print every topic's top words")
    ap.add_argument("--same-vocab", action="store_true",
                    help="also train tomotopy on TopicModel's filtered vocabulary")
    ap.add_argument("--engine-tomotopy", action="store_true",
                    help="also fit TopicModel(engine='tomotopy') (Gibbs, one thread)")
    ap.add_argument("--ablation", action="store_true",
                    help="also fit TopicModel from gensim's defaults towards its own, one "
                         "setting at a time")
    args = ap.parse_args(argv)

    import gensim
    import tomotopy as tp
    from gensim.corpora import Dictionary

    import nlp

    t0 = time.perf_counter()
    texts, dropped = paragraphs(args.corpus, drop_boilerplate=not args.keep_boilerplate)
    tokens = [t for t in nlp.Tokenizer().pipe(texts, progress=False) if t]
    print(f"corpus: {args.corpus.name}: {len(texts)} paragraphs ({dropped} boilerplate lines "
          f"repeated in 3+ reports dropped), {len(tokens)} with tokens, "
          f"{sum(map(len, tokens))} tokens (tokenized in {time.perf_counter() - t0:.1f} s)")
    print(f"k={args.k} seed={args.seed} cores={os.cpu_count()} gensim {gensim.__version__}, "
          f"tomotopy {tp.__version__} ({tp.isa}), tomotopy train({args.iterations})")
    defaults = {k: v for k, v in nlp.TopicModel().get_params().items()
                if k not in ("n_topics", "random_state")}
    print(f"TopicModel defaults: {defaults}")

    load = os.getloadavg()[0]
    top_tp, time_tp, cpu_tp = fit_tomotopy(tokens, args.k, args.seed, args.iterations)
    tm, time_gs, cpu_gs = fit_gensim(tokens, args.k, args.seed)
    top_gs = tm.top_words(10)

    scoring = Dictionary(tokens)  # unfiltered: covers both models' top words
    npmi_gs, per_gs = npmi(top_gs, tokens, scoring)
    npmi_tp, per_tp = npmi(top_tp, tokens, scoring)

    print()
    print(f"{'model':<26}{'NPMI':>8}{'min topic':>11}{'wall s':>9}{'CPU s':>8}")
    print(f"{'tomotopy LDAModel':<26}{npmi_tp:>8.4f}{per_tp.min():>11.3f}{time_tp:>9.2f}"
          f"{cpu_tp:>8.2f}")
    print(f"{'nlp.TopicModel (gensim)':<26}{npmi_gs:>8.4f}{per_gs.min():>11.3f}{time_gs:>9.2f}"
          f"{cpu_gs:>8.2f}")
    print(f"ratios gensim/tomotopy: NPMI {npmi_gs / npmi_tp:.2f}x, wall time "
          f"{time_gs / time_tp:.2f}x, CPU time {cpu_gs / cpu_tp:.2f}x "
          f"(goal: NPMI >= 1.00x in <= 2.00x time; load average before: {load:.1f})")
    ok = npmi_gs >= npmi_tp and time_gs <= 2 * time_tp
    print(f"goal met: {'yes' if ok else 'no'}")
    if args.twice:
        again = fit_gensim(tokens, args.k, args.seed)[0]
        same = again.top_words(10) == top_gs and np.array_equal(again.components_,
                                                                 tm.components_)
        print(f"deterministic (second fit, same seed, identical topics): {same}")
    if args.same_vocab:
        vocab = tm.dictionary_.token2id
        filtered = [[w for w in doc if w in vocab] for doc in tokens]
        top_f, time_f, _ = fit_tomotopy([d for d in filtered if d], args.k, args.seed,
                                     args.iterations)
        print(f"tomotopy on TopicModel's vocabulary ({len(vocab)} terms): NPMI "
              f"{npmi(top_f, tokens, scoring)[0]:.4f}, {time_f:.2f} s")
    if args.engine_tomotopy:
        t0 = time.perf_counter()
        m = nlp.TopicModel(n_topics=args.k, random_state=args.seed, engine="tomotopy").fit(tokens)
        print(f"TopicModel(engine='tomotopy'): NPMI {npmi(m.top_words(10), tokens, scoring)[0]:.4f}"
              f", {time.perf_counter() - t0:.2f} s")
    if args.ablation:
        print("\nablation (gensim engine; NPMI, fit seconds):")
        for name, params in ABLATION:
            t0 = time.perf_counter()
            m = nlp.TopicModel(n_topics=args.k, random_state=args.seed, **params).fit(tokens)
            took = time.perf_counter() - t0
            print(f"  {name:<34}{npmi(m.top_words(10), tokens, scoring)[0]:>8.4f}{took:>8.2f}")
    if args.show:
        for name, tops, per in (("tomotopy", top_tp, per_tp), ("gensim", top_gs, per_gs)):
            print(f"\n{name} topics (NPMI, top 10 words)")
            for c, words in zip(per, tops):
                print(f"  {c:+.3f} {' '.join(words)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
