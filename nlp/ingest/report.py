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
import logging
import re
from pathlib import Path

from ..errors import InputError, ResourceLimitError
from .chinese import normalize_text
from .clutter import strip_clutter
from .formats import read_raw_text
from .layout import join_fragments
from .limits import DEFAULT_LIMITS, Limits, check_limits
from .metadata import agency_type_of, has_report_body, infer_metadata, split_header

__all__ = ["Report", "read_report", "OVERRIDES"]

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
    agency_type : str or None
        The kind of agency (教育, 市场监管, 公安, 人民政府 …), from its name.
    published : str or None
        Publication date ``YYYY-MM-DD`` from the page's disclosure fields.
    metadata_source : dict
        Where each inferred field came from: ``title``, ``disclosure field``,
        ``opening sentence``, ``signature``, ``filename``, ``agency``,
        ``publication date`` (a weak guess of the year), ``reports.csv`` or
        ``argument``.
    body_found : bool
        False for a page with no report prose (a list of links, a search
        page): it has no units.
    """

    report_id: str
    title: str | None
    agency: str | None
    region: str | None
    year: int | None
    text: str
    source: str
    agency_type: str | None = None
    published: str | None = None
    metadata_source: dict = dataclasses.field(default_factory=dict, compare=False)
    body_found: bool = True

    def __repr__(self) -> str:
        return (f"Report(report_id={self.report_id!r}, agency={self.agency!r}, "
                f"year={self.year!r}, chars={len(self.text)})")


OVERRIDES = ("report_id", "title", "agency", "region", "year", "agency_type", "published")
_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def read_report(path: str | Path, *, limits: Limits = DEFAULT_LIMITS,
                override_source: str = "argument", **overrides) -> Report:
    """Read one report file into a :class:`Report`.

    Parameters
    ----------
    path : str or Path
        A ``.txt``, ``.md``, ``.html``/``.htm``, ``.docx`` or ``.pdf`` file.
    limits : Limits, optional
        Resource bounds: ``Limits(max_bytes=, max_unpacked_bytes=, max_chars=,
        max_units=)``; going over one raises :class:`ResourceLimitError`.
    override_source : str, default "argument"
        What ``metadata_source`` records for the overridden fields
        (``"reports.csv"`` when a corpus passes its table's values).
    **overrides
        ``report_id``, ``title``, ``agency``, ``region``, ``year``,
        ``agency_type``, ``published``: these win over what is inferred.

    Raises
    ------
    InputError
        Missing path, directory, symbolic-link loop, unreadable file,
        unsupported type, empty or binary file, undecodable, truncated or
        mixed-encoding bytes, a broken .docx/.pdf, a file with no Chinese
        text; the message names the file (and the line when known).
    ResourceLimitError
        The file, its unpacked content or its text is over a limit.

    Examples
    --------
    >>> r = read_report("corpus/reports/baoshan_2021.txt")
    >>> r.agency, r.region, r.year, r.published
    ('上海市宝山区教育局', '上海市宝山区', 2021, '2022-02-14')
    >>> r.metadata_source["agency"], r.metadata_source["year"]
    ('signature', 'title')
    """
    path = Path(path)
    unknown = set(overrides) - set(OVERRIDES)
    if unknown:
        raise TypeError(f"unknown override(s) {sorted(unknown)}; allowed: {', '.join(OVERRIDES)}")
    check_limits(limits)
    raw = read_raw_text(path, limits)
    text = normalize_text(raw)
    body, meta = strip_clutter(text)
    title, body, head, signature = split_header(body)
    body = "\n".join(line.rstrip(" \t") for line in body.split("\n"))
    body = join_fragments(re.sub(r"\n{3,}", "\n\n", body).strip())
    if not re.search(r"[\u4e00-\u9fff]", text):
        raise InputError("no Chinese body text found (empty, navigation only, or not a report)",
                         path=path)
    if len(body) > limits.max_chars:
        raise ResourceLimitError(f"body has {len(body)} characters, over max_chars="
                                 f"{limits.max_chars}", path=path)
    found = infer_metadata(title, body, meta, head=head, signature=signature)
    fields = {"title": found.title, "agency": found.agency, "region": found.region,
              "year": found.year, "agency_type": found.agency_type, "published": found.published}
    sources = dict(found.source)
    if fields["year"] is None or sources.get("year") == "publication date":
        m = _YEAR_IN_NAME.search(path.stem)
        if m:
            fields["year"], sources["year"] = int(m.group(1)), "filename"
    for key, value in overrides.items():
        if key == "report_id" or value in (None, ""):
            continue
        if key == "year" and (isinstance(value, bool) or not str(value).strip().isdigit()):
            raise InputError(f"year must be a whole number such as 2021, got {value!r}", path=path)
        fields[key] = int(value) if key == "year" else value
        sources[key] = override_source
        if key == "agency" and "agency_type" not in overrides:
            fields["agency_type"] = agency_type_of(value)
    body_found = has_report_body(body)
    if not body_found:
        log.warning("%s: no report body found (a list of links, a search page?); it gets no "
                    "units", path)
    return Report(report_id=overrides.get("report_id") or path.stem, text=body, source=str(path),
                  metadata_source=sources, body_found=body_found, **fields)
