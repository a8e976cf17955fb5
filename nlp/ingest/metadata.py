"""Metadata of a report inferred from its text: title, agency, region, covered year."""

from __future__ import annotations

import re

from .clutter import DATE

__all__ = ["split_header", "infer_year", "infer_agency", "infer_region"]

_AGENCY_SUFFIX = (r"(?:教育局|教育委员会|教育厅|教育体育局|教体局|文化和旅游局|市场监督管理局|公安局|"
                  r"司法局|卫生健康委员会|卫健委|人力资源和社会保障局|自然资源局|生态环境局|"
                  r"住房和城乡建设局|交通运输局|农业农村局|水利局|商务局|应急管理局|税务局|"
                  r"财政局|民政局|[^\s,，。、]{1,8}?(?:局|委员会|厅|委|办公室|署|中心|人民政府))")
_AGENCY_IN_TITLE = re.compile(r"^(.{2,30}?" + _AGENCY_SUFFIX + r")(?=\d{4}|关于|法治|年度|$)")
_AGENCY_OPENING = re.compile(r"^(?:\d{4}年(?:度)?[,，]?\s*)?([^\s,，。:：;；]{2,30}?"
                             + _AGENCY_SUFFIX + r")(?=坚持|深入|始终|认真|紧紧|全面|在|以|按照|围绕|高度|"
                             r"积极|聚焦|持续|牢固|立足|扎实|紧扣|[,，])")
_REGION = re.compile(r"((?:[\u4e00-\u9fff]{2,7}?(?:省|自治区))?(?:[\u4e00-\u9fff]{2,7}?市)?"
                     r"(?:[\u4e00-\u9fff·]{1,7}?(?:区|县|旗))?)(?=人民政府|教育局|[\u4e00-\u9fff]{0,8}局)")
_YEAR_PATTERNS = [
    re.compile(r"(20\d{2}|19\d{2})\s*年度"),
    re.compile(r"现将\s*(20\d{2})\s*年"),
    re.compile(r"(20\d{2})\s*年\s*(?:以来|法治政府建设|依法行政|法治建设|工作)"),
    re.compile(r"(20\d{2})\s*(?:年\s*)?(?:法治政府建设)?(?:主要)?(?:举措|工作情况|成效)"),
]
_TITLE_HINT = re.compile(r"报告|情况|总结")


def _clean_title(line: str) -> str:
    line = line.strip()
    parts = [p for p in re.split(r"\s*[_|｜]\s*|\s+-\s+", line) if p]
    for p in parts:
        if _TITLE_HINT.search(p):
            return p.strip()
    return parts[0].strip() if parts else line


def infer_year(title: str | None, body: str, meta: dict[str, str]) -> int | None:
    for source in (title or "", body[:600], body):
        for pat in _YEAR_PATTERNS:
            m = pat.search(source)
            if m:
                return int(m.group(1))
        if source is body:
            break
    for key in ("发布日期", "发文日期", "成文日期", "发布时间"):
        m = DATE.search(meta.get(key, ""))
        if m:
            return int(m.group(1)) - 1 if int(m.group(2)) <= 6 else int(m.group(1))
    return None


def infer_agency(title: str | None, body: str) -> str | None:
    if title:
        m = _AGENCY_IN_TITLE.match(title)
        if m:
            return m.group(1)
    first = body.strip().split("\n", 1)[0][:80]
    m = _AGENCY_OPENING.match(first)
    return m.group(1) if m else None


def infer_region(candidates: list[str]) -> str | None:
    for text in candidates:
        m = _REGION.search(text or "")
        if m and m.group(1) and re.search(r"省|市|自治区", m.group(1)):
            return m.group(1)
    return None


def split_header(text: str) -> tuple[str | None, str, list[str]]:
    """Pick the title from the top lines and cut it (and its repeats) from the body.

    Returns ``(title, body, dropped_lines)``.
    """
    lines = text.split("\n")
    title = None
    dropped: list[str] = []
    i = 0
    # look at the first few non-empty lines for a short title-like line
    while i < len(lines) and i < 12:
        line = lines[i].strip()
        if not line:
            i += 1
            continue
        is_title_like = (len(line) <= 80 and _TITLE_HINT.search(line)
                         and not re.search(r"[。；;]", line) and not re.match(r"^[一二三四五六七八九十]+、", line))
        if is_title_like and (title is None or _clean_title(line) in (title, _clean_title(title))
                              or title in line):
            if title is None:
                title = _clean_title(line)
            dropped.append(line)
            lines[i] = ""
            i += 1
            continue
        break
    # trailing signature: an agency name or a date alone on the last lines
    j = len(lines) - 1
    while j >= 0:
        line = lines[j].strip()
        if not line:
            j -= 1
            continue
        if len(line) <= 30 and not re.search(r"[。，,；;：:]", line) and (
                re.search(_AGENCY_SUFFIX + r"$", line) or DATE.fullmatch(line)
                or re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", line)):
            dropped.append(line)
            lines[j] = ""
            j -= 1
            continue
        break
    return title, "\n".join(lines), dropped
