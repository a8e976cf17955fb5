"""A folder of reports: which files are reports, their ``reports.csv`` metadata,
and the units of every report with its metadata columns.

``reports.csv`` (columns ``file, report_id, agency, region, year, title``) may
sit in the folder or its parent; its values win over inferred ones.  When it
sits in the folder itself, only the files it lists are reports.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from .errors import InputError
from .ingest import DEFAULT_LIMITS, SUPPORTED_SUFFIXES, Limits, Report, read_report
from .ingest.limits import check_limits
from .ingest.report import OVERRIDES
from .persist import atomic_path
from .segment import DEFAULT_MAX_UNITS, UNIT_COLUMNS, segment

__all__ = ["Corpus", "load_corpus", "report_files", "read_reports_csv", "expand_paths",
           "iter_reports", "units_of", "write_reports_csv", "META_COLUMNS", "SUMMARY_FIELDS"]

log = logging.getLogger(__name__)

META_COLUMNS = ["agency", "region", "year"]
#: the fields :meth:`Corpus.summary` reports, with their sources
SUMMARY_FIELDS = ("title", "agency", "agency_type", "region", "year", "published")
#: the fields a comparison groups by: missing ones are flagged
CORE_FIELDS = ("agency", "region", "year")
#: sources that make a value a guess worth checking
WEAK_SOURCES = {"year": ("publication date", "filename"), "region": ("page",)}


class Corpus:
    """A folder of reports, with optional ``reports.csv`` metadata.

    Iterating reads the reports again each time (restartable, like gensim
    corpora), so it can be iterated any number of times.

    Parameters
    ----------
    root : path
        The folder.
    items : list of (Path, dict)
        Each report file with its ``reports.csv`` overrides (see :func:`expand_paths`).
    limits : Limits
        Bounds applied to every file read and every report's units.

    Examples
    --------
    >>> corpus = load_corpus("corpus")
    >>> len(corpus), corpus.units(progress=False).shape[1]
    (2, 11)
    """

    def __init__(self, root: str | Path, items: list[tuple[Path, dict]],
                 limits: Limits = DEFAULT_LIMITS):
        self.root = Path(root)
        self.items = list(items)
        self.limits = limits

    @property
    def files(self) -> list[Path]:
        """The report files, in reading order."""
        return [f for f, _ in self.items]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Report]:
        for f, meta in self.items:
            yield read_report(f, limits=self.limits, **meta)

    def __repr__(self) -> str:
        return f"Corpus({str(self.root)!r}, reports={len(self)})"

    def metadata(self) -> pd.DataFrame:
        """One row per report: ``report_id, agency, agency_type, region, year, published,
        title, file, chars``."""
        rows = [{"report_id": r.report_id, "agency": r.agency, "agency_type": r.agency_type,
                 "region": r.region, "year": r.year, "published": r.published,
                 "title": r.title, "file": Path(r.source).name, "chars": len(r.text)}
                for r in self]
        return pd.DataFrame(rows)

    def summary(self, *, warn: bool = True) -> pd.DataFrame:
        """Every report's metadata with where each field came from, and what is missing.

        Columns: ``report_id, file`` and, for ``title, agency, agency_type, region, year,
        published``, the value and ``<field>_source``; ``body_found``; ``missing``
        (agency, region or year not found, ``;``-joined) and ``weak`` (fields guessed from weak
        evidence: the year from the publication date or the file name, the region
        from a place the page names elsewhere).  With ``warn``, one warning per
        report with a missing or weak field, naming its file.

        Examples
        --------
        >>> s = load_corpus("corpus").summary(warn=False)
        >>> s[["report_id", "year", "year_source"]].values.tolist()
        [['baoshan_2021', 2021, 'reports.csv'], ['tieshan_2024', 2024, 'reports.csv']]
        """
        rows = []
        for r in self:
            row = {"report_id": r.report_id, "file": str(r.source)}
            missing, weak = [], []
            for field in SUMMARY_FIELDS:
                value = getattr(r, field)
                source = r.metadata_source.get(field)
                row[field], row[f"{field}_source"] = value, source
                if value in (None, "") and field in CORE_FIELDS:
                    missing.append(field)
                elif source in WEAK_SOURCES.get(field, ()):
                    weak.append(field)
            row["body_found"] = r.body_found
            row["missing"], row["weak"] = ";".join(missing), ";".join(weak)
            if warn and (missing or weak or not r.body_found):
                log.warning("%s: %s%s%s", r.source,
                            "no report body; " if not r.body_found else "",
                            f"missing {', '.join(missing)}" if missing else "",
                            f"{'; ' if missing else ''}weak {', '.join(weak)}" if weak else "")
            rows.append(row)
        return pd.DataFrame(rows)

    def units(self, progress: bool | None = None) -> pd.DataFrame:
        """The units of every report as one DataFrame.

        Columns are those of :func:`nlp.segment` plus ``agency, region, year``.
        """
        frames = [units_of(r, max_units=self.limits.max_units)
                  for r in tqdm(self, total=len(self), desc="segment", unit="report",
                                disable=None if progress is None else not progress)]
        return pd.concat(frames, ignore_index=True)


def read_reports_csv(path: Path) -> dict[str, dict]:
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
                fields = {k: (v or "").strip() for k, v in row.items() if k in OVERRIDES}
                if fields.get("year"):
                    if not fields["year"].isdigit():
                        raise InputError(f"year {fields['year']!r} is not a number", path=path,
                                         line=lineno)
                    fields["year"] = int(fields["year"])
                meta[name] = {k: v for k, v in fields.items() if v not in ("", None)}
                meta[name]["override_source"] = "reports.csv"
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
    listed = read_reports_csv(csv_path) if csv_path.is_file() else {}
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

    ``reports.csv`` (columns ``file, report_id, agency, region, year, title``)
    may sit in a report's folder or its parent; its values win over inferred
    ones.  When it sits in the folder itself, only the files it lists are
    reports.  ``limits`` (:class:`Limits`) bounds every file read and every
    report's units; going over raises :class:`ResourceLimitError`.

    Examples
    --------
    >>> load_corpus("corpus")
    Corpus('corpus', reports=2)
    """
    check_limits(limits)
    root = Path(path)
    if not root.is_dir():
        raise InputError("not a folder of reports", path=root)
    return Corpus(root, expand_paths([root]), limits)


def expand_paths(paths: Iterable[str | Path] | str | Path) -> list[tuple[Path, dict]]:
    """Expand folders into report files; attach ``reports.csv`` metadata when present.

    A folder holding a ``reports.csv`` is a corpus: only the files it lists are
    reports (notes and label files beside them are left out).  Other folders
    expand to every supported file in them.  Returns ``(file, overrides)``
    pairs in a stable order.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[tuple[Path, dict]] = []
    csv_cache: dict[Path, dict] = {}

    def meta_for(f: Path) -> dict:
        for folder in (f.parent, f.parent.parent):
            csv_path = folder / "reports.csv"
            if csv_path not in csv_cache:
                csv_cache[csv_path] = read_reports_csv(csv_path) if csv_path.is_file() else {}
            if f.name in csv_cache[csv_path]:
                return csv_cache[csv_path][f.name]
        return {}

    for p in map(Path, paths):
        if p.is_dir():
            files = report_files(p)
            out.extend((f, meta_for(f)) for f in files)
        else:
            out.append((p, meta_for(p) if p.exists() else {}))
    return out


def iter_reports(paths: Iterable[str | Path], *,
                 limits: Limits = DEFAULT_LIMITS) -> Iterator[Report]:
    """Read the reports behind files and folders, one at a time."""
    for f, meta in expand_paths(paths):
        yield read_report(f, limits=limits, **meta)


def units_of(report: Report, *, max_units: int = DEFAULT_MAX_UNITS) -> pd.DataFrame:
    """Units of one report with its metadata columns (agency, region, year)."""
    units = segment(report, max_units=max_units)
    for col in META_COLUMNS:
        units[col] = getattr(report, col)
    return units[UNIT_COLUMNS + META_COLUMNS]


def write_reports_csv(folder: str | Path, output: str | Path | None = None, *,
                      limits: Limits = DEFAULT_LIMITS) -> Path:
    """Write ``reports.csv`` for a folder of reports: inferred values and their sources.

    The researcher corrects it (in Excel: UTF-8 with BOM) and keeps it in the
    folder; its values then win over inferred ones.  The ``*_source``,
    ``body_found``, ``missing`` and ``weak`` columns are notes, ignored when read.

    Raises
    ------
    InputError
        If ``output`` exists already (a corrected table is never overwritten).

    Examples
    --------
    >>> import tempfile, shutil, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "c"
    >>> _ = shutil.copytree("corpus/reports", d)
    >>> write_reports_csv(d).name
    'reports.csv'
    """
    folder = Path(folder)
    output = Path(output) if output is not None else folder / "reports.csv"
    if output.exists():
        raise InputError("exists already: a reports.csv is never overwritten (move it away "
                         "or give another -o)", path=output)
    if not folder.is_dir():
        raise InputError("not a folder of reports", path=folder)
    items = [(f, {}) for f in report_files(folder)]
    summary = Corpus(folder, items, limits).summary()
    summary["file"] = [str(Path(f).relative_to(folder)) for f, _ in items]
    summary["year"] = summary["year"].astype("Int64")  # 2023, not 2023.0, beside a blank
    summary = summary[["file", *[c for c in summary.columns if c != "file"]]]
    with atomic_path(output) as tmp:
        summary.to_csv(tmp, index=False, encoding="utf-8-sig")
    return output
