"""Grouped cross-validation of the theme classifiers on the real seed units.

Usage::

    python bench/classify_cv.py [--labels corpus/labels/seed_units.csv]
                                [--exemplars corpus/labels/exemplars_written.csv]
                                [--variants] [--cv 5]

Folds are grouped by ``report_id`` (with two reports: leave one report out).
Written exemplars are added to every training fold and never tested.  Prints
per-theme F1 with support, micro and macro F1 for the lexicon baseline and the
classifier; ``--variants`` also compares feature sets and settings (the
evidence behind the defaults in docs/classifier.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like standard-library modules: keep it off the import path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402

import pandas as pd  # noqa: E402

from nlp.classify import LexiconClassifier, ThemeClassifier, cv_comparison, format_cv_table  # noqa: E402  # noqa: E402
from nlp.classify.exemplars import load_exemplars  # noqa: E402
from nlp.labels import read_labels  # noqa: E402

ROOT = _HERE.parent

VARIANTS = {
    "default": {},
    "no exemplars": {"_no_exemplars": True},
    "no lexicon blend": {"lexicon_blend": 0.0},
    "lexicon_blend=0.3": {"lexicon_blend": 0.3},
    "lexicon_blend=0.7": {"lexicon_blend": 0.7},
    "+ lexicon features": {"lexicon_weight": 1.0},
    "+ lexicon features, no blend": {"lexicon_weight": 1.0, "lexicon_blend": 0.0},
    "no sentence pooling": {"sentence_pooling": False},
    "no exemplar mixing": {"exemplar_mixing": 0.0},
    "words only": {"char_weight": 0.0},
    "chars only": {"word_weight": 0.0},
    "lexicon features only": {"word_weight": 0.0, "char_weight": 0.0, "lexicon_weight": 1.0},
    "C=1": {"C": 1.0},
    "C=16": {"C": 16.0},
    "min_df=2": {"min_df": 2},
    "exemplar_weight=0.5": {"exemplar_weight": 0.5},
    "char 1-3": {"char_ngrams": (1, 3)},
    "class_weight=None": {"class_weight": None},
    "threshold_cv=3": {"threshold_cv": 3},
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, default=ROOT / "corpus/labels/seed_units.csv")
    ap.add_argument("--exemplars", type=Path,
                    default=ROOT / "corpus/labels/exemplars_written.csv")
    ap.add_argument("--cv", type=int, default=5)
    ap.add_argument("--random-state", type=int, default=0)
    ap.add_argument("--variants", action="store_true")
    ap.add_argument("--transfer", action="store_true",
                    help="also train on the exemplars alone and test on every real unit")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    df = read_labels(args.labels)
    texts, labels, groups = df["text"].tolist(), df["labels"].tolist(), df["report_id"].tolist()
    ex = load_exemplars(args.exemplars, texts) if args.exemplars.is_file() else None
    n_ex = 0 if ex is None else len(ex)
    print(f"real units: {len(texts)} in {len(set(groups))} reports; exemplars (training "
          f"folds only): {n_ex}")
    t0 = time.perf_counter()
    table = cv_comparison({
        "lexicon": LexiconClassifier().cross_validate(texts, labels, groups, cv=args.cv),
        "classifier": ThemeClassifier(random_state=args.random_state).cross_validate(
            texts, labels, groups, cv=args.cv, exemplars=ex),
    })
    print(format_cv_table(table))
    print(f"({time.perf_counter() - t0:.1f} s)")
    if args.transfer and ex is not None:
        model = ThemeClassifier(random_state=args.random_state).fit(ex["text"].tolist(),
                                                                    ex["labels"].tolist())
        print("\nTransfer: trained on the written exemplars only, tested on all real units")
        print(format_cv_table(cv_comparison({
            "lexicon": LexiconClassifier().evaluate(texts, labels),
            "exemplars-only": model.evaluate(texts, labels)})))
    if not args.variants:
        return 0
    rows = []
    for name, params in VARIANTS.items():
        params = dict(params)
        use_ex = None if params.pop("_no_exemplars", False) else ex
        t = ThemeClassifier(random_state=args.random_state, **params).cross_validate(
            texts, labels, groups, cv=args.cv, exemplars=use_ex).set_index("theme")["f1"]
        rows.append({"variant": name, **t.to_dict()})
    print("\nF1 by variant (grouped CV over real units):")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
