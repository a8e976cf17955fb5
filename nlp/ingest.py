"""Read report files as researchers really have them.

Formats: ``.txt``/``.md``, saved web pages (``.html``/``.htm``), ``.docx`` and
``.pdf``.  Encodings: UTF-8 (with or without BOM), GB18030/GBK/GB2312 and
Big5.  Traditional characters are converted to simplified, full-width letters
and digits are normalised, site clutter is stripped, and metadata (title,
agency, region, the year the report covers) is inferred.

Readers know nothing of themes: they return :class:`Report` objects.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from ._formats import (
    DEFAULT_LIMITS,
    SUPPORTED_SUFFIXES,
    Limits,
    decode_bytes,
    read_raw_text,
)
from .errors import InputError, ResourceLimitError

__all__ = [
    "Report",
    "Corpus",
    "Limits",
    "read_report",
    "load_corpus",
    "report_files",
    "decode_bytes",
    "normalize_text",
    "strip_clutter",
    "SUPPORTED_SUFFIXES",
]

log = logging.getLogger(__name__)



@dataclasses.dataclass(frozen=True)
class Report:
    """One report: its cleaned body text and metadata.

    Attributes
    ----------
    report_id : str
        Stable identifier (from ``reports.csv`` or the file name).
    title, agency, region : str or None
        Inferred from the text unless given.
    year : int or None
        The year the report *covers* (a report published in 2022 on 2021 is 2021).
    text : str
        The cleaned body; segment offsets point into it.
    source : str
        The file it was read from.
    """

    report_id: str
    title: str | None
    agency: str | None
    region: str | None
    year: int | None
    text: str
    source: str

    def __repr__(self) -> str:
        return (f"Report(report_id={self.report_id!r}, agency={self.agency!r}, "
                f"year={self.year!r}, chars={len(self.text)})")


# --------------------------------------------------------------------------- normalising

_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}
_FULLWIDTH.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})
_FULLWIDTH.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})
_FULLWIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0xFEFF: None, 0x200B: None})

_PINYIN_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
_PINYIN_AFTER_HAN = re.compile(
    rf"(?<=[\u4e00-\u9fff])[(（](?=[a-z{_PINYIN_VOWELS}]*[{_PINYIN_VOWELS}])"
    rf"[a-z{_PINYIN_VOWELS}]{{1,7}}[)）]"
)


def normalize_text(text: str) -> str:
    """Normalise characters: LF line ends, full-width letters and digits to
    ASCII, traditional to simplified, pinyin glosses removed.

    Punctuation keeps its width (``，`` stays ``，``).

    Examples
    --------
    >>> normalize_text("建設(shè)法治政府２０２１年\\r\\n")
    '建设法治政府2021年\\n'
    """
    from . import _zhconv

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_FULLWIDTH)
    text = _PINYIN_AFTER_HAN.sub("", text)
    if _zhconv.is_traditional(text):
        text = _zhconv.to_simplified(text)
        text = _PINYIN_AFTER_HAN.sub("", text)
    else:
        text = _zhconv.fix_stray_traditional(text)
    return text


# --------------------------------------------------------------------------- clutter

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
_DATE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")


def _parse_meta_line(line: str) -> dict[str, str] | None:
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
        parsed = _parse_meta_line(line)
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


# --------------------------------------------------------------------------- metadata

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


def _infer_year(title: str | None, body: str, meta: dict[str, str]) -> int | None:
    for source in (title or "", body[:600], body):
        for pat in _YEAR_PATTERNS:
            m = pat.search(source)
            if m:
                return int(m.group(1))
        if source is body:
            break
    for key in ("发布日期", "发文日期", "成文日期", "发布时间"):
        m = _DATE.search(meta.get(key, ""))
        if m:
            return int(m.group(1)) - 1 if int(m.group(2)) <= 6 else int(m.group(1))
    return None


def _infer_agency(title: str | None, body: str) -> str | None:
    if title:
        m = _AGENCY_IN_TITLE.match(title)
        if m:
            return m.group(1)
    first = body.strip().split("\n", 1)[0][:80]
    m = _AGENCY_OPENING.match(first)
    return m.group(1) if m else None


def _infer_region(candidates: list[str]) -> str | None:
    for text in candidates:
        m = _REGION.search(text or "")
        if m and m.group(1) and re.search(r"省|市|自治区", m.group(1)):
            return m.group(1)
    return None


def _split_header(text: str) -> tuple[str | None, str, list[str]]:
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
                re.search(_AGENCY_SUFFIX + r"$", line) or _DATE.fullmatch(line)
                or re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", line)):
            dropped.append(line)
            lines[j] = ""
            j -= 1
            continue
        break
    return title, "\n".join(lines), dropped


def _check_limits(limits) -> None:
    if not isinstance(limits, Limits):
        raise TypeError(f"limits must be an nlp.Limits, got {type(limits).__name__} {limits!r}")


def read_report(path: str | Path, *, limits: Limits = DEFAULT_LIMITS, **overrides) -> Report:
    """Read one report file into a :class:`Report`.

    Parameters
    ----------
    path : str or Path
        A ``.txt``, ``.md``, ``.html``/``.htm``, ``.docx`` or ``.pdf`` file.
    limits : Limits, optional
        Resource bounds: ``Limits(max_bytes=, max_unpacked_bytes=, max_chars=,
        max_units=)``; going over one raises :class:`ResourceLimitError`.
    **overrides
        ``report_id``, ``title``, ``agency``, ``region``, ``year``: these win
        over what is inferred from the text.

    Raises
    ------
    InputError
        Missing path, directory, symbolic-link loop, unreadable file,
        unsupported type, empty or binary file, undecodable, truncated or
        mixed-encoding bytes, a broken .docx/.pdf, a file with no body text;
        the message names the file (and the line when known).
    ResourceLimitError
        The file, its unpacked content or its text is over a limit.

    Examples
    --------
    >>> r = read_report("corpus/reports/tieshan_2024.txt")  # doctest: +SKIP
    >>> r.agency, r.year                                      # doctest: +SKIP
    ('开发区·铁山区教育局', 2024)
    """
    path = Path(path)
    unknown = set(overrides) - {"report_id", "title", "agency", "region", "year"}
    if unknown:
        raise TypeError(f"unknown override(s) {sorted(unknown)}; allowed: report_id, title, "
                        "agency, region, year")
    _check_limits(limits)
    raw = read_raw_text(path, limits)
    text = normalize_text(raw)
    body, meta = strip_clutter(text)
    title, body, dropped = _split_header(body)
    body = "\n".join(line.rstrip(" \t") for line in body.split("\n"))
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    if not re.search(r"[\u4e00-\u9fff]", body):
        raise InputError("no Chinese body text found (empty, navigation only, or not a report)",
                         path=path)
    if len(body) > limits.max_chars:
        raise ResourceLimitError(f"body has {len(body)} characters, over max_chars="
                                 f"{limits.max_chars}", path=path)
    year = overrides.get("year")
    if year in (None, ""):
        year = _infer_year(title, body, meta)
    elif isinstance(year, bool) or not str(year).strip().isdigit():
        raise InputError(f"year must be a whole number such as 2021, got {year!r}", path=path)
    fields = {
        "report_id": overrides.get("report_id") or path.stem,
        "title": overrides.get("title") or title,
        "agency": overrides.get("agency") or _infer_agency(title, body) or meta.get("发文机关")
        or meta.get("机构名称"),
        "region": overrides.get("region") or _infer_region(dropped + [meta.get("发文机关", ""),
                                                                      title or "", body[:300]]),
        "year": None if year in (None, "") else int(year),
        "text": body,
        "source": str(path),
    }
    return Report(**fields)


# --------------------------------------------------------------------------- corpus

class Corpus:
    """A folder of reports, with optional ``reports.csv`` metadata.

    Iterating reads the reports again each time (restartable, like gensim
    corpora), so it can be iterated any number of times.

    Examples
    --------
    >>> corpus = load_corpus("corpus")          # doctest: +SKIP
    >>> len(corpus), corpus.units().shape[1]    # doctest: +SKIP
    (2, 8)
    """

    def __init__(self, root: str | Path, files: list[Path], meta: dict[str, dict],
                 limits: Limits = DEFAULT_LIMITS):
        self.root = Path(root)
        self.files = files
        self.meta = meta
        self.limits = limits

    def __len__(self) -> int:
        return len(self.files)

    def __iter__(self) -> Iterator[Report]:
        for f in self.files:
            yield read_report(f, limits=self.limits, **self.meta.get(f.name, {}))

    def __repr__(self) -> str:
        return f"Corpus({str(self.root)!r}, reports={len(self)})"

    def metadata(self):
        """One row per report: ``report_id, agency, region, year, title, file, chars``."""
        import pandas as pd

        rows = [{"report_id": r.report_id, "agency": r.agency, "region": r.region,
                 "year": r.year, "title": r.title, "file": Path(r.source).name,
                 "chars": len(r.text)} for r in self]
        return pd.DataFrame(rows)

    def units(self, progress: bool | None = None):
        """The units of every report as one DataFrame.

        Columns are those of :func:`nlp.segment` plus ``agency, region, year``.
        """
        import pandas as pd
        from tqdm.auto import tqdm

        from .pipeline import units_of

        frames = [units_of(r, max_units=self.limits.max_units)
                  for r in tqdm(self, total=len(self), desc="segment", unit="report",
                                disable=None if progress is None else not progress)]
        return pd.concat(frames, ignore_index=True)


def _read_reports_csv(path: Path) -> dict[str, dict]:
    meta: dict[str, dict] = {}
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or "file" not in reader.fieldnames:
                raise InputError("reports.csv needs a 'file' column", path=path, line=1)
            for lineno, row in enumerate(reader, 2):
                name = (row.get("file") or "").strip()
                if not name:
                    raise InputError("empty 'file' value", path=path, line=lineno)
                fields = {k: (v or "").strip() for k, v in row.items()
                          if k in ("report_id", "agency", "region", "title", "year")}
                if fields.get("year"):
                    if not fields["year"].isdigit():
                        raise InputError(f"year {fields['year']!r} is not a number", path=path,
                                         line=lineno)
                    fields["year"] = int(fields["year"])
                meta[name] = {k: v for k, v in fields.items() if v not in ("", None)}
    except UnicodeDecodeError as exc:
        raise InputError("reports.csv is not UTF-8 (save it as CSV UTF-8)", path=path) from exc
    except csv.Error as exc:
        raise InputError(f"reports.csv is not a readable CSV table: {exc}", path=path,
                         line=getattr(reader, "line_num", None)) from exc
    except OSError as exc:
        raise InputError(f"cannot read reports.csv: {exc.strerror or exc}", path=path) from exc
    return meta


def report_files(root: Path) -> list[Path]:
    """The report files in a folder (recursively), in a stable order.

    A folder holding a ``reports.csv`` is a corpus: only the files it lists
    are reports, so notes and label files kept beside them are never read.

    Raises
    ------
    InputError
        If the folder holds no report file.
    """
    files = sorted(p for p in root.rglob("*")
                   if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                   and not p.name.startswith("."))
    csv_path = root / "reports.csv"
    listed = _read_reports_csv(csv_path) if csv_path.is_file() else {}
    if listed:
        skipped = [f for f in files if f.name not in listed]
        if skipped:
            log.info("%s: %d file(s) not listed in reports.csv skipped, e.g. %s", root,
                     len(skipped), skipped[0].relative_to(root))
        files = [f for f in files if f.name in listed]
    if not files:
        raise InputError(f"no report files ({', '.join(SUPPORTED_SUFFIXES)}) in folder",
                         path=root)
    return files


def load_corpus(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> Corpus:
    """Open a folder of reports (recursively), with ``reports.csv`` if present.

    ``reports.csv`` (columns ``report_id, agency, region, year, title, file``)
    may sit in the folder or its parent; its values win over inferred ones.
    When it sits in the folder itself, only the files it lists are reports.
    ``limits`` (:class:`Limits`) bounds every file read and every report's
    units; going over raises :class:`ResourceLimitError`.
    """
    _check_limits(limits)
    root = Path(path)
    if not root.is_dir():
        raise InputError("not a folder of reports", path=root)
    csv_path = next((p for p in (root / "reports.csv", root.parent / "reports.csv")
                     if p.is_file()), None)
    meta = _read_reports_csv(csv_path) if csv_path else {}
    files = report_files(root)
    return Corpus(root, files, meta, limits)
