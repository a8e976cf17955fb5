"""Streaming file-to-table runs shared by the CLI and the report.

Reports are read, segmented and written one at a time, so memory stays flat
however many files there are; outputs are written to a temporary file and
renamed only when complete.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from .errors import InputError
from .ingest import SUPPORTED_SUFFIXES, Report, _read_reports_csv, read_report
from .persist import TableWriter
from .segment import UNIT_COLUMNS, segment

__all__ = ["expand_paths", "iter_reports", "units_of", "segment_to_table", "META_COLUMNS"]

log = logging.getLogger(__name__)

META_COLUMNS = ["agency", "region", "year"]


def expand_paths(paths: Iterable[str | Path]) -> list[tuple[Path, dict]]:
    """Expand folders into report files; attach ``reports.csv`` metadata when present.

    Returns ``(file, overrides)`` pairs in a stable order.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[tuple[Path, dict]] = []
    csv_cache: dict[Path, dict] = {}

    def meta_for(f: Path) -> dict:
        for folder in (f.parent, f.parent.parent):
            csv_path = folder / "reports.csv"
            if csv_path not in csv_cache:
                csv_cache[csv_path] = _read_reports_csv(csv_path) if csv_path.is_file() else {}
            if f.name in csv_cache[csv_path]:
                return csv_cache[csv_path][f.name]
        return {}

    for p in map(Path, paths):
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")
                           and f.suffix.lower() in SUPPORTED_SUFFIXES)
            if not files:
                raise InputError(f"no report files ({', '.join(SUPPORTED_SUFFIXES)}) in folder",
                                 path=p)
            out.extend((f, meta_for(f)) for f in files)
        else:
            out.append((p, meta_for(p) if p.exists() else {}))
    return out


def iter_reports(paths: Iterable[str | Path]) -> Iterator[Report]:
    """Read the reports behind files and folders, one at a time."""
    for f, meta in expand_paths(paths):
        yield read_report(f, **meta)


def units_of(report: Report) -> pd.DataFrame:
    """Units of one report with its metadata columns (agency, region, year)."""
    units = segment(report)
    for col in META_COLUMNS:
        units[col] = getattr(report, col)
    return units[UNIT_COLUMNS + META_COLUMNS]


def segment_to_table(paths, output: str | Path, *, progress: bool | None = None) -> int:
    """Segment every report behind ``paths`` and stream the units into ``output``.

    Returns the number of units written.  On any error nothing is left at
    ``output``.
    """
    from tqdm.auto import tqdm

    files = expand_paths(paths)
    disable = None if progress is None else not progress
    with TableWriter(output) as writer:
        for f, meta in tqdm(files, desc="segment", unit="file", disable=disable):
            writer.write(units_of(read_report(f, **meta)))
    return writer.rows
