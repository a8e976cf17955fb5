"""Web-page clutter: breadcrumbs, share widgets, footers and metadata tables.

:func:`strip_clutter` removes clutter lines and returns the metadata fields
(发布日期, 发文机关, 信息来源 …) of disclosure blocks as a dict.
"""

from __future__ import annotations

import re

__all__ = ["strip_clutter", "parse_meta_line", "DATE", "META_KEYS"]

_CLUTTER_LINE = re.compile(
    r"^\s*(?:[•·●▪■◆>»【\[]\s*)*(?:"
    r"(?:您|你)?(?:现在|当前)?(?:所在)?(?:的)?位置\s*[:：]|当前位置|首页\s*[>＞»/]|"
    r"字号|【\s*字号|打印(?:本页)?$|分享(?:到)?|关闭(?:窗口|本页)?$|"
    r"文件预览|附件下载|附件[:：]?$|相关文章|相关链接|相关阅读|上一篇|下一篇|"
    r"当前页二维码|扫一扫|二维码|"
    r"版权所有|主办单位|承办单位|技术支持|网站标识码|网站地图|联系我们|"
    r"\S{0,40}?ICP\s*备|\S{0,40}?公网安备|京ICP|沪ICP|鄂ICP|政府网站找错|无障碍|适老化|"
    r"正文$|来源[:：]?$|浏览次数|浏览量|阅读次数|访问量|字体[:：]?|保护视力色|【\s*(?:大|中|小)\s*】|"
    r"责任编辑|编辑[:：]|"
    r"(?:大|中|小)\s+(?:大|中|小)\s+(?:大|中|小)"
    r")"
)

META_KEYS = (
    "索引号", "信息索引号", "所属类目", "主题分类", "体裁分类", "体裁", "体 裁", "发布日期",
    "发文字号", "发文日期", "公开类别", "机构名称", "发文机关", "发文单位", "发布机构", "成文日期",
    "生成日期", "公开方式", "信息来源", "发布时间", "来源", "分类", "文号", "有效性", "生效日期",
    "主题词", "组配分类", "公开范围", "公开时限", "发布单位", "公开日期", "发布人", "作者",
    "浏览次数", "访问次数", "点击数", "公文种类", "内容分类", "信息分类", "文种", "日期",
)
_KEY = "|".join(sorted((re.escape(k).replace(r"\ ", r"\s*") for k in META_KEYS), key=len,
                       reverse=True))
# a key in brackets ("[ 索引号 ]", "【发布机构】") needs no colon; a bare key needs one
_META_FIELD = re.compile(r"(?:[\[【]\s*(?P<bk>" + _KEY + r")\s*[\]】]\s*[:：]?|"
                         r"(?P<k>" + _KEY + r")\s*[:：])\s*")
_SENTENCE_MARK = re.compile(r"[。，,；;！？]")
_SPACED_KEY = re.compile(r"\s+")
DATE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")


def parse_meta_line(line: str) -> dict[str, str] | None:
    """Fields of a disclosure-block line, or None for any other line.

    Handles ``key: value`` pairs (several on a line), bracketed keys
    (``[ 发布机构 ] 市卫健委``) and a site name before the fields
    (``某某政府网 发布时间:2024-03-28``; kept under ``站点``).

    Examples
    --------
    >>> parse_meta_line("[ 索引号 ] 11500/2021-00088 [ 发文字号 ]")
    {'索引号': '11500/2021-00088', '发文字号': ''}
    >>> parse_meta_line("来源:静海区人民政府办公室 发布时间:2024-03-28 09:18")
    {'来源': '静海区人民政府办公室', '发布时间': '2024-03-28 09:18'}
    >>> parse_meta_line("来源于群众的意见,我们认真研究。") is None
    True
    """
    text = line.strip().lstrip("•·●▪■◆ ")
    if len(text) > 240:
        return None
    fields = list(_META_FIELD.finditer(text))
    if not fields:
        return None
    before = text[:fields[0].start()].strip()
    if len(before) > 40 or _SENTENCE_MARK.search(before) or "。" in text:
        return None
    out: dict[str, str] = {"站点": before} if before else {}
    for i, m in enumerate(fields):
        key = _SPACED_KEY.sub("", m.group("bk") or m.group("k"))
        end = fields[i + 1].start() if i + 1 < len(fields) else len(text)
        value = text[m.end():end].strip(" |｜")
        out.setdefault(key, value)
    return out


def _is_breadcrumb(line: str) -> bool:
    """``首页 > 政务公开 > 法治政府建设``: two or more ``>`` and no sentence."""
    # counted with str.count: a regex with \s* around the marks backtracks on long blank runs
    return (sum(line.count(mark) for mark in ">＞»›") >= 2 and len(line) <= 400
            and not re.search(r"[。，；]", line))


def strip_clutter(text: str) -> tuple[str, dict[str, str]]:
    """Remove web-page clutter lines; return ``(body, metadata)``.

    Breadcrumbs, font-size and share widgets, attachment and related-article
    blocks, QR-code lines, ICP footers and metadata tables go; metadata
    values (发布日期, 发文机关…) are returned in a dict.  Lines are replaced
    by empty lines rather than deleted, so paragraph breaks survive.

    Examples
    --------
    >>> body, meta = strip_clutter("当前位置:首页 > 法治政府\\n发布日期: 2022-02-14\\n正文第一段。")
    >>> body.strip(), meta["发布日期"]
    ('正文第一段。', '2022-02-14')
    """
    meta: dict[str, str] = {}
    out = []
    removed: list[str] = []
    for line in text.split("\n"):
        parsed = parse_meta_line(line)
        if parsed is not None:
            for k, v in parsed.items():
                if v:
                    meta.setdefault(k, v)
            out.append("")
        elif _CLUTTER_LINE.match(line) or _is_breadcrumb(line):
            out.append("")
            if len(removed) < 12 and line.strip():
                removed.append(line.strip()[:120])
        else:
            out.append(line)
    if removed:  # breadcrumbs and site names: where the page comes from
        meta.setdefault("页面", " | ".join(removed))
    return "\n".join(out), meta
