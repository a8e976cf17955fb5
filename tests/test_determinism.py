"""Same data and ``random_state`` → identical results, in this process and in fresh ones.

Fresh processes run with different ``PYTHONHASHSEED`` values, so any result
that leaks set or dict-of-str iteration order (which Python randomises per
process) shows up as a difference.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "corpus" / "labels" / "seed_units.csv"

# Fits the classifier and the topic model and prints what they produce, as JSON.
_SCRIPT = r"""
import json, sys
import numpy as np
import nlp
from nlp.classify import ThemeClassifier
from nlp.labels import read_labels
from nlp.topics import TopicModel

df = read_labels(sys.argv[1])
texts, labels = df["text"].tolist(), df["labels"].tolist()
clf = ThemeClassifier(random_state=int(sys.argv[2])).fit(
    texts, labels, groups=df["report_id"].tolist())
units = nlp.load_corpus(sys.argv[3]).units(progress=False)
docs = nlp.Tokenizer().pipe(units["text"].tolist(), progress=False)
tm = TopicModel(n_topics=4, random_state=int(sys.argv[2]), passes=3, no_below=2).fit(docs)
print(json.dumps({
    "proba": clf.predict_proba(texts).to_numpy().tolist(),
    "thresholds": np.asarray(clf.thresholds_).tolist(),
    "top_words": tm.top_words(10),
    "doc_topic": tm.transform(docs[:10]).tolist(),
}, ensure_ascii=False))
"""


def _in_parallel(commands: list[list[str]], hashseeds: list[str]) -> list[str]:
    """Run commands in fresh interpreters side by side, each with its own hash seed."""
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed,
                                             "FAZHI_CACHE": "0"})
             for cmd, seed in zip(commands, hashseeds)]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err[-3000:]
        outs.append(out)
    return outs


def _fresh_runs(seed: int, hashseeds: list[str]) -> list[dict]:
    cmd = [sys.executable, "-c", _SCRIPT, str(LABELS), str(seed),
           str(ROOT / "corpus" / "reports")]
    return [json.loads(out.strip().splitlines()[-1])
            for out in _in_parallel([cmd] * len(hashseeds), hashseeds)]


@pytest.fixture(scope="module")
def labelled():
    from nlp.labels import read_labels

    return read_labels(LABELS)


@pytest.fixture(scope="module")
def docs(corpus_dir, tokenizer):
    import nlp

    units = nlp.load_corpus(corpus_dir / "reports").units(progress=False)
    return tokenizer.pipe(units["text"].tolist(), progress=False)


# --------------------------------------------------------------------------- classifier

def _fit(df, seed):
    from nlp.classify import ThemeClassifier

    return ThemeClassifier(random_state=seed).fit(df["text"].tolist(), df["labels"].tolist(),
                                                  groups=df["report_id"].tolist())


def test_classifier_probabilities_identical(labelled):
    a = _fit(labelled, 0).predict_proba(labelled["text"].tolist())
    b = _fit(labelled, 0).predict_proba(labelled["text"].tolist())
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_saved_classifier_predicts_identically(labelled, tmp_path):
    from nlp.classify import ThemeClassifier

    model = _fit(labelled, 0)
    model.save(tmp_path / "m")
    loaded = ThemeClassifier.load(tmp_path / "m")
    texts = labelled["text"].tolist()
    pd.testing.assert_frame_equal(model.predict_proba(texts), loaded.predict_proba(texts),
                                  check_exact=True)


# --------------------------------------------------------------------------- topics

def test_topics_identical(docs):
    from nlp.topics import TopicModel

    a = TopicModel(n_topics=4, random_state=0, passes=3, no_below=2).fit(docs)
    b = TopicModel(n_topics=4, random_state=0, passes=3, no_below=2).fit(docs)
    assert a.top_words(10) == b.top_words(10)
    assert np.array_equal(a.transform(docs), b.transform(docs))
    assert np.array_equal(a.doc_topic_, b.doc_topic_)


def test_topics_depend_on_the_seed(docs):
    """The seed is really used: a different one gives a different model."""
    from nlp.topics import TopicModel

    a = TopicModel(n_topics=4, random_state=0, passes=3, no_below=2, init="random").fit(docs)
    b = TopicModel(n_topics=4, random_state=1, passes=3, no_below=2, init="random").fit(docs)
    assert not np.array_equal(a.doc_topic_, b.doc_topic_)


def test_saved_topics_transform_identically(docs, tmp_path):
    from nlp.topics import TopicModel

    model = TopicModel(n_topics=4, random_state=0, passes=3, no_below=2).fit(docs)
    loaded = TopicModel.load(model.save(tmp_path / "lda"))
    assert loaded.top_words(10) == model.top_words(10)
    assert np.array_equal(loaded.transform(docs), model.transform(docs))


# --------------------------------------------------------------------------- fresh processes

@pytest.mark.slow
def test_identical_across_processes_and_hash_seeds():
    first, second = _fresh_runs(0, ["1", "2"])
    assert first == second


# --------------------------------------------------------------------------- report

_TIMESTAMP = re.compile(r"generated \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[+-]\d\d:\d\d)?")


def _reports(outs: list[Path], hashseeds: list[str]) -> None:
    _in_parallel([[sys.executable, "-m", "nlp.cli", "report", str(ROOT / "corpus"), "-o",
                   str(out), "-q", "--no-cache"] for out in outs], hashseeds)


@pytest.mark.slow
def test_report_identical_apart_from_timestamp(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    _reports([a, b], ["1", "2"])
    page_a = (a / "report.html").read_text(encoding="utf-8")
    page_b = (b / "report.html").read_text(encoding="utf-8")
    assert len(_TIMESTAMP.findall(page_a)) == 1, "the page states when it was generated"
    assert _TIMESTAMP.sub("generated <ts>", page_a) == _TIMESTAMP.sub("generated <ts>", page_b)
    files_a = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    for name in files_a:
        if name != "report.html" and not name.endswith("manifest.json"):
            assert (a / name).read_bytes() == (b / name).read_bytes(), name


# --------------------------------------------------------------------------- comparisons

_COMPARE = r"""
import json
import numpy as np, pandas as pd
from nlp import compare

rng = np.random.default_rng(0)
rows = []
for year in (2021, 2024):
    for i in range(8):
        for j in range(10):
            rows.append({"report_id": f"{year}-{i}", "agency": f"局{i}", "year": year,
                         "agency_type": "公安司法"[i % 2],
                         "labels": ";".join(t for t in ("普法宣传", "行政执法")
                                            if rng.random() < 0.3 + 0.05 * (year == 2024))})
units = pd.DataFrame(rows)
truth = units["labels"].iloc[::4].tolist()
pred = [t if k % 3 else "" for k, t in enumerate(truth)]
rates = compare.misclassification_rates(truth, pred, groups=units["report_id"].iloc[::4],
                                        n_boot=200, random_state=1)
out = {}
for name, kw in (("reports", {}), ("paired", {"paired": "agency"}),
                 ("corrected", {"validation": rates})):
    s = compare.theme_shares(units, by="year", n_boot=200, random_state=2, **kw)
    out[name] = compare.emphasis_change(s)[["diff", "ci_low", "ci_high"]].to_numpy().tolist()
fx = compare.prevalence_regression(units, "theme ~ C(year) + agency_type")
out["regression"] = fx[["ame", "se"]].to_numpy().round(12).tolist()
print(json.dumps(out))
"""


def test_comparisons_identical_across_processes_and_hash_seeds():
    """Cluster, paired and corrected intervals and the regression depend on the seed only."""
    outs = _in_parallel([[sys.executable, "-c", _COMPARE]] * 2, ["1", "2"])
    first, second = (json.loads(o.strip().splitlines()[-1]) for o in outs)
    assert first == second
    corrected = np.array(first["corrected"], dtype=float)
    assert np.isfinite(corrected[[0, 2]]).all()  # 普法宣传, 行政执法: labelled in the sample
