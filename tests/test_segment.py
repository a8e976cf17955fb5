"""Segmentation: units, headings, roles — and no text ever lost."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nlp
from nlp import Report
from nlp.segment import UNIT_COLUMNS, segment_spans


def assert_partition(text: str) -> None:
    """Every non-space character lies in exactly one heading or unit span."""
    spans = segment_spans(text)
    covered = [0] * len(text)
    last_end = 0
    for s in spans:
        assert s.start >= last_end, "spans overlap or are out of order"
        assert text[s.start:s.end] == s.text and s.text == s.text.strip() and s.text
        for i in range(s.start, s.end):
            covered[i] += 1
        last_end = s.end
    for i, ch in enumerate(text):
        if not ch.isspace():
            assert covered[i] == 1, f"character {ch!r} at {i} lost"


def _report(text: str, rid: str = "r") -> Report:
    return Report(rid, None, None, None, None, text, "test.txt")


@pytest.mark.parametrize("name", ["baoshan_2021.txt", "tieshan_2024.txt"])
def test_real_reports_lose_no_text(corpus_dir, name):
    report = nlp.read_report(corpus_dir / "reports" / name)
    assert_partition(report.text)
    units = nlp.segment(report)
    assert list(units.columns) == UNIT_COLUMNS
    for row in units.itertuples():
        assert report.text[row.start:row.end] == row.text
    assert units["unit_id"].is_unique


def test_bundled_unit_counts_and_roles(corpus_dir):
    units = nlp.load_corpus(corpus_dir).units(progress=False)
    counts = units.groupby(["report_id", "role"]).size().to_dict()
    assert counts == {
        ("baoshan_2021", "leadership"): 3, ("baoshan_2021", "measures"): 14,
        ("baoshan_2021", "plans"): 3, ("baoshan_2021", "preamble"): 1,
        ("baoshan_2021", "problems"): 3,
        ("tieshan_2024", "measures"): 12, ("tieshan_2024", "plans"): 4,
        ("tieshan_2024", "preamble"): 1, ("tieshan_2024", "problems"): 4,
    }


def test_heading_opening_a_paragraph_is_context():
    text = "一、工作开展情况\n(一)加强组织领导,健全工作机制。一是成立专班。二是强化学习。"
    units = nlp.segment(_report(text))
    assert units["text"].tolist() == ["一是成立专班。", "二是强化学习。"]
    assert units["section"].tolist() == ["一、工作开展情况"] * 2
    assert units["subsection"].tolist() == ["(一)加强组织领导,健全工作机制。"] * 2
    assert units["role"].tolist() == ["measures"] * 2


@pytest.mark.parametrize("para, expected", [
    ("我局采取措施:1.开展普法;2.规范执法;3.优化服务。",
     ["我局采取措施:", "1.开展普法;", "2.规范执法;", "3.优化服务。"]),
    ("主要做法:(1)开展普法;(2)规范执法。", ["主要做法:", "(1)开展普法;", "(2)规范执法。"]),
    ("①开展普法;②规范执法。", ["①开展普法;", "②规范执法。"]),
    ("其一,开展普法;其二,规范执法。", ["其一,开展普法;", "其二,规范执法。"]),
    ("第一,开展普法。第二,规范执法。", ["第一,开展普法。", "第二,规范执法。"]),
    ("统一是关键,唯一是目标。", ["统一是关键,唯一是目标。"]),  # not item markers
    ("一是开展普法,其中(1)讲座;(2)竞赛。二是规范执法。",  # outermost list wins
     ["一是开展普法,其中(1)讲座;(2)竞赛。", "二是规范执法。"]),
    ("共有监管事项49项,金额3.5万元,2.0版上线。", ["共有监管事项49项,金额3.5万元,2.0版上线。"]),
])
def test_items_inside_paragraphs(para, expected):
    assert nlp.segment(_report(para))["text"].tolist() == expected


def test_heading_levels():
    text = ("一、主要举措\n(一)深化改革\n1.推进审批改革\n(1)精简事项\n①减少材料\n"
            "正文一段。\n二、存在问题\n问题一段。\n三、下一步工作安排\n计划一段。\n"
            "四、党政主要负责人履行推进法治建设第一责任人职责情况\n职责一段。")
    units = nlp.segment(_report(text))
    assert units["text"].tolist() == ["正文一段。", "问题一段。", "计划一段。", "职责一段。"]
    assert units["subsection"].iloc[0] == "(一)深化改革 / 1.推进审批改革 / (1)精简事项 / ①减少材料"
    assert units["role"].tolist() == ["measures", "problems", "plans", "leadership"]


def test_no_headings_means_role_other_and_empty_report():
    assert nlp.segment(_report("我局坚持依法行政。"))["role"].tolist() == ["other"]
    empty = nlp.segment(_report("   "))
    assert list(empty.columns) == UNIT_COLUMNS and len(empty) == 0


def test_max_units_limit():
    text = "\n".join(f"第{i}段正文。" for i in range(50))
    with pytest.raises(nlp.ResourceLimitError, match="max_units=10"):
        nlp.segment(_report(text), max_units=10)


# ---------------------------------------------------------------- property tests

_CN = "一二三四五六七八九十"
_words = st.sampled_from(["依法治教", "法治宣传", "行政执法", "校园安全", "一网通办", "我局",
                          "开展", "检查", "2021年", "12项", "3.5万元", "“放管服”", "《纲要》",
                          "是", "一", "其", "第", "(", ")", "1", "、", "①"])
_punct = st.sampled_from(["。", ",", ";", ":", "、", "!", "", " "])
_sentence = st.lists(st.tuples(_words, _punct), min_size=1, max_size=8).map(
    lambda parts: "".join(w + p for w, p in parts))


@st.composite
def _paragraph(draw):
    kind = draw(st.sampled_from(["plain", "shi", "arabic", "paren", "circled", "heading_lead"]))
    items = draw(st.lists(_sentence, min_size=1, max_size=4))
    if kind == "shi":
        return "".join(f"{_CN[i]}是{s}" for i, s in enumerate(items))
    if kind == "arabic":
        return "".join(f"{i + 1}.{s}" for i, s in enumerate(items))
    if kind == "paren":
        return "".join(f"({i + 1}){s}" for i, s in enumerate(items))
    if kind == "circled":
        return "".join(f"{'①②③④'[i]}{s}" for i, s in enumerate(items))
    if kind == "heading_lead":
        n = draw(st.integers(0, 9))
        return f"({_CN[n]}){items[0]}。" + "".join(items[1:])
    return "".join(items)


@st.composite
def _report_text(draw):
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        choice = draw(st.integers(0, 5))
        if choice == 0:
            lines.append(f"{_CN[draw(st.integers(0, 9))]}、{draw(_sentence)}")
        elif choice == 1:
            lines.append(f"({_CN[draw(st.integers(0, 9))]}){draw(_sentence)}")
        elif choice == 2:
            lines.append(f"{draw(st.integers(1, 20))}{draw(st.sampled_from(['.', '、', '']))}"
                         f"{draw(_sentence)}")
        else:
            lines.append(draw(_paragraph()))
        lines.append(draw(st.sampled_from(["", " ", "\u3000", "\t"])))
    sep = draw(st.sampled_from(["\n", "\n\n", "\r\n"]))
    return sep.join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_report_text())
def test_generated_reports_lose_no_text(text):
    text = text.replace("\r\n", "\n")
    assert_partition(text)
    units = nlp.segment(_report(text))
    assert all(re.search(r"\S", t) for t in units["text"])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("一二是其第、。,;:()（）1234①②\n 法治政府建设")),
               max_size=120))
def test_arbitrary_text_never_raises_or_loses_text(text):
    assert_partition(text)
