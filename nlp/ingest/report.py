"""A report file → :class:`Report`: its cleaned body text and inferred metadata.

Formats: ``.txt``/``.md``, saved web pages (``.html``/``.htm``), ``.docx`` and
``.pdf``.  Encodings: UTF-8 (with or without BOM), GB18030/GBK/GB2312 and
Big5.  Traditional characters are converted to simplified, full-width letters
and digits are normalised, site clutter is stripped, and metadata (title,
agency, region, the year the report covers) is inferred.

Readers know nothing of themes: they return :class:`Report` objects.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from ..errors import InputError, ResourceLimitError
from .chinese import normalize_text
from .clutter import strip_clutter
from .formats import read_raw_text
from .limits import DEFAULT_LIMITS, Limits, check_limits
from .metadata import infer_agency, infer_region, infer_year, split_header

__all__ = ["Report", "read_report"]


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
    check_limits(limits)
    raw = read_raw_text(path, limits)
    text = normalize_text(raw)
    body, meta = strip_clutter(text)
    title, body, dropped = split_header(body)
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
        year = infer_year(title, body, meta)
    elif isinstance(year, bool) or not str(year).strip().isdigit():
        raise InputError(f"year must be a whole number such as 2021, got {year!r}", path=path)
    fields = {
        "report_id": overrides.get("report_id") or path.stem,
        "title": overrides.get("title") or title,
        "agency": overrides.get("agency") or infer_agency(title, body) or meta.get("发文机关")
        or meta.get("机构名称"),
        "region": overrides.get("region") or infer_region(dropped + [meta.get("发文机关", ""),
                                                                      title or "", body[:300]]),
        "year": None if year in (None, "") else int(year),
        "text": body,
        "source": str(path),
    }
    return Report(**fields)
