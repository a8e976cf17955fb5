"""Rebuild the shipped theme model ``models/themes`` from the bundled labels.

Usage: ``python bench/ship_model.py [--output models/themes]``

Trains on every real seed unit plus the written exemplars (training only),
records the grouped cross-validation table (lexicon vs classifier) and the
inter-pass agreement of the two labelling passes in the manifest and the card.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like standard-library modules: keep it off the import path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402

import pandas as pd  # noqa: E402

from nlp.classify import LexiconClassifier, format_cv_table, train_model  # noqa: E402
from nlp.labels import agreement  # noqa: E402

ROOT = _HERE.parent
LABELS = ROOT / "corpus/labels/seed_units.csv"
EXEMPLARS = ROOT / "corpus/labels/exemplars_written.csv"
PASSES = ROOT / "corpus/labels/passes"


def kappa_markdown() -> tuple[str, pd.DataFrame]:
    a = pd.read_csv(PASSES / "pass_a.csv", keep_default_na=False, dtype=str)
    b = pd.read_csv(PASSES / "pass_b.csv", keep_default_na=False, dtype=str)
    table = agreement(a["labels"], b["labels"])
    lines = ["## Agreement between the two labelling passes", "",
             f"The {len(a)} seed units were labelled twice, independently; per theme:", "",
             "| theme | positives A | positives B | raw agreement | Cohen's kappa | "
             "Krippendorff's alpha [95% bootstrap] | disagreements |",
             "|---|---|---|---|---|---|---|"]
    for r in table.to_dict(orient="records"):
        name = "all (label sets; kappa = mean)" if r["theme"] == "all" else r["theme"]
        lines.append(f"| {name} | {r['positives_a']} | {r['positives_b']} | "
                     f"{r['agreement']:.3f} | {r['kappa']:.3f} | {r['alpha']:.3f} "
                     f"[{r['alpha_ci_low']:.3f}, {r['alpha_ci_high']:.3f}] | "
                     f"{r['disagreements']} |")
    lines += ["", "Every disagreement was decided against the codebook; the reasons are in the "
              "`note` column of `corpus/labels/seed_units.csv`."]
    return "\n".join(lines), table


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", type=Path, default=ROOT / "models/themes")
    ap.add_argument("--cv", type=int, default=5)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    notes, kappa = kappa_markdown()
    model, table = train_model(LABELS, exemplars=EXEMPLARS, replace=True, cv=args.cv,
                               random_state=0)
    print(format_cv_table(table))
    lexicon_rows = table[table["model"] == "lexicon"][["theme", "f1"]]
    notes = ("Lexicon baseline F1 on the same folds: "
             + ", ".join(f"{t} {f:.3f}" for t, f in lexicon_rows.itertuples(index=False))
             + ".\n\n" + notes)
    training = {"labels_file": LABELS.name, "exemplars_file": EXEMPLARS.name,
                "inter_pass_kappa": {r["theme"]: r["kappa"]
                                     for r in kappa.to_dict(orient="records")}}
    dev = os.environ.get("FAZHI_DEVSET")
    if dev:  # the dev set of real pages: its text is outside the repo
        import runpy

        devset = runpy.run_path(str(_HERE / "devset.py"))
        report = devset["themes_report"](Path(dev), 1000, {
            "this model": model, "LexiconClassifier": LexiconClassifier().fit()})
        print(report)
        notes += ("\n\n## Measured on real pages of unseen agencies\n\nThe dev set of "
                  "`bench/devset.py` (real rule-of-law report pages by about 190 agencies of "
                  "many kinds, none in the training data; two independent labelling passes "
                  "reconciled against the codebook). Precision, recall and F1 per theme, "
                  "95% intervals by page bootstrap:\n\n```\n" + report + "\n```")
    shared = ROOT.parent / "shared" / "corpora" / "government_work_reports.jsonl"
    if shared.is_file():  # out of genre: State Council paragraphs, referenced by index
        import runpy

        own = runpy.run_path(str(_HERE / "own_codebook.py"))
        report = own["out_of_genre"](model)
        print(report)
        notes += ("\n\n## Text outside the genre\n\nThe model is written for rule-of-law "
                  "reports. A unit from another genre gets the themes its words suggest, "
                  "and mostly none (其他). `bench/own_codebook.py` measures it on paragraphs of "
                  "the State Council's government work reports:\n\n```\n" + report + "\n```")
    model.save(args.output, metrics=table[table["model"] == "classifier"], notes=notes,
               training=training)
    os.chmod(args.output, 0o755)
    print(f"saved {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
