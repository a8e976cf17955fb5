"""A codebook of one's own: the file format, its checks, and themes carried from the
codebook through training, saved models, labels, comparisons, the CLI and the study."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import nlp
from nlp import compare
from nlp.classify import LexiconClassifier, ThemeClassifier, train_model
from nlp.cli import main
from nlp.codebook import (
    THEMES,
    Codebook,
    Theme,
    check_codebook,
    default_codebook,
    load_codebook,
    parse_labels,
)
from nlp.persist import MANIFEST, write_manifest

OWN = """\
[codebook]
name = "环境与安全"

[themes."生态环境保护"]
description = "Protecting the environment."
exemplars = ["推进大气污染防治，关停高污染企业。"]

[themes."生态环境保护".terms]
"污染防治" = 3.0
"节能减排" = 3.0
"生态修复" = 3.0

[themes."安全生产"]
description = "Work and product safety."

[themes."安全生产".terms]
"安全生产" = 3.0
"煤矿" = 2.0
"事故隐患" = 3.0

[themes."安全生产".negative]
"粮食安全" = -2.0
"""

# texts written for these tests
ECO = ["加强污染防治，改善空气质量", "推进节能减排，降低能耗", "开展生态修复，治理水土流失",
       "深入打好污染防治攻坚战", "实施节能减排重点工程", "推进矿山生态修复"]
SAFE = ["严格落实安全生产责任制", "整治煤矿事故隐患", "开展安全生产大检查",
        "排查化工企业事故隐患", "加强煤矿瓦斯治理", "压实安全生产主体责任"]
OTHER = ["扩大对外开放", "推进国有企业改革", "发展数字经济", "稳定粮食安全", "提高居民收入",
         "深化财税体制改革"]


@pytest.fixture()
def own(tmp_path) -> Path:
    path = tmp_path / "own.toml"
    path.write_text(OWN, encoding="utf-8")
    return path


def _labels_file(path: Path) -> Path:
    rows = ([(t, "生态环境保护") for t in ECO] + [(t, "安全生产") for t in SAFE]
            + [(t, "其他") for t in OTHER])
    df = pd.DataFrame(rows, columns=["text", "labels"])
    df["report_id"] = [f"r{i % 4}" for i in range(len(df))]
    df.to_csv(path, index=False)
    return path


# -- the file --------------------------------------------------------------------

def test_default_codebook_is_a_codebook_file():
    cb = default_codebook()
    assert cb.themes == THEMES
    assert [p for p in check_codebook(nlp.codebook.default_lexicon_file())
            if p.level == "error"] == []
    assert cb.is_default and len(cb["放管服"].terms) > 50


def test_own_codebook_loads(own):
    cb = load_codebook(own)
    assert cb.themes == ("生态环境保护", "安全生产") and cb.name == "环境与安全"
    assert cb.exemplar_pairs() == [("推进大气污染防治，关停高污染企业。", ("生态环境保护",))]
    assert not cb.is_default
    assert check_codebook(own) == []
    # a folder holding codebook.toml is a codebook too
    folder = own.parent / "book"
    folder.mkdir()
    shutil.copy(own, folder / "codebook.toml")
    assert load_codebook(folder) == cb


def test_checksum_follows_terms_not_descriptions(own):
    cb = load_codebook(own)
    text = own.read_text(encoding="utf-8")
    own.write_text(text.replace("Protecting the environment.", "Another wording."),
                   encoding="utf-8")
    assert load_codebook(own).checksum == cb.checksum
    own.write_text(text.replace('"煤矿" = 2.0', '"煤矿" = 2.5'), encoding="utf-8")
    assert load_codebook(own).checksum != cb.checksum


@pytest.mark.parametrize("body, line, message", [
    ('[themes."labels"]\ndescription = "x"\n[themes."labels".terms]\n"环保" = 1.0\n', 1,
     "theme name 'labels' is taken"),
    ('[themes."其他"]\n[themes."其他".terms]\n"环保" = 1.0\n', 1, "is taken"),
    ('[themes."环保;安全"]\n[themes."环保;安全".terms]\n"环保" = 1.0\n', 1, "separator"),
    ('[themes."空"]\ndescription = "nothing"\n', 1, "theme '空' is empty"),
    ('[themes."环保"]\n[themes."环保".terms]\n"环" = 1.0\n', 3, "shorter than 2"),
    ('[themes."环保"]\n[themes."环保".terms]\n"环保" = "high"\n', 3, "must be a finite"),
    ('[themes."环保"]\n[themes."环保".terms]\n"环保" = -1.0\n', 3, "must be positive"),
    ('[themes."环保"]\n[themes."环保".terms]\n"环保" = 1.0\n[themes."环保".negative]\n'
     '"环保" = -1.0\n', 5, "both a term and a negative term"),
    ('[themes."环保"]\nterm = 1\n[themes."环保".terms]\n"环保" = 1.0\n', 2, "unknown key 'term'"),
    ('[themes."环保"]\n[themes."环保".terms]\n"环保" = 1.0\n"环保" = 2.0\n', 4, "not valid TOML"),
    ('[codebook]\nexemplars = "missing.csv"\n[themes."环保".terms]\n"环保" = 1.0\n', 2,
     "no such file"),
])
def test_bad_codebook_refused_with_file_and_line(tmp_path, body, line, message):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    errors = [p for p in check_codebook(path) if p.level == "error"]
    assert any(message in p.message and p.line == line for p in errors), errors
    with pytest.raises(nlp.InputError, match=message) as info:
        load_codebook(path)
    assert info.value.path == str(path) and info.value.line is not None


def test_term_inside_another_themes_term_is_a_warning(tmp_path):
    path = tmp_path / "book.toml"
    path.write_text('[themes."甲"]\ndescription = "a"\n[themes."甲".terms]\n"安全" = 1.0\n'
                    '[themes."乙"]\ndescription = "b"\n[themes."乙".terms]\n"安全生产" = 2.0\n',
                    encoding="utf-8")
    (problem,) = check_codebook(path)
    assert problem.level == "warning" and problem.line == 4 and "'安全生产' (乙)" in problem.message
    assert load_codebook(path).themes == ("甲", "乙")


def test_codebook_object_round_trips_through_toml(tmp_path):
    cb = Codebook([Theme("甲", "first", {"依法行政": 2.0}, {"党建": -1.0}, ("依法行政示例。",)),
                   Theme("乙", "second", {"营商环境": 3.0})], name="两题")
    path = tmp_path / "cb.toml"
    path.write_text(cb.to_toml(), encoding="utf-8")
    assert load_codebook(path) == cb


# -- labels against a codebook -----------------------------------------------------

def test_labels_checked_against_the_codebook(tmp_path, own):
    path = tmp_path / "labels.csv"
    pd.DataFrame({"text": ["整治煤矿事故隐患", "扩大开放"],
                  "labels": ["安全生产", "其他"]}).to_csv(path, index=False)
    df = nlp.read_labels(path, codebook=own)
    assert df["labels"].tolist() == [("安全生产",), ()]
    with pytest.raises(nlp.InputError, match=r"unknown theme '安全生产'.*themes are 普法宣传"):
        nlp.read_labels(path)  # the default four themes
    pd.DataFrame({"text": ["整治煤矿事故隐患"], "labels": ["生态环境"]}).to_csv(path, index=False)
    with pytest.raises(nlp.InputError, match="did you mean '生态环境保护'") as info:
        nlp.read_labels(path, codebook=own)
    assert info.value.line == 2
    assert parse_labels("安全生产，生态环境保护", load_codebook(own)) == ("生态环境保护", "安全生产")


# -- models ------------------------------------------------------------------------

def test_classifiers_take_any_theme_set(own):
    lex = LexiconClassifier(codebook=own)
    assert lex.predict(["开展污染防治", "排查事故隐患", "稳定粮食安全"]) == [
        ("生态环境保护",), ("安全生产",), ()]
    clf = ThemeClassifier(codebook=own, random_state=0).fit(
        ECO + SAFE + OTHER, [("生态环境保护",)] * 6 + [("安全生产",)] * 6 + [()] * 6)
    assert list(clf.classes_) == ["生态环境保护", "安全生产"]
    assert list(clf.predict_proba(["开展生态修复"]).columns) == ["生态环境保护", "安全生产"]
    assert clf.predict(["开展污染防治和生态修复"]) == [("生态环境保护",)]
    assert set(clf.top_terms(3)["theme"]) == {"生态环境保护", "安全生产"}
    assert clf.n_exemplars_ == 1  # the exemplar written in the codebook
    with pytest.raises(ValueError, match="unknown theme '普法宣传'"):
        clf.evaluate(["开展普法"], [("普法宣传",)])


def test_saved_model_carries_its_codebook(tmp_path, own):
    clf = ThemeClassifier(codebook=own, random_state=0).fit(
        ECO + SAFE + OTHER, [("生态环境保护",)] * 6 + [("安全生产",)] * 6 + [()] * 6)
    folder = clf.save(tmp_path / "model")
    own.unlink()  # the copy inside the model is what counts
    back = ThemeClassifier.load(folder)
    assert back.codebook_ == clf.codebook_ and back.theme_names() == ("生态环境保护", "安全生产")
    assert back.predict(["整治煤矿事故隐患"]) == clf.predict(["整治煤矿事故隐患"])
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["codebook"]["sha256"] == clf.codebook_.checksum
    assert "生态环境保护" in (folder / "card.md").read_text(encoding="utf-8")
    # a manifest whose codebook checksum does not match is refused, even re-signed
    manifest["codebook"]["sha256"] = "0" * 64
    write_manifest(folder, manifest)
    with pytest.raises(nlp.ModelIntegrityError, match="codebook does not match its checksum"):
        ThemeClassifier.load(folder)


def test_train_model_with_own_codebook(tmp_path, own):
    model, table = train_model(_labels_file(tmp_path / "l.csv"), codebook=own, cv=2)
    assert model.theme_names() == ("生态环境保护", "安全生产")
    assert set(table["theme"]) == {"生态环境保护", "安全生产", "micro", "macro"}
    assert model.n_real_units_ == 18  # no bundled labels of other themes added


def test_compare_and_correction_take_the_tables_themes():
    units = pd.DataFrame({"report_id": ["a", "a", "b", "b"],
                          "labels": ["安全生产", "", "生态环境保护;安全生产", ""]})
    shares = compare.theme_shares(units, by="report", n_boot=0)
    assert set(shares["theme"]) == {"安全生产", "生态环境保护", "其他"}
    rates = compare.misclassification_rates(units["labels"], units["labels"], n_boot=0)
    assert rates["theme"].tolist() == ["安全生产", "生态环境保护", "其他"]


# -- the command line ----------------------------------------------------------------

def test_cli_codebook_check(own, tmp_path, capsys):
    assert main(["codebook", "check", str(own)]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('[themes."text"]\n[themes."text".terms]\n"环保" = 1.0\n', encoding="utf-8")
    assert main(["codebook", "check", str(bad)]) == 2
    assert f"{bad}:1: error: theme name 'text' is taken" in capsys.readouterr().out
    assert main(["codebook", "show", str(own)]) == 0
    assert "安全生产: 3 terms, 1 negative" in capsys.readouterr().out


def test_cli_train_classify_report_with_own_codebook(tmp_path, own, corpus_dir):
    labels = _labels_file(tmp_path / "labels.csv")
    model = tmp_path / "model"
    assert main(["train", str(labels), "--codebook", str(own), "--cv", "0", "-o", str(model),
                 "-q"]) == 0
    out = tmp_path / "units.csv"
    assert main(["classify", str(corpus_dir), "--model", str(model), "-o", str(out), "-q"]) == 0
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert [c for c in table.columns if c.startswith("p_")] == ["p_生态环境保护", "p_安全生产"]
    # the lexicon of a codebook, without training
    out2 = tmp_path / "lex.csv"
    assert main(["classify", str(corpus_dir), "--lexicon", "--codebook", str(own), "-o",
                 str(out2), "-q"]) == 0
    assert "p_安全生产" in pd.read_csv(out2, encoding="utf-8-sig").columns
    # labels of the default themes are refused by this model's evaluation (exit 2)
    assert main(["evaluate", "corpus/labels/seed_units.csv", "--model", str(model), "-q"]) == 2
    study = nlp.run_study(corpus_dir, model=model, n_boot=50, progress=False)
    assert set(study.tables["shares_by_year"]["theme"]) == {"生态环境保护", "安全生产", "其他"}
    assert study.notes["themes"] == "生态环境保护、安全生产"
