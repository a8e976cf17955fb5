"""Split a report into sections and units, losing no text.

A *unit* is a paragraph of body text, or one enumerated item of a paragraph
that lists several (``一是…二是…``, ``其一…``, ``第一,…``, ``1.…2.…``,
``(1)…(2)…``, ``①…②…``).  Headings of every level (``一、``, ``(一)``,
``1.``/``1、``, ``(1)``, ``①``) are context, carried by the units below them;
a heading that opens a paragraph (``(一)加强组织领导。一是…``) is cut off
and becomes context too.

Every non-space character of ``report.text`` lies in exactly one heading or
one unit: :func:`segment_spans` returns both, and the test-suite checks the
partition on real and generated reports.
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd

from .codebook import ROLES
from .errors import ResourceLimitError

__all__ = ["segment", "segment_spans", "Span", "UNIT_COLUMNS", "ROLES", "empty_units",
           "DEFAULT_MAX_UNITS"]

UNIT_COLUMNS = ["report_id", "unit_id", "section", "subsection", "role", "text", "start", "end"]
DEFAULT_MAX_UNITS = 100_000

_CN = "一二三四五六七八九十"
_CN_DIGIT = {c: i for i, c in enumerate(_CN, 1)}


def _cn_to_int(s: str) -> int:
    """Chinese numeral up to 99: 一→1, 十→10, 十二→12, 二十三→23."""
    if s.isdigit():
        return int(s)
    if "十" not in s:
        return _CN_DIGIT.get(s, 0) if len(s) == 1 else 0
    tens, _, ones = s.partition("十")
    t = _CN_DIGIT.get(tens, 0) if tens else 1
    o = _CN_DIGIT.get(ones, 0) if ones else 0
    return t * 10 + o


_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# heading markers at the start of a paragraph, by level
_HEADINGS = [
    (1, re.compile(rf"[{_CN}]{{1,3}}\s*[、.．]")),
    (2, re.compile(rf"[(（]\s*[{_CN}]{{1,3}}\s*[)）]")),
    (3, re.compile(r"\d{1,2}\s*(?:[.．、](?!\d)|(?=[\u4e00-\u9fff“\"《]))")),
    (4, re.compile(r"[(（]\s*\d{1,2}\s*[)）]")),
    (5, re.compile(rf"[{_CIRCLED}]")),
]
_SENT_END = re.compile(r"[。；;！!？?：:]")
_INNER_END = re.compile(r"[。；;！!？?]")
_LEAD_END = re.compile(r"[。！!？?：:]")

# enumeration markers inside a paragraph: (family, regex with group "n")
_ITEM_FAMILIES = [
    ("shi", re.compile(rf"(?P<n>[{_CN}]{{1,3}})是(?![否非])")),
    ("qi", re.compile(rf"其(?P<n>[{_CN}]{{1,3}})(?=[,，、:：是])")),
    ("di", re.compile(rf"第(?P<n>[{_CN}]{{1,3}})(?=[,，、:：])")),
    ("arabic", re.compile(r"(?P<n>\d{1,2})\s*[.．、](?!\d)")),
    ("paren", re.compile(r"[(（]\s*(?P<n>\d{1,2})\s*[)）]")),
    ("cnparen", re.compile(rf"[(（]\s*(?P<n>[{_CN}]{{1,3}})\s*[)）]")),
    ("circled", re.compile(rf"(?P<n>[{_CIRCLED}])")),
]
_ITEM_PRECEDERS = set("。；;，,：:！!？?）)”\"’ \t\u3000")

# what a heading's words say about the part it opens, in order of precedence; a year
# alone says nothing ("2022年工作回顾" reviews, "2023年工作计划" plans)
_ROLE_RULES = [
    ("leadership", re.compile(r"第一责任人|主要负责人|履行.{0,12}职责|述法")),
    ("problems", re.compile(r"问题|不足|短板|差距|困难|薄弱")),
    ("plans", re.compile(r"下一步|下一年|谋划|安排|打算|计划|思路|展望|工作重点|重点工作|目标任务|"
                         r"努力方向|明年")),
    ("measures", re.compile(r"举措|成效|开展情况|工作情况|工作回顾|工作总结|主要工作|做法|成绩|进展|"
                            r"落实情况|完成情况|推进情况|建设情况|总体情况|基本情况|主要情况")),
]


@dataclasses.dataclass(frozen=True)
class Span:
    """A piece of the report: a heading (``level`` 1–5) or a unit (``level`` 0)."""

    kind: str
    level: int
    start: int
    end: int
    text: str


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _heading_at(text: str, start: int, end: int) -> tuple[int, int] | None:
    """If a paragraph opens with a heading, return ``(level, heading_end)``."""
    para = text[start:end]
    chain = _item_chain(text, start, end)
    if chain and chain[0] == start:
        return None  # "1.…;2.…" is an enumerating paragraph, not a heading
    for level, pat in _HEADINGS:
        m = pat.match(para)
        if not m:
            continue
        rest = para[m.end():]
        if not rest.strip():
            return None  # a bare marker is not a heading
        if level == 3 and not re.match(r"[.．、]", para[m.end() - 1:m.end()] or "x") \
                and (len(para) > 30 or _SENT_END.search(para)):
            return None  # "12项…" opening a sentence is not a heading
        body_end = _INNER_END.search(para[:-1] if para[-1:] in "。；;" else para)
        if body_end is None and len(para) <= 60:
            return level, end  # a heading line
        lead = _LEAD_END.search(para, m.end())
        if lead is not None and lead.end() - m.end() <= 40 and para[lead.end():].strip():
            return level, start + lead.end()  # heading that opens a paragraph
        if body_end is None and level <= 2 and len(para) <= 80:
            return level, end
        return None
    return None


def _item_chain(text: str, start: int, end: int) -> list[int]:
    """Start offsets of the outermost enumeration (≥ 2 items) inside a paragraph."""
    best: list[int] = []
    for family, pat in _ITEM_FAMILIES:
        chain: list[int] = []
        expect = 1
        for m in pat.finditer(text, start, end):
            pos = m.start()
            if pos > start and text[pos - 1] not in _ITEM_PRECEDERS:
                continue
            raw = m.group("n")
            value = _CIRCLED.index(raw) + 1 if family == "circled" else _cn_to_int(raw)
            if value == expect:
                chain.append(pos)
                expect += 1
        if len(chain) >= 2 and (not best or chain[0] < best[0]):
            best = chain
    return best


def segment_spans(text: str) -> list[Span]:
    """Partition ``text`` into heading and unit spans, in order.

    Every non-space character belongs to exactly one span.

    Examples
    --------
    >>> spans = segment_spans("一、工作开展情况\\n(一)加强领导。一是建立专班;二是完善制度。")
    >>> [(s.kind, s.text) for s in spans]  # doctest: +NORMALIZE_WHITESPACE
    [('heading', '一、工作开展情况'), ('heading', '(一)加强领导。'),
     ('unit', '一是建立专班;'), ('unit', '二是完善制度。')]
    """
    if not isinstance(text, str):
        raise TypeError(f"segment_spans() takes a str, got {type(text).__name__}")
    spans: list[Span] = []
    for para in re.finditer(r"[^\n]+", text):
        s, e = _trim(text, para.start(), para.end())
        if s >= e:
            continue
        head = _heading_at(text, s, e)
        if head is not None:
            level, h_end = head
            hs, he = _trim(text, s, h_end)
            spans.append(Span("heading", level, hs, he, text[hs:he]))
            s, e = _trim(text, h_end, e)
            if s >= e:
                continue
        cuts = _item_chain(text, s, e)
        bounds = ([s] if not cuts or cuts[0] > s else []) + cuts + [e]
        for a, b in zip(bounds, bounds[1:]):
            us, ue = _trim(text, a, b)
            if us < ue:
                spans.append(Span("unit", 0, us, ue, text[us:ue]))
    return spans


def _heading_role(text: str | None) -> str | None:
    for role, pat in _ROLE_RULES:
        if text and pat.search(text):
            return role
    return None


def _role(section: str | None, subsection: str | None, has_sections: bool,
          after_review: bool) -> str:
    """The part a unit sits in, from its headings' words.

    A section whose heading names no part (``一、深入学习贯彻习近平法治思想``) reports
    what was done when it comes before the problems and plans, as reports put their
    achievements first; after them it is ``other``.
    """
    if section is None:
        return "preamble" if has_sections else "other"
    return (_heading_role(section) or _heading_role(subsection)
            or ("other" if after_review else "measures"))


def empty_units() -> pd.DataFrame:
    """An empty units table with the right columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("start", "end") else "object")
                         for c in UNIT_COLUMNS})


def segment(report, *, max_units: int = DEFAULT_MAX_UNITS) -> pd.DataFrame:
    """Split a report into units with their section context.

    Parameters
    ----------
    report : Report
        From :func:`nlp.read_report`.
    max_units : int, default 100000
        Refuse reports with more units than this (a sign of a broken file):
        :class:`~nlp.errors.ResourceLimitError` naming the report's file.

    Returns
    -------
    pandas.DataFrame
        Columns ``report_id, unit_id, section, subsection, role, text, start,
        end``; ``start``/``end`` are offsets into ``report.text``.  ``role`` is
        one of ``preamble, measures, problems, leadership, plans, other``.

    Examples
    --------
    >>> from nlp.ingest import Report
    >>> r = Report("r1", None, None, None, 2024, "一、工作开展情况\\n一是普法;二是执法。", "x.txt")
    >>> segment(r)[["unit_id", "role", "text"]].values.tolist()
    [['r1-001', 'measures', '一是普法;'], ['r1-002', 'measures', '二是执法。']]
    """
    if isinstance(max_units, bool) or not isinstance(max_units, int) or max_units <= 0:
        raise ValueError(f"max_units must be a positive int, got {max_units!r}")
    text = getattr(report, "text", None)
    if not isinstance(text, str) or not hasattr(report, "report_id"):
        raise TypeError(f"segment() takes a Report (from nlp.read_report), got "
                        f"{type(report).__name__}; for raw text use segment_spans(text)")
    if not getattr(report, "body_found", True):
        return empty_units()  # a page of links or a search page: nothing is a unit
    spans = segment_spans(text)
    has_sections = any(s.kind == "heading" and s.level == 1 for s in spans)
    context: dict[int, str] = {}
    rows = []
    after_review = False  # past a problems or plans section
    for span in spans:
        if span.kind == "heading":
            if span.level == 1 and _heading_role(context.get(1)) in ("problems", "plans"):
                after_review = True
            context[span.level] = span.text
            for deeper in range(span.level + 1, 6):
                context.pop(deeper, None)
            continue
        section = context.get(1)
        sub = " / ".join(context[lv] for lv in range(2, 6) if lv in context) or None
        rows.append({
            "report_id": report.report_id,
            "unit_id": f"{report.report_id}-{len(rows) + 1:03d}",
            "section": section,
            "subsection": sub,
            "role": _role(section, sub, has_sections, after_review),
            "text": span.text,
            "start": span.start,
            "end": span.end,
        })
        if len(rows) > max_units:
            raise ResourceLimitError(f"report has more than max_units={max_units} units",
                                     path=report.source)
    if not rows:
        return empty_units()
    return pd.DataFrame(rows, columns=UNIT_COLUMNS)
