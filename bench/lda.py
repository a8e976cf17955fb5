"""Benchmark: nlp.TopicModel (gensim, defaults) against tomotopy's LDAModel, and
its default vocabulary filter from a few dozen to 400,000 documents.

Usage::

    python bench/lda.py [--corpus ../shared/corpora/government_work_reports.jsonl]
                        [--k 20] [--seed 0] [--iterations 500] [--twice]
                        [--scales 40,400,4000,40000,400000] [--sweep 400,600,1000,2000]

Four parts:

1. ``TopicModel(n_topics=k, random_state=seed)`` against tomotopy on the
   shared corpus (needs it and tomotopy; skipped with a message otherwise).
2. Defaults on the bundled corpus (45 units; needs only the repository):
   the filter chosen, the words kept, NPMI, ``select_k`` over k = 4..20.
3. ``--scales``: ``TopicModel(n_topics=k)`` with its defaults on corpora of
   those numbers of documents, made from the shared corpus's tokenized
   paragraphs: a random sample below its size, and above it paragraphs drawn
   with replacement, each keeping a random 80 % of its tokens (so no two are
   the same).  Prints the filter, the words kept, fit time, peak memory
   and NPMI (on at most 5,000 of the documents).
4. ``--sweep`` (off unless given): on random samples of those sizes of the
   shared paragraphs, the default filter against fixed alternatives
   (``no_below`` 2 or 5, ``no_above`` 0.1 or 0.2), mean NPMI over seeds 0-2
   at k = 10 and 20: how the constants of ``nlp/topics/vocabulary.py`` were
   checked.

Fairness (part 1), stated:

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
    ap.add_argument("--scales", default="40,400,1000,4000,40000",
                    help="numbers of documents for part 3, comma-separated ('' skips it; "
                         "default 40,400,1000,4000,40000)")
    ap.add_argument("--sweep", default="",
                    help="sample sizes for part 4, comma-separated (default: skipped)")
    args = ap.parse_args(argv)

    bundled_defaults()
    if not args.corpus.is_file():
        print(f"[SKIP] TopicModel vs tomotopy and the scaled corpora: need the shared corpus "
              f"{args.corpus} (72 State Council work reports, kept outside the repository), "
              "which is not there")
        return 0
    try:
        import tomotopy  # noqa: F401
    except ImportError:
        print("[SKIP] TopicModel vs tomotopy: needs the optional package tomotopy "
              "(pip install tomotopy, or the dev extra)")
        tokens = shared_tokens(args.corpus, not args.keep_boilerplate)[0]
    else:
        tokens = compare(args)
    scales = [int(x) for x in args.scales.split(",") if x.strip()]
    if scales:
        scaled(tokens, scales, args.k, args.seed)
    sweep_sizes = [int(x) for x in args.sweep.split(",") if x.strip()]
    if sweep_sizes:
        sweep(tokens, sweep_sizes)
    return 0


SWEEP = [("default (auto, auto)", {}), ("no_below=2", {"no_below": 2}),
         ("no_below=5", {"no_below": 5}), ("no_above=0.1", {"no_above": 0.1}),
         ("no_above=0.2", {"no_above": 0.2})]


def sweep(tokens, sizes: list[int], seeds=(0, 1, 2), ks=(10, 20)) -> None:
    """Part 4: the default filter against fixed ones on samples of the paragraphs."""
    import random

    from gensim.corpora import Dictionary

    import nlp

    print(f"\nfilter sweep: mean NPMI over seeds {seeds} (each seed its own random sample)")
    header = ["documents", "k"] + [name for name, _ in SWEEP]
    rows = []
    for n in sizes:
        for k in ks:
            scores: dict[str, list[float]] = {name: [] for name, _ in SWEEP}
            used = {}
            for seed in seeds:
                docs = [tokens[i] for i in sorted(random.Random(seed).sample(range(len(tokens)), n))]
                scoring = Dictionary(docs)
                for name, params in SWEEP:
                    tm = nlp.TopicModel(k, random_state=seed, **params).fit(docs)
                    scores[name].append(npmi(tm.top_words(10), docs, scoring)[0])
                    used[name] = f"{tm.filter_['no_below']}/{tm.filter_['no_above']:g}"
            rows.append([n, k] + [f"{np.mean(v):.3f} ({used[name]})" for name, v in scores.items()])
            print(f"  {n} documents, k={k} done", flush=True)
    width = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(str(c).rjust(w) for c, w in zip(r, width)))
    print("(cells: mean NPMI, then the no_below/no_above used)")


def shared_tokens(path: Path, drop_boilerplate: bool):
    import nlp

    t0 = time.perf_counter()
    texts, dropped = paragraphs(path, drop_boilerplate=drop_boilerplate)
    tokens = [t for t in nlp.Tokenizer().pipe(texts, progress=False) if t]
    return tokens, texts, dropped, time.perf_counter() - t0


def bundled_defaults() -> None:
    """Part 2: TopicModel and select_k with their defaults on the 45 bundled units."""
    from gensim.corpora import Dictionary

    import nlp

    units = nlp.load_corpus(ROOT / "corpus").units(progress=False)
    tokens = nlp.Tokenizer().pipe(units["text"].tolist(), progress=False)
    t0 = time.perf_counter()
    tm = nlp.TopicModel(n_topics=8, random_state=0).fit(tokens)
    took = time.perf_counter() - t0
    score = npmi(tm.top_words(10), tokens, Dictionary(tokens))[0]
    t0 = time.perf_counter()
    table = nlp.select_k(tokens, ks=range(4, 21, 2), seeds=(0, 1, 2), progress=False)
    took_k = time.perf_counter() - t0
    print(f"defaults on the bundled corpus ({len(tokens)} units): "
          f"TopicModel(n_topics=8) kept {tm.filter_['n_terms']} words with "
          f"{tm.filter_['summary']}; NPMI {score:.3f}; fit {took:.2f} s")
    print(f"  select_k(ks=4..20, seeds 0-2): {len(table)} rows in {took_k:.1f} s, best mean "
          f"NPMI {table['coherence_mean'].max():.3f} at k={int(table.loc[table['coherence_mean'].idxmax(), 'k'])}, "
          f"{table['n_terms'].iloc[0]:.0f} words per fit")
    print()


def scaled(tokens, sizes: list[int], k: int, seed: int) -> None:
    """Part 3: the default filter on corpora of ``sizes`` documents."""
    import random

    from gensim.corpora import Dictionary

    import nlp

    sys.path.insert(0, str(ROOT / "bench"))
    import _common as C

    rng = random.Random(seed)
    rows = []
    print(f"default vocabulary filter on corpora made from {len(tokens)} tokenized paragraphs "
          f"(k={k}, seed={seed}):")
    for n in sizes:
        if n <= len(tokens):
            docs = [tokens[i] for i in sorted(rng.sample(range(len(tokens)), n))]
        else:
            docs = []
            for _ in range(n):
                doc = tokens[rng.randrange(len(tokens))]
                docs.append([w for w in doc if rng.random() < 0.8] or doc[:1])
        t0 = time.perf_counter()
        try:
            tm = nlp.TopicModel(n_topics=k, random_state=seed).fit(docs)
        except nlp.InputError as exc:
            rows.append([n, "-", "-", "-", "failed", "", "", str(exc)[:60]])
            continue
        took = time.perf_counter() - t0
        scored = docs if n <= 5000 else [docs[i] for i in rng.sample(range(n), 5000)]
        f = tm.filter_
        rows.append([n, f["no_below"], f["no_above"], f["n_terms"], f"{took:.1f}",
                     f"{npmi(tm.top_words(10), scored, Dictionary(scored))[0]:.3f}",
                     f"{C.peak_rss_mb():.0f}", ""])
        print(f"  {n} documents: {f['summary']}, {f['n_terms']} words, {took:.1f} s", flush=True)
        del docs, tm
    print(C.table(rows, ["documents", "no_below", "no_above", "words kept", "fit s", "NPMI",
                         "peak RSS MB", "error"]))
    ok = all(r[4] != "failed" and r[3] >= 5 * k for r in rows)
    print(f"[{'PASS' if ok else 'FAIL'}] defaults fit every size: "
          f"{', '.join(str(r[0]) for r in rows)} documents, each with >= {5 * k} words kept")


def compare(args):
    """Part 1: TopicModel against tomotopy on the shared corpus; returns the tokens."""
    import gensim
    import tomotopy as tp
    from gensim.corpora import Dictionary

    import nlp

    tokens, texts, dropped, took = shared_tokens(args.corpus, not args.keep_boilerplate)
    print(f"corpus: {args.corpus.name}: {len(texts)} paragraphs ({dropped} boilerplate lines "
          f"repeated in 3+ reports dropped), {len(tokens)} with tokens, "
          f"{sum(map(len, tokens))} tokens (tokenized in {took:.1f} s)")
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
    print(f"vocabulary filter: {tm.filter_['summary']}, {tm.filter_['n_terms']} words kept")
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
    print()
    return tokens


if __name__ == "__main__":
    sys.exit(main())
