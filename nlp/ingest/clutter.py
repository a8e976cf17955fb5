"""Web-page clutter: breadcrumbs, share widgets, footers and metadata tables.

:func:`strip_clutter` removes clutter lines and returns the metadata fields
(发布日期, 发文机关, 信息来源 …) of disclosure blocks as a dict.
"""

from __future__ import annotations

import re

__all__ = ["strip_clutter", "parse_meta_line", "DATE"]

_CLUTTER_LINE = re.compile(
    r"^\s*(?:[•·●▪■◆>»【\[]\s*)*(?:"
    r"当前位置|您的位置|你的位置|首页\s*[>＞»/]|"
    r"字号|【\s*字号|打印(?:本页)?$|分享(?:到)?|关闭(?:窗口|本页)?$|"
    r"文件预览|附件下载|附件[:：]?$|相关文章|相关链接|相关阅读|上一篇|下一篇|"
    r"当前页二维码|扫一扫|二维码|"
    r"版权所有|主办单位|承办单位|技术支持|网站标识码|网站地图|联系我们|"
    r"\S{0,40}?ICP\s*备|\S{0,40}?公网安备|京ICP|沪ICP|鄂ICP|政府网站找错|无障碍|适老化|"
    r"正文$|来源[:：]?$|浏览次数|阅读次数|访问量|【\s*(?:大|中|小)\s*】|"
    r"责任编辑|编辑[:：]|"
    r"(?:大|中|小)\s+(?:大|中|小)\s+(?:大|中|小)"
    r")"
)

_META_KEYS = (
    "索引号", "所属类目", "主题分类", "体裁", "体 裁", "发布日期", "发文字号", "发文日期",
    "公开类别", "机构名称", "发文机关", "发布机构", "成文日期", "公开方式", "信息来源",
    "发布时间", "来源", "分类", "文号", "有效性", "生效日期", "主题词", "组配分类",
    "公开范围", "公开时限", "信息索引号", "发布单位",
)
_META_LINE = re.compile(
    r"^\s*[•·●▪■◆]?\s*(" + "|".join(re.escape(k).replace(r"\ ", r"\s*") for k in _META_KEYS)
    + r")\s*[:：]\s*(.*)$"
)
_SPACED_KEY = re.compile(r"\s+")
_META_INNER = re.compile(r"(?<!\s)\s+(?=(?:" + "|".join(_META_KEYS) + r")\s*[:：]?)")
DATE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")


def parse_meta_line(line: str) -> dict[str, str] | None:
    """Parse ``信息来源: 区教育局 发布时间 2022-02-14`` style lines into fields."""
    m = _META_LINE.match(line.lstrip())
    if not m:
        return None
    key = _SPACED_KEY.sub("", m.group(1))
    value = m.group(2).strip()
    out = {key: value}
    # a line may carry several "key: value" pairs, or "key value" for a date
    inner = _META_INNER.split(value)
    if len(inner) > 1:
        out[key] = inner[0].strip()
        for part in inner[1:]:
            sub = re.match(r"(\S+?)\s*[:：]?\s+(.*)$", part)
            if sub:
                out[sub.group(1)] = sub.group(2).strip()
    return out


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
    for line in text.split("\n"):
        parsed = parse_meta_line(line)
        if parsed is not None:
            for k, v in parsed.items():
                if v:
                    meta.setdefault(k, v)
            out.append("")
        elif _CLUTTER_LINE.match(line):
            out.append("")
        else:
            out.append(line)
    return "\n".join(out), meta
