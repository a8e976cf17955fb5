"""Metadata of a report inferred from its text, each field with the source it came from.

A saved page puts a report's metadata in many places: a title after the site
name, breadcrumbs and a disclosure block (索引号, 发文机关, 成文日期 …), a
title split over two lines, an opening sentence (``2023年,前进区教育局深入开展…``),
a signature.  :func:`infer_metadata` looks in each, in a fixed order of trust,
and says where every value came from:

=====================  ==========================================================
source                 meaning
=====================  ==========================================================
``title``              read off the report's title
``disclosure field``   a field of the page's disclosure block (发文机关, 信息来源 …)
``opening sentence``   the first sentence of the body (``2023年,我局…``)
``first heading``      a first section reviewing a year (``一、2020年…基本情况``)
``signature``          the agency or date lines closing the report
``agency``             derived from the agency's name (region, agency type)
``page``               the first place the page names (an agency named without it)
``publication date``   only the publication date: a *weak* guess of the covered year
=====================  ==========================================================

The covered year is never taken from a plans heading (``三、2024年工作计划``),
from ``…以来`` (``2010年以来``), or from the date of another event; a
government work report (政府工作报告, delivered early in the year) covers the
year before its title's year.
"""

from __future__ import annotations

import dataclasses
import re

from .clutter import DATE
from .divisions import find_region, place_prefix_length, region_in_texts

__all__ = ["Metadata", "split_header", "infer_metadata", "agency_type_of", "AGENCY_TYPES",
           "has_report_body"]

# what ends the name of a government body
_SUFFIX = (r"(?:人民政府办公室|人民政府|管理委员会|委员会|管委会|办公室|分局|支队|总队|"
           r"局|厅|委|办|署|院|部|中心|所|站|政府)")
_CJK = r"\u4e00-\u9fff"
_AGENCY = re.compile(rf"[{_CJK}·]{{1,30}}?{_SUFFIX}")
_TITLE_HINT = re.compile(r"报告|情况|总结|汇报")
_TITLE_TOPIC = re.compile(r"法治|依法行政|法制|政府工作报告")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[(（]\s*[一二三四五六七八九十]+\s*[)）]|"
                      r"\d{1,2}\s*[.．、])")
_SENTENCE_END = re.compile(r"[。；;！!？?]")
_SIGNATURE_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")
_LEADING_YEAR = re.compile(r"^\s*(?:(?:19|20)\d{2})\s*年度?\s*")
_RELATIVE = re.compile(r"^(?:省|市|区|县|镇|乡|本|我)")
# party committees above the reporting body, and phrases that end like an agency
_NOT_AGENCY = re.compile(r"(?:^|[省市区县州])委$|法治|依法|创建|示范|为中心$|"
                         r"^(?:我|本|该|各|全|现将|根据|以|为|和|与|及)")
_SUBJECT_VERB = re.compile(r"(?:党组|党委|对|坚持|深入|始终|认真|紧紧|全面|紧扣|扎实|持续|聚焦|围绕|按照|以|在|高度|积极|"
                           r"牢固|立足|大力|着力|切实|不断|进一步|严格|对照|结合|[(（,，])")
_UNDER = re.compile(r"在[^。;；]{0,60}?(?:领导|指导|关心|支持|部署|带领|监督)下"
                    r"(?:[和及与、][^。;；]{0,40}?(?:领导|指导|关心|支持|部署|带领|监督)下)*[,，、]?")
_REPORTING = re.compile(rf"现将\s*([{_CJK}·]{{1,30}}?{_SUFFIX})\s*(?=(?:19|20)\d{{2}}|关于|法治|依法)")
_TOWN_AT_START = re.compile(rf"^([{_CJK}]{{2,8}}?(?:镇|乡|街道))(?=(?:19|20)\d{{2}}|年度|法治|关于)")
_TITLE_YEAR = [
    re.compile(r"((?:19|20)\d{2})\s*年度"),
    re.compile(r"关于\s*((?:19|20)\d{2})\s*年"),
    re.compile(r"((?:19|20)\d{2})\s*年(?!\s*以来)[^。]{0,30}?(?:法治|依法行政|法制|工作|报告|情况)"),
    re.compile(r"((?:19|20)\d{2})\s*(?:[-—至]\s*(?:19|20)\d{2}\s*)?年?\s*(?:法治|依法行政)"),
]
# the covered year, in the opening of the body
_OPENING_YEAR = [
    re.compile(r"^\s*((?:19|20)\d{2})\s*年(?:度)?\s*(?:[,，、]|(?=[^以]))(?!以来|来)"),
    re.compile(r"现[将对就][^。；]{0,24}?((?:19|20)\d{2})\s*年"),
    re.compile(r"对\s*((?:19|20)\d{2})\s*年度?[^。]{0,30}?(?:情况|工作)[^。]{0,12}?(?:总结|报告|汇报)"),
    re.compile(r"((?:19|20)\d{2})\s*年度(?:[^。]{0,30})(?:情况|工作)(?:[^。]{0,10})(?:报告|汇报)如下"),
]
_PUBLISHED_KEYS = ("发布日期", "发布时间", "成文日期", "发文日期", "公开日期", "生成日期", "日期")
_AGENCY_KEYS = ("发文机关", "发文单位", "发布机构", "机构名称", "发布单位", "信息来源", "来源")

#: agency types, in the order they are tried against an agency's name
AGENCY_TYPES: tuple[tuple[str, str], ...] = (
    ("人民政府", r"人民政府|政府$|^[^局委厅办]*?(?:省|市|区|县|旗|州|盟|镇|乡|街道)$"),
    ("市场监管", r"市场监督|市场监管|市监"),
    ("教育", r"教育|教体|教委"),
    ("公安", r"公安"),
    ("司法", r"司法"),
    ("发展改革", r"发展和改革|发展改革|发改"),
    ("生态环境", r"生态环境|环境保护|环保"),
    ("人社", r"人力资源|人社|人力社保"),
    ("卫健", r"卫生健康|卫健|卫生和计划生育|卫计"),
    ("交通运输", r"交通"),
    ("自然资源", r"自然资源|国土|规划和自然资源|规划资源"),
    ("住建", r"住房和城乡建设|住建|住房城乡建设|建设局|建委"),
    ("应急管理", r"应急管理|应急局|安全生产监督"),
    ("税务", r"税务"),
    ("文旅", r"文化|旅游|文广|文旅|广电|体育"),
    ("农业农村", r"农业|农村|畜牧|林业"),
    ("民政", r"民政"),
    ("财政", r"财政"),
    ("水利", r"水利|水务"),
    ("商务", r"商务"),
    ("统计", r"统计"),
    ("医保", r"医疗保障|医保"),
    ("城管", r"城市管理|城管|综合行政执法|综合执法"),
    ("退役军人", r"退役军人"),
)


@dataclasses.dataclass
class Metadata:
    """Inferred fields and where each came from (``source[field]``)."""

    title: str | None = None
    agency: str | None = None
    region: str | None = None
    year: int | None = None
    published: str | None = None
    agency_type: str | None = None
    source: dict = dataclasses.field(default_factory=dict)


def _clean_title(line: str) -> str:
    line = line[:200].strip().strip("《》")
    parts = [p for p in re.split(r"\s*[_|｜]\s*|\s+-\s+|\s{2,}", line) if p]
    for p in parts:
        if _TITLE_HINT.search(p) and _TITLE_TOPIC.search(p):
            return p.strip()
    for p in parts:
        if _TITLE_HINT.search(p):
            return p.strip()
    return parts[0].strip() if parts else line


def _is_title(line: str) -> bool:
    return (len(line) <= 90 and bool(_TITLE_HINT.search(line)) and bool(_TITLE_TOPIC.search(line))
            and not _SENTENCE_END.search(line.rstrip("。")) and not re.search(r"[，,]", line)
            and not line.endswith((":", "："))
            and not _HEADING.match(line) and not line.startswith(("根据", "按照", "现将"))
            and not re.search(r"[>＞»›]|位置", line))


def _is_furniture(line: str) -> bool:
    """A short line without sentence punctuation: a site name, a menu, a date."""
    return len(line) <= 60 and not re.search(r"[。，,；;]", line)


def split_header(text: str) -> tuple[str | None, str, list[str], list[str]]:
    """Find the title in the head of a page and cut it (and the furniture above it) out.

    Returns ``(title, body, head_lines, signature_lines)``: ``head_lines`` are
    the site names and menus dropped above the title (and an addressee line
    such as ``市委、市政府:`` below it); ``signature_lines`` the agency and date
    lines that close the report.

    Examples
    --------
    >>> t, body, head, sig = split_header(
    ...     "某市政府网\\n某县司法局\\n关于2023年度法治政府建设情况的报告\\n县政府:\\n"
    ...     "2023年,我局扎实推进依法行政。\\n某县司法局\\n2024年1月5日")
    >>> t, body.strip(), head, sig
    ('某县司法局关于2023年度法治政府建设情况的报告', '2023年,我局扎实推进依法行政。', ['某市政府网', '县政府:'], ['2024年1月5日', '某县司法局'])
    """
    lines = text.split("\n")
    nonempty = [i for i, line in enumerate(lines) if line.strip()][:30]
    title = None
    head: list[str] = []
    at = None
    for k, i in enumerate(nonempty):
        line = lines[i].strip()
        if _is_title(line):
            at = k
            break
        nxt = lines[nonempty[k + 1]].strip() if k + 1 < len(nonempty) else ""
        if _is_furniture(line) and _TITLE_TOPIC.search(line) and len(nxt) <= 12 \
                and re.search(r"(?:报告|情况|总结)$", nxt) and _is_title(line + nxt):
            lines[i] = line + nxt  # "某局2025年法治政府建设" / "情况工作报告"
            lines[nonempty[k + 1]] = ""
            nonempty = [j for j in nonempty if j != nonempty[k + 1]]
            at = k
            break
        if not _is_furniture(line):
            break
    if at is not None:
        i = nonempty[at]
        title_lines = [i]
        line = lines[i].strip()
        prev = lines[nonempty[at - 1]].strip() if at > 0 else ""
        if prev and re.fullmatch(rf"[{_CJK}·()（）]{{2,40}}{_SUFFIX}", prev) \
                and line.startswith(("关于", "20", "19")):
            title_lines.insert(0, nonempty[at - 1])  # "某县司法局" / "关于…的报告"
            line = prev + line
        title = _clean_title(line)
        for j in nonempty[:at]:
            if j not in title_lines:
                head.append(lines[j].strip())
                lines[j] = ""
        for j in title_lines:
            lines[j] = ""
        # repeats of the title, furniture (an agency line, a date) and an addressee line
        # ("市委、市政府:") below it, up to the first line of prose
        for j in nonempty[at + 1:at + 7]:
            s = lines[j].strip()
            if not s:
                continue
            if _clean_title(s) == title or (title.endswith(s) and _is_title(s)):
                lines[j] = ""
            elif s.endswith((":", "：")) and len(s) <= 24 and re.search(r"委|政府|局|厅|部|办", s):
                head.append(s)
                lines[j] = ""
                break
            elif _is_furniture(s) and len(s) <= 40 and not _HEADING.match(s):
                if re.fullmatch(rf"[{_CJK}·()（）]{{2,40}}{_SUFFIX}", s) and \
                        _agency_in(title) is None and title.startswith(("关于", "20", "19")):
                    title = s + title  # "某局" under "2023年法治政府建设工作年度报告"
                head.append(s)
                lines[j] = ""
            else:
                break
    if at is None:  # an addressee line opening the body ("市委、市政府:")
        first = next((j for j in range(len(lines)) if lines[j].strip()), None)
        s = lines[first].strip() if first is not None else ""
        if s and len(s) <= 24 and s.endswith((":", "：")) and re.search(r"委|政府|局|厅|部|办", s):
            head.append(s)
            lines[first] = ""
    signature: list[str] = []
    j = len(lines) - 1
    while j >= 0 and len(signature) < 4:
        s = lines[j].strip()
        if not s:
            j -= 1
            continue
        if len(s) <= 30 and not re.search(r"[。，,；;：:]", s) and (
                re.search(_SUFFIX + r"$", s) or _SIGNATURE_DATE.fullmatch(s)):
            signature.append(s)
            lines[j] = ""
            j -= 1
            continue
        break
    return title, "\n".join(lines), head, signature


def _first_sentence(para: str) -> str:
    """The first sentence of a paragraph (up to 200 characters)."""
    m = _SENTENCE_END.search(para)
    return para[:m.start() if m else 200][:200]


def _year_from_title(title: str) -> int | None:
    for pat in _TITLE_YEAR:
        m = pat.search(title)
        if m:
            year = int(m.group(1))
            # a government work report is delivered early in the year, on the year before
            return year - 1 if "政府工作报告" in title and "年度" not in title else year
    return None


def _lead_paragraphs(body: str, n: int = 2) -> list[str]:
    """The first ``n`` paragraphs before the first heading."""
    out = []
    for p in body.split("\n"):
        p = p.strip()
        if not p:
            continue
        if _HEADING.match(p) or len(out) == n:
            break
        out.append(p)
    return out


def _year_from_opening(body: str) -> int | None:
    paras = _lead_paragraphs(body)
    for para in paras:  # "2023年,我局…" opening a lead paragraph
        m = _OPENING_YEAR[0].match(para[:40])
        if m:
            return int(m.group(1))
    for para in paras:
        for pat in _OPENING_YEAR[1:]:
            m = pat.search(para[:400])
            if m:
                return int(m.group(1))
    return None


_PLAN_WORDS = re.compile(r"下一步|下一年|计划|安排|打算|思路|展望|重点|目标|谋划|明年")


def _year_from_first_heading(body: str) -> int | None:
    """``一、2020年法治政府建设基本情况``: a first section that reviews a year, not a plan."""
    for p in body.split("\n"):
        p = p.strip()
        if _HEADING.match(p):
            m = re.search(r"((?:19|20)\d{2})\s*年度?(?!\s*以来)", p[:60])
            if m and not _PLAN_WORDS.search(p[:60]):
                return int(m.group(1))
            return None
    return None


def _date(text: str) -> str | None:
    m = DATE.search(text or "")
    if m:
        y, mo, d = (int(x) for x in m.groups())
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


_PUBLISHED_INLINE = re.compile(r"(?:发布|公开|成文)(?:时间|日期)\s*[:：]?\s*(\d{4}\s*[-年/.]\s*\d{1,2}"
                               r"\s*[-月/.]\s*\d{1,2})")


def _published(meta: dict[str, str], head: list[str] = ()) -> tuple[str | None, str | None]:
    """The publication date and where it came from: a disclosure field, a field written
    inside another (``信息来源: 区教育局 发布时间 2022-02-14``), or a date alone on a line
    of the page's head (next to the title)."""
    for key in _PUBLISHED_KEYS:
        found = _date(meta.get(key, ""))
        if found:
            return found, "disclosure field"
    for value in meta.values():
        m = _PUBLISHED_INLINE.search(value or "")
        if m and _date(m.group(1)):
            return _date(m.group(1)), "disclosure field"
    for line in head:
        if _SIGNATURE_DATE.fullmatch(re.sub(r"^[\s•·(（]+|[\s)）]+$|\s+\d{1,2}:\d{2}(:\d{2})?$", "",
                                            line)):
            return _date(line), "page"
    return None, None


def _agency_in(text: str, *, whole: bool = False) -> str | None:
    """An agency name at the start of ``text`` (after a year), or the whole of it."""
    text = re.sub(r"^中共", "", _LEADING_YEAR.sub("", (text or "").strip()))
    if whole:
        m = re.fullmatch(rf"([{_CJK}·()（）]{{2,40}}?{_SUFFIX})", text)
        return m.group(1) if m else None
    m = re.match(rf"([{_CJK}·()（）]{{2,40}}?{_SUFFIX})(?=\s*(?:关于|[(（]|(?:19|20)\d{{2}}|年度|法治|"
                 rf"依法|推进|贯彻|落实|工作|$))", text)
    return m.group(1) if m and not _NOT_AGENCY.search(m.group(1)) else None


def _place_at_start(text: str) -> str | None:
    """The places named at the start of ``text`` (after a year), when they are its subject:
    ``重庆市綦江区2022年法治政府建设情况报告``, ``2022年,兴国县坚持…``."""
    text = _LEADING_YEAR.sub("", (text or "").strip()).lstrip("，,、 ")
    end = place_prefix_length(text)
    if not end:
        return None
    rest = text[end:]
    if re.match(r"(?:(?:19|20)\d{2}|年度|法治|关于|全[市区县省])", rest) or _SUBJECT_VERB.match(rest):
        return text[:end]
    return None


def _agency_in_sentence(sentence: str) -> str | None:
    first = _UNDER.sub("", sentence)
    first = re.sub(r"^中共", "", _LEADING_YEAR.sub("", first).lstrip("，,、 "))
    for m in _AGENCY.finditer(first):
        if _NOT_AGENCY.search(m.group()):
            continue
        # the subject of a clause: an agency name followed by what it did
        if (m.start() == 0 or first[m.start() - 1] in ",，") and _SUBJECT_VERB.match(
                first[m.end():]):
            return m.group()
        # an agency name that contains a place name: from the place on
        for k in range(m.start(), m.end() - 1):
            if find_region([first[k:m.end()]]) is not None:
                return first[k:m.end()]
    place = _place_at_start(first)
    return f"{place}人民政府" if place else None


def _agency_in_body(body: str) -> str | None:
    """The first agency name with a place in the first 600 characters of the body, outside
    "在…领导下" clauses and document titles (《…》)."""
    text = _UNDER.sub("", re.sub(r"《[^》]{0,80}》", "", body[:600]))
    for m in _AGENCY.finditer(text):
        name = re.sub(r"^中共", "", m.group())
        if _NOT_AGENCY.search(name) or name.endswith(("委", "政府")):
            continue
        for k in range(len(name) - 1):
            if find_region([name[k:]]) is not None:
                return name[k:]
    return None


def _agency_of_document(body: str) -> str | None:
    """An agency (not a government or its office) opening the title of a document the body
    cites in its first 1500 characters: ``《某区卫生健康局2025年普法工作要点》``."""
    for m in re.finditer(r"《([^》]{4,80})》", body[:1500]):
        name = _agency_in(m.group(1))
        if name and not _NOT_AGENCY.search(name) and not re.search(r"政府|办公厅|办公室|委员会$|"
                                                                  r"委$|党", name):
            if find_region([name]) is not None:
                return name
    return None


def _agencies_from_opening(body: str) -> list[str]:
    """Agency names in the first sentences of the lead paragraphs, in order."""
    out = []
    for para in _lead_paragraphs(body):
        found = _agency_in_sentence(_first_sentence(para))
        if found:
            out.append(found)
        m = _REPORTING.search(para[:300])  # "现将市人社局2021年法治政府建设情况报告如下"
        if m and not _NOT_AGENCY.search(m.group(1)):
            out.append(m.group(1))
    return out


def agency_type_of(agency: str | None) -> str | None:
    """The kind of agency, from its name: one of :data:`AGENCY_TYPES` or ``其他``.

    Examples
    --------
    >>> agency_type_of("南京市江宁区市场监督管理局"), agency_type_of("静海区人民政府")
    ('市场监管', '人民政府')
    >>> agency_type_of(None) is None
    True
    """
    if not agency:
        return None
    for name, pattern in AGENCY_TYPES:
        if re.search(pattern, agency):
            return name
    return "其他"


def has_report_body(body: str) -> bool:
    """Whether a page holds a report's prose, not only links, menus or a search form.

    A body is found when some sentence (ended by 。；！？) has at least eight
    Chinese characters: a page of links, menus and titles has none.

    Examples
    --------
    >>> has_report_body("首页\\n政务公开\\n法治政府建设年度报告\\n下一页")
    False
    >>> has_report_body("一是推行一网通办;二是落实证照分离。")
    True
    """
    pieces = re.split(r"[。；;！!？?]", body)
    return any(len(re.findall(rf"[{_CJK}]", piece.rpartition("\n")[2])) >= 8
               for piece in pieces[:-1])


def infer_metadata(title: str | None, body: str, meta: dict[str, str], *,
                   head: list[str] = (), signature: list[str] = ()) -> Metadata:
    """Title, agency, region, covered year, publication date and agency type, with sources.

    Parameters
    ----------
    title : str or None
        From :func:`split_header`.
    body : str
        The report body (clutter and header removed).
    meta : dict
        Disclosure fields from :func:`~nlp.ingest.clutter.strip_clutter`.
    head, signature : list of str
        Lines :func:`split_header` cut from the top and the end.

    Examples
    --------
    >>> m = infer_metadata(None, "2023年,在区委的领导下,前进区教育局深入开展普法。", {})
    >>> m.agency, m.year, m.region, m.source["agency"], m.source["year"]
    ('前进区教育局', 2023, '黑龙江省佳木斯市前进区', 'opening sentence', 'opening sentence')
    """
    out = Metadata(title=title)
    if title:
        out.source["title"] = "title"
    # agency: title, disclosure fields, opening sentence, signature
    candidates = [(_agency_in(title) if title else None, "title")]
    if title and candidates[0][0] is None:
        place = _place_at_start(title)
        town = _TOWN_AT_START.match(_LEADING_YEAR.sub("", title))
        place = place or (town.group(1) if town else None)
        candidates.append((f"{place}人民政府" if place else None, "title"))
    for key in _AGENCY_KEYS:
        value = (meta.get(key) or "").strip()
        if value and not re.search(r"网|门户|网站|新闻|报社|日报", value):
            candidates.append((_agency_in(value, whole=True), "disclosure field"))
    candidates += [(a, "opening sentence") for a in _agencies_from_opening(body)]
    candidates += [(_agency_in(s, whole=True), "signature") for s in signature]
    if not any(a for a, _ in candidates):  # "我局…": the first agency with a place the body names
        candidates.append((_agency_in_body(body), "body"))
    if not any(a for a, _ in candidates):  # …or the agency that issued a document it cites
        candidates.append((_agency_of_document(body), "body"))
    found = [(a, s) for a, s in candidates if a]
    # "区教育局", "市卫健委" name the agency relative to a place: any other name beats them
    named = [(a, s) for a, s in found if not _RELATIVE.match(a)] or found
    if named:
        agency, source = named[0]
        # the same agency with its place in front ("上海市" + "宝山区教育局") is fuller
        fuller = [(a, s) for a, s in found if a != agency and a.endswith(agency)]
        out.agency, out.source["agency"] = max(fuller, key=lambda x: len(x[0]),
                                               default=(agency, source))
    # region: the agency's place, disambiguated by the page's other names; for an agency
    # named without its place ("区司法局", "我局"), the first place the page names
    context = [t[:200] for t in (title or "", *head, *signature,
                                 *(meta.get(k, "") for k in (*_AGENCY_KEYS, "站点", "页面")))]
    region = find_region([out.agency or "", title or ""], context)
    source = "agency" if out.agency and find_region([out.agency]) else "title"
    if region is None or (out.agency and _RELATIVE.match(out.agency)):
        level = {"省": 1, "市": 2, "区": 3, "县": 3}.get((out.agency or " ")[0])
        found = region_in_texts([title or "", *head, *signature, meta.get("页面", ""),
                                 *(meta.get(k, "") for k in (*_AGENCY_KEYS, "站点")),
                                 *_lead_paragraphs(body), body[:1500]], level)
        if found is not None:
            region, source = found, "page"
    if region is not None:
        out.region, out.source["region"] = region.name, source
    # covered year: title, then opening, then (weakly) the publication date
    out.published, source = _published(meta, head)
    if out.published:
        out.source["published"] = source
    year = _year_from_title(title) if title else None
    if year is not None:
        out.year, out.source["year"] = year, "title"
    else:
        year = _year_from_opening(body)
        heading_year = _year_from_first_heading(body) if year is None else None
        if year is not None:
            out.year, out.source["year"] = year, "opening sentence"
        elif heading_year is not None:
            out.year, out.source["year"] = heading_year, "first heading"
        elif out.published:
            y, mo = int(out.published[:4]), int(out.published[5:7])
            out.year, out.source["year"] = (y - 1 if mo <= 6 else y), "publication date"
    out.agency_type = agency_type_of(out.agency)
    if out.agency_type:
        out.source["agency_type"] = "agency"
    return out
