"""Throughput of the theme classifiers: units per second for predict and predict_proba.

Usage: ``python bench/classify.py [--model DIR] [--n 2000] [--repeat 3]``

Texts: paragraphs of the shared corpus of State Council work reports
(``../shared/corpora/government_work_reports.jsonl``; the bundled seed units
when it is absent), ``--n`` of them.  Prints the best of ``--repeat`` runs for
the shipped ThemeClassifier (with and without sentence pooling) and the lexicon
baseline, and the ratios between them; then, on the same texts in the same run
(median of ``--repeat``), the shipped model against what a user would write
instead: ``TfidfVectorizer(analyzer="char", ngram_range=(2, 3))`` and one-vs-rest
``LogisticRegression`` trained on the same labels and exemplars.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like standard-library modules: keep it off the import path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

ROOT = _HERE.parent
GOV_REPORTS = ROOT.parent / "shared" / "corpora" / "government_work_reports.jsonl"


def texts_for_bench(n: int) -> tuple[list[str], str]:
    if GOV_REPORTS.is_file():
        paras = []
        with open(GOV_REPORTS, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    paras.extend(p.strip() for p in json.loads(line)["content"].split("\n")
                                 if len(p.strip()) >= 20)
        step = max(1, len(paras) // n)
        return paras[::step][:n], f"{GOV_REPORTS.name} paragraphs"
    from nlp.labels import read_labels

    seed = read_labels(ROOT / "corpus/labels/seed_units.csv")["text"].tolist()
    return (seed * (n // len(seed) + 1))[:n], "seed units (shared corpus absent)"


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    from sklearn.base import clone  # noqa: F401  (import cost outside the timings)

    from nlp.classify import LexiconClassifier, ThemeClassifier

    texts, source = texts_for_bench(args.n)
    chars = sum(map(len, texts))
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, load {os.getloadavg()[0]:.1f}")
    print(f"{len(texts)} texts from {source}, mean {chars / len(texts):.0f} characters")
    model = ThemeClassifier.load(args.model)
    flat = ThemeClassifier.load(args.model).set_params(sentence_pooling=False)
    lexicon = LexiconClassifier().fit()
    model.predict_proba(texts[:10])  # warm up: dictionary loading is not throughput
    flat.predict_proba(texts[:10])
    rows = []
    for name, clf in [("ThemeClassifier", model), ("ThemeClassifier, no pooling", flat),
                      ("LexiconClassifier", lexicon)]:
        tp = best_of(lambda c=clf: c.predict_proba(texts), args.repeat)
        tq = best_of(lambda c=clf: c.predict(texts), args.repeat)
        rows.append((name, len(texts) / tp, len(texts) / tq))
    print(f"{'model':<30} {'predict_proba u/s':>18} {'predict u/s':>12}")
    for name, a, b in rows:
        print(f"{name:<30} {a:>18.0f} {b:>12.0f}")
    base = rows[0]
    print("ratios: predict/predict_proba time = "
          f"{base[1] / base[2]:.2f}; pooling costs x{rows[1][1] / base[1]:.2f} in time; "
          f"lexicon is x{rows[2][1] / base[1]:.1f} faster than the classifier")
    plain_vs_shipped(texts, model, args.repeat)
    same_as_direct(texts, model)
    return 0


def same_as_direct(texts, model) -> None:
    """The shipped model's probabilities against those of counting every unit and every
    passage directly (how units were featurised before passages were counted once)."""
    import numpy as np
    from scipy.special import expit

    from nlp.classify.inputs import check_texts

    texts = check_texts(texts)
    fast = model.predict_proba(texts).to_numpy()
    core = (model.features_, model.estimators_, model.priors_)
    feats = model.features_
    tokens = model._tokens(texts)
    d = model._scores(core, feats.transform(texts, tokens))
    pieces, owner, _ = model._passages(texts)
    ds = model._scores(core, feats.transform(pieces, model._tokens(pieces)))
    for k, i in enumerate(owner):
        d[i] = np.maximum(d[i], ds[k])
    direct = model._blend(expit(model.calibration_[:, 0] * d + model.calibration_[:, 1]),
                          texts)
    same = np.array_equal(model.decide(fast), model.decide(direct))
    print(f"predictions identical to counting every unit and passage directly: "
          f"{'yes' if same else 'NO'} (labels of {len(texts)} texts; largest probability "
          f"difference {np.abs(fast - direct).max():.1e})")


def plain_vs_shipped(texts, model, repeat: int) -> None:
    """The shipped model against a plain char TF-IDF + one-vs-rest logistic regression."""
    import statistics

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    from nlp.classify.training import bundled_training_files
    from nlp.codebook import label_matrix
    from nlp.labels import read_labels

    seed, ex = bundled_training_files()
    train = [read_labels(seed), read_labels(ex)]
    train_texts = [t for df in train for t in df["text"]]
    y = label_matrix([lab for df in train for lab in df["labels"]])
    plain = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(2, 3)),
                          OneVsRestClassifier(LogisticRegression(max_iter=1000)))
    plain.fit(train_texts, y)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6

    def median_time(fn):
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    t_plain = median_time(lambda: plain.predict(texts))
    t_model = median_time(lambda: model.predict(texts))
    print(f"same {len(texts)} texts ({mb:.2f} MB), median of {repeat}: plain char TF-IDF + "
          f"one-vs-rest LR {mb / t_plain:.2f} MB/s; shipped ThemeClassifier "
          f"{mb / t_model:.2f} MB/s; ratio shipped/plain = {t_plain / t_model:.2f}")


if __name__ == "__main__":
    sys.exit(main())
