"""Property tests: readers, normalisation, segmentation, tokenizing and labels
raise nothing but their documented errors, and segmentation never loses text.

The generated texts mix arbitrary Unicode with the pieces real reports are
made of (heading and enumeration markers, Chinese punctuation, full-width
characters, traditional characters, line breaks), so the generators reach the
branches a plain ``text()`` strategy would almost never hit.
"""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import nlp
from nlp import InputError, Report
from nlp.ingest import decode_bytes, normalize_text, strip_clutter
from nlp.segment import ROLES, UNIT_COLUMNS, segment_spans

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

PIECES = [
    "一、", "二、", "十二、", "(一)", "（二）", "(三)", "1.", "2．", "3、", "12项", "(1)", "（2）",
    "①", "②", "③", "一是", "二是", "三是", "其一,", "其二:", "第一,", "第二、", "是否",
    "工作开展情况", "存在的问题和不足", "下一步工作计划", "党政主要负责人履行第一责任人职责",
    "加强普法宣传", "校园安全", "行政执法", "放管服改革", "建設(shè)", "法治政府", "２０２１年",
    "。", ",", "，", ";", "；", ":", "：", "!", "？", "、", "“", "”", "《", "》", "…",
    "\n", "\n\n", " ", "\t", "\u3000", "\r\n", "\r", "\ufeff", "\u200b", "\x00", "\x0c",
    "当前位置:首页 > ", "发布日期: 2023-02-01", "版权所有", "http://example.invalid/",
    "2021", "0", "99", "a", "Ⅰ", "㈠", "⑴", "\U0002a6a5", "\ud7ff",
]
report_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)),
                       max_size=80).map("".join)
any_text = st.one_of(report_text, st.text(max_size=300))


def _no_space(s: str) -> str:
    return re.sub(r"\s+", "", s)


# --------------------------------------------------------------------------- normalisation

@FUZZ
@given(any_text)
@example("建設(shè)法治政府２０２１年\r\n")
def test_normalize_text_total(text):
    out = normalize_text(text)
    assert isinstance(out, str)
    assert "\r" not in out
    assert not re.search("[０-９Ａ-Ｚａ-ｚ\ufeff\u200b]", out)


@FUZZ
@given(any_text)
def test_strip_clutter_keeps_lines(text):
    body, meta = strip_clutter(text.replace("\r", "\n"))
    assert body.count("\n") == text.replace("\r", "\n").count("\n")  # lines blanked, not removed
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items())


@FUZZ
@given(st.binary(max_size=600))
@example(b"\xef\xbb\xbf\xff")
@example("法治".encode()[:-1])
@example(b"\xff\xfe\x00")
def test_decode_bytes_only_documented_errors(data):
    try:
        out = decode_bytes(data, path="x.txt")
    except InputError as err:
        assert err.path == "x.txt"
    else:
        assert isinstance(out, str)


# --------------------------------------------------------------------------- segmentation

@FUZZ
@given(any_text)
@example("一、工作开展情况\n(一)加强领导。一是建立专班;二是完善制度。")
@example("1.2.3.")
@example("一是\n二是")
def test_segmentation_never_loses_text(text):
    spans = segment_spans(text)
    pos = 0
    for s in spans:
        assert pos <= s.start < s.end <= len(text)
        assert s.text == text[s.start:s.end] and s.text == s.text.strip()
        assert not text[pos:s.start].strip()  # only whitespace between spans
        pos = s.end
    assert not text[pos:].strip()
    assert _no_space("".join(s.text for s in spans)) == _no_space(text)


@FUZZ
@given(report_text)
def test_segment_rows_point_into_the_text(text):
    report = Report("r", None, None, None, None, text, "r.txt")
    units = nlp.segment(report)
    assert list(units.columns) == UNIT_COLUMNS
    for row in units.itertuples():
        assert text[row.start:row.end] == row.text
        assert row.role in ROLES
    assert units["unit_id"].is_unique


@FUZZ
@given(report_text, st.integers(min_value=1, max_value=5))
def test_segment_unit_limit_is_the_only_error(text, max_units):
    report = Report("r", None, None, None, None, text, "r.txt")
    try:
        units = nlp.segment(report, max_units=max_units)
    except nlp.ResourceLimitError as err:
        assert err.path == "r.txt" and f"max_units={max_units}" in str(err)
    else:
        assert len(units) <= max_units


# --------------------------------------------------------------------------- tokenizing

@FUZZ
@given(any_text)
def test_cut_joins_back_and_tok_is_a_subset(tokenizer, text):
    raw = tokenizer.cut(text)
    assert "".join(raw) == text
    kept = tokenizer(text)
    assert all(isinstance(t, str) and t.strip() for t in kept)
    assert set(kept) <= set(raw)


@FUZZ
@given(st.lists(any_text, max_size=5))
def test_pipe_matches_single_calls(tokenizer, texts):
    assert tokenizer.pipe(texts, progress=False) == [tokenizer(t) for t in texts]


@pytest.mark.parametrize("bad", ["一段文本", b"bytes", [1, 2], ["ok", None]])
def test_tokenizer_wrong_types_are_type_errors(tokenizer, bad):
    with pytest.raises(TypeError):
        tokenizer.pipe(bad, progress=False)


# --------------------------------------------------------------------------- reading files

SUFFIXES = [".txt", ".md", ".html", ".htm", ".docx", ".pdf"]


def _docx_with(xml_body: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", xml_body[:200])
        zf.writestr("word/document.xml", xml_body)
    return out.getvalue()


@FUZZ
@given(st.sampled_from(SUFFIXES), st.one_of(st.binary(max_size=2000),
                                            report_text.map(lambda s: s.encode("utf-8")),
                                            report_text.map(lambda s: s.encode("gb18030",
                                                                               "replace"))))
def test_read_report_only_documented_errors(tmp_path_factory, suffix, data):
    f = tmp_path_factory.mktemp("fuzz") / f"r{suffix}"
    f.write_bytes(_docx_with(data) if suffix == ".docx" and data[:1] == b"<" else data)
    try:
        report = nlp.read_report(f)
    except InputError as err:
        assert err.path == str(f)
        return
    assert report.text == report.text.strip()
    assert report.text or not report.body_found  # a page of furniture: flagged, no units
    nlp.segment(report)


# --------------------------------------------------------------------------- labels

cell = st.one_of(st.sampled_from(["普法宣传", "校园安全;行政执法", "放管服", "其他", "", "普法",
                                  "未知主题", "1", "0", "是", "nan"]),
                 report_text.map(lambda s: s[:40]))


@FUZZ
@given(st.lists(st.tuples(cell, cell), max_size=12),
       st.sampled_from(["text,labels", "text,普法宣传", "labels", "text", "文本,标签"]),
       st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
       st.sampled_from([".csv", ".tsv", ".jsonl", ".txt"]))
def test_read_labels_only_documented_errors(tmp_path_factory, rows, header, encoding, suffix):
    from nlp.labels import THEMES, read_labels

    cols = header.split(",")
    df = pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)
    f = tmp_path_factory.mktemp("labels") / f"labels{suffix}"
    if suffix == ".jsonl":
        data = df.to_json(orient="records", lines=True, force_ascii=False)
    else:
        data = df.to_csv(index=False, sep="\t" if suffix in (".tsv", ".txt") else ",")
    f.write_bytes(data.encode(encoding, "replace"))
    try:
        out = read_labels(f)
    except InputError as err:
        assert err.path == str(f)
        return
    assert {"text", "labels", "line"} <= set(out.columns)
    for text, labels in zip(out["text"], out["labels"]):
        assert isinstance(text, str) and text.strip() == text and text
        assert isinstance(labels, tuple) and set(labels) <= set(THEMES)


# --------------------------------------------------------------------------- slow patterns

N_PATHOLOGICAL = 50_000
PATHOLOGICAL = {
    "spaces": " " * N_PATHOLOGICAL + "中文",
    "spaces-tabs": " \t" * N_PATHOLOGICAL + "中",
    "bullets": "【" * N_PATHOLOGICAL,
    "meta-spaces": "发文机关: " + "某 " * N_PATHOLOGICAL,
    "year-spaces": "2021" + " " * N_PATHOLOGICAL + "年",
    "year-twice": "2021" + " " * N_PATHOLOGICAL + "年" + " " * N_PATHOLOGICAL + "x",
    "markers": "一、(一)1.(1)①一是" * (N_PATHOLOGICAL // 10),
    "pinyin": "中(" + "b" * N_PATHOLOGICAL,
    "item-spaces": ("1" + " " * 30 + ".") * (N_PATHOLOGICAL // 30),
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_text_stays_linear(tmp_path, name):
    """Long runs that made regular expressions backtrack quadratically (minutes at this
    size) are read and segmented in well under a second each on a laptop."""
    import time

    f = tmp_path / f"{name}.txt"
    f.write_text(PATHOLOGICAL[name] + "\n某局深入推进法治政府建设。", encoding="utf-8")
    start = time.perf_counter()
    nlp.segment(nlp.read_report(f))
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("tag", ["div", "table", "span"])
def test_deeply_nested_html_stays_linear(tmp_path, tag):
    """50 000 nested elements: no recursion error, no quadratic tree edits."""
    import time

    f = tmp_path / f"{tag}.html"
    f.write_text(f"<{tag}>" * N_PATHOLOGICAL + "某局深入推进法治政府建设,加强普法宣传。"
                 + f"</{tag}>" * N_PATHOLOGICAL, encoding="utf-8")
    start = time.perf_counter()
    assert "加强普法宣传" in nlp.read_report(f).text
    assert time.perf_counter() - start < 10


def test_nested_links_only_page_is_navigation(tmp_path):
    f = tmp_path / "links.html"
    f.write_text("<a href='/'>" * N_PATHOLOGICAL + "首页" + "</a>" * N_PATHOLOGICAL,
                 encoding="utf-8")
    with pytest.raises(InputError, match="navigation"):
        nlp.read_report(f)
