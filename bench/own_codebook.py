"""A codebook of one's own, end to end: two themes (生态环境保护, 安全生产) on the
State Council work reports of the shared corpus.

The codebook (``bench/codebooks/eco_safety/codebook.md`` and ``codebook.toml``)
was written before any unit was labelled.  Units are paragraphs of the shared
corpus, referenced by report index and paragraph index with a hash of their
text (``units.csv``); their text is never copied into the repository.  Each unit
was labelled twice, independently, under that codebook and under the default
four-theme codebook; ``labels.csv`` holds both passes and the reconciled labels.

Commands::

    python bench/own_codebook.py select      # (re)draw the units -> units.csv
    python bench/own_codebook.py export DIR  # unit texts for labelling (outside the repo)
    python bench/own_codebook.py             # the benchmark (needs ../shared)

The benchmark reports inter-coder agreement, grouped cross-validation by report
(lexicon against the trained model) for the two-theme codebook, what the
default model says about these out-of-genre paragraphs, and runs ``fazhi
report`` on the reports with the two-theme model.
"""

from __future__ import annotations

import csv
import hashlib
import re
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, check, corpus_records, machine, table  # noqa: E402

HERE = Path(__file__).resolve().parent / "codebooks" / "eco_safety"
UNITS = HERE / "units.csv"
LABELS = HERE / "labels.csv"
CODEBOOK = HERE / "codebook.toml"

# sampling strata: keyword lists for drawing units, deliberately broader than the lexicon
_ECO = ("生态", "环境", "污染", "节能", "减排", "绿色", "碳", "环保", "森林", "草原", "湿地",
        "大气", "水质", "能耗", "排放")
_SAFETY = ("安全生产", "煤矿", "事故", "矿山", "危险化学品", "消防", "应急", "食品", "药品",
           "质量", "安全")
_DRAW = {"eco": 90, "safety": 80, "other": 70}
# a second draw, after the first pass found few 安全生产 units: narrower keywords
_SAFETY2 = ("安全生产", "煤矿", "事故", "矿山", "危险化学品", "消防", "食品安全", "药品安全",
            "食品药品", "产品质量", "假冒伪劣")
_ECO2 = ("污染", "节能", "减排", "生态", "环保", "排放")
_DRAW2 = {"safety2": 70, "eco2": 30}


def paragraphs(content: str) -> list[str]:
    """The report's units: its non-blank lines, stripped (zero-width spaces too)."""
    out = []
    for line in content.split("\n"):
        line = re.sub(r"[\u200b\ufeff]", "", line).strip()
        if line:
            out.append(line)
    return out


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def reports() -> list[tuple[int, dict]]:
    """(index in the jsonl, record) of the work reports proper (those with a year)."""
    return [(i, r) for i, r in enumerate(corpus_records()) if r.get("year")]


def cmd_select(seed: int = 20261202) -> int:
    rng = np.random.default_rng(seed)
    pool = {"eco": [], "safety": [], "other": []}
    records_by_index = dict(reports())
    for i, rec in reports():
        for j, p in enumerate(paragraphs(rec["content"])):
            if not 30 <= len(p) <= 1200:
                continue
            stratum = ("eco" if any(k in p for k in _ECO) else
                       "safety" if any(k in p for k in _SAFETY) else "other")
            pool[stratum].append((i, j, rec["year"], text_hash(p), stratum))
    rows = []
    for stratum, n in _DRAW.items():
        picks = rng.choice(len(pool[stratum]), size=n, replace=False)
        rows.extend(pool[stratum][k] for k in sorted(picks))
    taken = {(r[0], r[1]) for r in rows}
    pool2 = {"safety2": [], "eco2": []}
    for stratum in pool.values():
        for i, j, year, h, _ in stratum:
            if (i, j) in taken:
                continue
            text_of = paragraphs(records_by_index[i]["content"])[j]
            name = ("safety2" if any(k in text_of for k in _SAFETY2) else
                    "eco2" if any(k in text_of for k in _ECO2) else None)
            if name:
                pool2[name].append((i, j, year, h, name))
    for stratum, n in _DRAW2.items():
        picks = rng.choice(len(pool2[stratum]), size=n, replace=False)
        rows.extend(pool2[stratum][k] for k in sorted(picks))
    rows.sort()
    with open(UNITS, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["report", "paragraph", "year", "hash", "stratum"])
        w.writerows(rows)
    print(f"wrote {len(rows)} units to {UNITS} "
          f"({', '.join(f'{k} {len(v)}' for k, v in {**pool, **pool2}.items())} in the pools)")
    return 0


def read_units() -> list[dict]:
    """The units with their text, checked against the recorded hashes."""
    records = corpus_records()
    out = []
    with open(UNITS, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            i, j = int(row["report"]), int(row["paragraph"])
            text = paragraphs(records[i]["content"])[j]
            if text_hash(text) != row["hash"]:
                raise SystemExit(f"{UNITS}: report {i} paragraph {j} has changed "
                                 "(hash mismatch); is this the same shared corpus?")
            out.append({**row, "uid": f"{i}-{j}", "text": text,
                        "title": records[i]["title"]})
    return out


def cmd_export(folder: str) -> int:
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    units = read_units()
    with open(path / "units.tsv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t")
        w.writerow(["uid", "year", "text"])
        for u in units:
            w.writerow([u["uid"], u["year"], u["text"]])
    print(f"wrote {len(units)} unit texts to {path / 'units.tsv'}")
    return 0


def read_labelled() -> tuple[list[dict], pd.DataFrame]:
    """The units (with text) and their labels: both passes and the reconciled labels."""
    units = {u["uid"]: u for u in read_units()}
    labels = pd.read_csv(LABELS, dtype=str, keep_default_na=False)
    labels["uid"] = labels["report"] + "-" + labels["paragraph"]
    missing = [u for u in labels["uid"] if u not in units]
    if missing:
        raise SystemExit(f"{LABELS}: units not in {UNITS}: {missing[:3]}")
    for uid, h in zip(labels["uid"], labels["hash"]):
        if units[uid]["hash"] != h:
            raise SystemExit(f"{LABELS}: unit {uid} has another hash in {UNITS}")
    labels["text"] = [units[u]["text"] for u in labels["uid"]]
    labels["year"] = [units[u]["year"] for u in labels["uid"]]
    return list(units.values()), labels


def _f(x: float) -> str:
    return f"{x:.3f}"


def _cv_table(name: str, table: pd.DataFrame) -> list[list]:
    return [[name, r["theme"], r["support"], _f(r["precision"]), _f(r["recall"]), _f(r["f1"])]
            for _, r in table.iterrows()]


def out_of_genre(model, lab: pd.DataFrame | None = None) -> str:
    """What a four-theme model says about paragraphs outside the report genre (State
    Council work reports), against the default-codebook labels of the same two passes."""
    import nlp
    from nlp.classify.metrics import evaluate_labels

    if lab is None:
        lab = read_labelled()[1]
    texts = lab["text"].tolist()
    pred = model.predict(texts)
    truth4 = [nlp.parse_labels(v) for v in lab["default_labels"]]
    ev = evaluate_labels(truth4, pred)
    safety = [i for i, v in enumerate(lab["labels"]) if "安全生产" in v.split(";")]
    campus = sum("校园安全" in pred[i] for i in safety)
    all_campus = sum("校园安全" in p for p in pred)
    none = sum(not p for p in pred)
    lines = [f"{len(texts)} paragraphs of State Council work reports (outside the genre of "
             "rule-of-law reports), labelled twice under the default codebook:",
             table([[r["theme"], r["support"], int(r["tp"] + r["fp"]), _f(r["precision"]),
                     _f(r["recall"]), _f(r["f1"])] for _, r in ev.iterrows()],
                   ["theme", "support", "predicted", "precision", "recall", "F1"]),
             f"其他 (no theme) predicted for {none} of {len(texts)} paragraphs (hand labels: "
             f"{sum(not t for t in truth4)}). Of the {len(safety)} paragraphs about work or "
             f"product safety (安全生产 under the second codebook), {campus} were called "
             f"校园安全; 校园安全 was predicted for {all_campus} paragraphs in all (hand labels: "
             f"{sum('校园安全' in t for t in truth4)}).",
             check("out of genre: no work- or product-safety paragraph called 校园安全",
                   campus == 0, f"{campus} of {len(safety)}")]
    return "\n".join(lines)


def cmd_score(folds: int = 5) -> int:
    import nlp
    from nlp.classify import LexiconClassifier, ThemeClassifier, codebook_exemplars

    _, lab = read_labelled()
    cb = nlp.load_codebook(CODEBOOK)
    print(f"codebook {cb.name!r}: themes {', '.join(cb.themes)}; {len(lab)} units from "
          f"{lab['report'].nunique()} reports, each labelled twice")

    # 1. the two passes
    agree = nlp.agreement(lab["pass_a"].tolist(), lab["pass_b"].tolist(), themes=cb.themes,
                          n_boot=1000, random_state=0)
    agree4 = nlp.agreement(lab["default_a"].tolist(), lab["default_b"].tolist(), n_boot=1000,
                           random_state=0)
    rows = [[book, r["theme"], r["positives_a"], r["positives_b"], _f(r["kappa"]),
             f"{r['alpha']:.3f} [{r['alpha_ci_low']:.2f}, {r['alpha_ci_high']:.2f}]",
             r["disagreements"]]
            for book, t in (("own", agree), ("default", agree4)) for _, r in t.iterrows()]
    print("\nInter-coder agreement (two independent passes; alpha: Krippendorff, 95% "
          "bootstrap interval over units)")
    print(table(rows, ["codebook", "theme", "pos A", "pos B", "kappa", "alpha", "disagree"]))

    # 2. grouped cross-validation by report: lexicon against the trained model
    texts, labels = lab["text"].tolist(), lab["labels"].tolist()
    groups = lab["report"].tolist()
    ex = codebook_exemplars(cb)
    lex = LexiconClassifier(codebook=cb).cross_validate(texts, labels, groups, cv=folds)
    model = ThemeClassifier(codebook=cb, random_state=0)
    with timed() as t_cv:
        clf = model.cross_validate(texts, labels, groups, cv=folds, exemplars=ex)
    print(f"\nGrouped {folds}-fold cross-validation by report ({lab['report'].nunique()} "
          f"reports; the codebook's {len(ex)} written exemplars in training folds only; "
          f"{t_cv():.0f} s)")
    print(table(_cv_table("lexicon", lex) + _cv_table("model", clf),
                ["model", "theme", "support", "precision", "recall", "F1"]))

    # 3. out of genre: what the default model says about State Council paragraphs
    print()
    print(out_of_genre(ThemeClassifier.load(), lab))

    # 4. the whole study with the two-theme model
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "reports"
        corpus.mkdir()
        recs = reports()
        with open(corpus / "reports.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["file", "report_id", "agency", "region", "year", "title"])
            for i, rec in recs:
                name = f"gwr_{rec['year']}_{i}.txt"
                (corpus / name).write_text(rec["content"], encoding="utf-8")
                w.writerow([name, f"gwr_{rec['year']}_{i}", "国务院", "全国", rec["year"],
                            rec["title"]])
        lab[["text", "labels", "report"]].rename(columns={"report": "report_id"}).to_csv(
            tmp / "labels.csv", index=False)
        run = [sys.executable, "-m", "nlp.cli", "-q"]
        with timed() as t_train:
            _run(run[:3] + ["train", str(tmp / "labels.csv"), "--codebook", str(CODEBOOK),
                            "--cv", "0", "-o", str(tmp / "model"), "-q"])
        with timed() as t_report:
            _run(run[:3] + ["report", str(corpus), "--model", str(tmp / "model"), "-o",
                            str(tmp / "out"), "--n-boot", "500", "--no-cache", "-q"])
        page = (tmp / "out" / "report.html").read_text(encoding="utf-8")
        shares = pd.read_csv(tmp / "out" / "tables" / "shares_by_year.csv")
        shown = all(t in page for t in cb.themes) and not any(
            t in page for t in ("普法宣传", "放管服"))
        print(f"\n`fazhi train --codebook` ({t_train():.0f} s) and `fazhi report --model` "
              f"({t_report():.0f} s) on the {len(recs)} reports")
        print(f"themes in shares_by_year.csv: {sorted(set(shares['theme']))}")
        print(check("the study page shows the codebook's themes (and not the default ones)",
                    shown, f"{', '.join(cb.themes)} on report.html"))
    return 0


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")


@contextmanager
def timed():
    start = time.perf_counter()
    box = {}
    yield lambda: box.get("t", time.perf_counter() - start)
    box["t"] = time.perf_counter() - start


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["select"]:
        return cmd_select()
    if argv[:1] == ["export"]:
        return cmd_export(argv[1])
    print(machine())
    return cmd_score()


if __name__ == "__main__":
    raise SystemExit(main())
