from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import CORPUS

import nlp
from nlp.errors import InputError
from nlp.labels import (
    THEMES,
    agreement,
    cohen_kappa,
    join_labels,
    label_matrix,
    normalize_label_list,
    parse_labels,
    read_labels,
)

SEED = CORPUS / "labels" / "seed_units.csv"
PASSES = CORPUS / "labels" / "passes"


def test_themes_in_codebook_order():
    assert THEMES == ("普法宣传", "校园安全", "行政执法", "放管服")
    assert nlp.THEMES is THEMES


@pytest.mark.parametrize("value,expected", [
    ("", ()), ("其他", ()), (None, ()),
    ("放管服;普法宣传", ("普法宣传", "放管服")),
    (" 行政执法 ；校园安全 ", ("校园安全", "行政执法")),
    (["放管服", "放管服"], ("放管服",)),
])
def test_parse_labels(value, expected):
    assert parse_labels(value) == expected


def test_unknown_theme_suggests_nearest():
    with pytest.raises(ValueError, match="普法宣传"):
        parse_labels("普法")
    with pytest.raises(ValueError, match="unknown theme 'sports'"):
        parse_labels("sports")


def test_join_and_matrix():
    assert join_labels(["放管服", "普法宣传"]) == "普法宣传;放管服"
    m = label_matrix([("普法宣传",), (), ("校园安全", "放管服")])
    assert m.tolist() == [[1, 0, 0, 0], [0, 0, 0, 0], [0, 1, 0, 1]]


def test_normalize_label_list_refuses_bare_str_and_generators():
    with pytest.raises(TypeError, match="single str"):
        normalize_label_list("普法宣传")
    with pytest.raises(TypeError, match="one-shot"):
        normalize_label_list(x for x in [("普法宣传",)])
    with pytest.raises(ValueError, match=r"labels\[1\]"):
        normalize_label_list([(), ("执法",)])


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


ROWS = "text,labels\n开展宪法宣传周活动,普法宣传\n推行一网通办,放管服\n召开党组会议,其他\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_read_labels_csv_encodings(tmp_path, encoding):
    df = read_labels(_write(tmp_path / "l.csv", ROWS, encoding))
    assert df["text"].tolist() == ["开展宪法宣传周活动", "推行一网通办", "召开党组会议"]
    assert df["labels"].tolist() == [("普法宣传",), ("放管服",), ()]
    assert df["line"].tolist() == [2, 3, 4]


def test_read_labels_tsv_jsonl_xlsx_agree(tmp_path):
    csv = read_labels(_write(tmp_path / "l.csv", ROWS))
    tsv = read_labels(_write(tmp_path / "l.tsv", ROWS.replace(",", "\t")))
    lines = [json.dumps({"text": t, "labels": lab}, ensure_ascii=False)
             for t, lab in zip(csv["text"], ["普法宣传", "放管服", "其他"])]
    jsonl = read_labels(_write(tmp_path / "l.jsonl", "\n".join(lines) + "\n"))
    pd.DataFrame({"text": csv["text"], "labels": ["普法宣传", "放管服", "none"]}).to_excel(
        tmp_path / "l.xlsx", index=False)
    xlsx = read_labels(tmp_path / "l.xlsx")
    for other in (tsv, jsonl, xlsx):
        assert other["text"].tolist() == csv["text"].tolist()
        assert other["labels"].tolist() == csv["labels"].tolist()


def test_empty_cell_is_not_labelled_yet(tmp_path, caplog):
    rows = "text,labels\n开展宪法宣传周活动,普法宣传\n推行一网通办,\n召开党组会议,其他\n审批改革,none\n"
    with caplog.at_level("INFO", logger="nlp"):
        df = read_labels(_write(tmp_path / "half.csv", rows))
    assert df["text"].tolist() == ["开展宪法宣传周活动", "召开党组会议", "审批改革"]
    assert df["labels"].tolist() == [("普法宣传",), (), ()]
    assert df["line"].tolist() == [2, 4, 5]
    assert df.attrs["unlabelled"] == 1 and "not labelled yet" in caplog.text
    with pytest.raises(InputError, match="no labelled row"):
        read_labels(_write(tmp_path / "empty.csv", "text,labels\n推行一网通办,\n"))


def test_headers_match_loosely_and_chinese_separators(tmp_path):
    df = read_labels(_write(tmp_path / "l.csv", " Text ,LABELS\n双随机检查,行政执法，放管服\n"
                                                 "宪法宣传,普法宣传、校园安全\n"))
    assert df["labels"].tolist() == [("行政执法", "放管服"), ("普法宣传", "校园安全")]


def test_read_labels_indicator_columns(tmp_path):
    text = "text,普法宣传,校园安全,行政执法,放管服\n开展宪法宣传周,1,0,0,0\n双随机检查,0,0,1,1\n会议,0,0,0,0\n"
    df = read_labels(_write(tmp_path / "l.csv", text))
    assert df["labels"].tolist() == [("普法宣传",), ("行政执法", "放管服"), ()]


def test_read_labels_bad_indicator(tmp_path):
    p = _write(tmp_path / "l.csv", "text,普法宣传\n开展宪法宣传周,maybe\n")
    with pytest.raises(InputError, match=r"l\.csv:2: column '普法宣传' must hold 0 or 1"):
        read_labels(p)


@pytest.mark.parametrize("content,message", [
    ("words,labels\n开展,普法宣传\n", "no 'text' column"),
    ("text,labels\n开展宪法宣传周,普法\n", r":2: unknown theme '普法' \(did you mean '普法宣传'\?\)"),
    ("text,labels\n开展宪法宣传周,普法宣传\n  ,放管服\n", ":3: empty text"),
    ("text,labels\n开展宪法宣传周,普法宣传\n推行一网通办,放管服\n开展宪法宣传周,行政执法\n",
     ":4: the same text is labelled '行政执法' here and '普法宣传' on line 2"),
    ("text,note\n开展宪法宣传周,x\n", "no labels"),
    ("text,labels\n", "no rows"),
])
def test_read_labels_errors_name_file_and_line(tmp_path, content, message):
    p = _write(tmp_path / "bad.csv", content)
    with pytest.raises(InputError, match=message) as info:
        read_labels(p)
    assert "bad.csv" in str(info.value)


def test_read_labels_same_text_same_labels_is_fine(tmp_path):
    df = read_labels(_write(tmp_path / "l.csv", "text,labels\n甲乙丙,放管服\n甲乙丙,放管服\n"))
    assert len(df) == 2


def test_read_labels_unsupported_and_missing(tmp_path):
    with pytest.raises(InputError, match="unsupported labels format"):
        read_labels(tmp_path / "l.docx")
    with pytest.raises(InputError, match="no such file"):
        read_labels(tmp_path / "missing.csv")


def test_cohen_kappa():
    assert cohen_kappa([1, 0, 1, 0], [1, 0, 1, 0]) == 1.0
    assert cohen_kappa([1, 0, 1, 0], [1, 0, 0, 0]) == pytest.approx(0.5)
    assert cohen_kappa([0, 0, 0], [0, 0, 0]) == 1.0
    assert cohen_kappa([1, 1, 0, 0], [0, 0, 1, 1]) == pytest.approx(-1.0)


def test_agreement_table():
    t = agreement(["普法宣传", "", "放管服;行政执法"], ["普法宣传", "校园安全", "放管服"])
    row = t.set_index("theme")
    assert row.loc["普法宣传", "kappa"] == 1.0
    assert row.loc["校园安全", "disagreements"] == 1
    assert row.loc["all", "disagreements"] == 2
    assert row.loc["all", "agreement"] == pytest.approx(1 / 3)


# -- the bundled labelled data -------------------------------------------------

def test_seed_units_cover_every_bundled_unit():
    seed = read_labels(SEED)
    assert list(seed.columns[:5]) == ["report_id", "unit_id", "text", "labels", "note"]
    units = nlp.load_corpus(CORPUS).units()
    units = units[units["report_id"].isin(["baoshan_2021", "tieshan_2024"])]
    assert seed["unit_id"].tolist() == units["unit_id"].tolist()
    assert seed["text"].tolist() == [t.strip() for t in units["text"]]
    assert seed["note"].str.len().min() > 10
    assert seed["labels"].map(len).gt(0).sum() >= 25  # most units carry a theme


def test_passes_kept_and_reconciliation_documented():
    a = pd.read_csv(PASSES / "pass_a.csv", keep_default_na=False, dtype=str)
    b = pd.read_csv(PASSES / "pass_b.csv", keep_default_na=False, dtype=str)
    seed = read_labels(SEED).set_index("unit_id")
    assert a["unit_id"].tolist() == b["unit_id"].tolist() == seed.index.tolist()
    table = agreement(a["labels"], b["labels"]).set_index("theme")
    disagreements = [u for u, x, y in zip(a["unit_id"], a["labels"], b["labels"])
                     if parse_labels(x) != parse_labels(y)]
    assert table.loc["all", "disagreements"] == len(disagreements) > 0
    for unit in disagreements:
        assert seed.loc[unit, "note"].startswith("Reconciled")
