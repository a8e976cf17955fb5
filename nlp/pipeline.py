"""Streaming file-to-table runs shared by the CLI and the report.

Reports are read and segmented one at a time, units tables are read in chunks
of rows (CSV/TSV and JSON lines through pandas, Parquet through pyarrow record
batches), and results are written chunk by chunk, so memory stays flat however
large the corpus is.  Outputs are written to a temporary file and renamed only
when complete: on any error nothing is left at the output path.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from .errors import InputError
from .ingest import (
    DEFAULT_LIMITS,
    Limits,
    Report,
    _read_reports_csv,
    read_report,
    report_files,
)
from .persist import TableWriter
from .segment import DEFAULT_MAX_UNITS, UNIT_COLUMNS, segment

__all__ = ["expand_paths", "iter_reports", "units_of", "segment_to_table", "iter_units",
           "iter_table", "tokenize_units", "tokenize_to_table", "classify_to_table",
           "regroup", "META_COLUMNS", "CHUNK_ROWS"]

log = logging.getLogger(__name__)

META_COLUMNS = ["agency", "region", "year"]
CHUNK_ROWS = 5000  # rows read, processed and written at a time


def expand_paths(paths: Iterable[str | Path]) -> list[tuple[Path, dict]]:
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
                csv_cache[csv_path] = _read_reports_csv(csv_path) if csv_path.is_file() else {}
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


def _disable(progress: bool | None) -> bool | None:
    return None if progress is None else not progress


def _check_chunksize(chunksize) -> int:
    if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1:
        raise ValueError(f"chunksize must be a positive int, got {chunksize!r}")
    return chunksize


def iter_table(path: str | Path, *, chunksize: int = CHUNK_ROWS,
               columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """Read a table written by :func:`nlp.persist.write_table` in chunks of rows.

    Parameters
    ----------
    path : path
        ``.csv`` (UTF-8, BOM or not), ``.tsv``, ``.jsonl`` or ``.parquet``.
    chunksize : int, default 5000
        Rows per chunk; memory use is bounded by one chunk, not the file.
    columns : list of str, optional
        Read only these columns (all by default).

    Raises
    ------
    InputError
        Missing or unreadable file, unsupported extension, a missing column;
        the message names the file.

    Examples
    --------
    >>> for chunk in iter_table("units.csv", chunksize=1000):   # doctest: +SKIP
    ...     print(len(chunk))
    """
    from .persist import _check_suffix

    path = Path(path)
    suffix = _check_suffix(path)
    chunksize = _check_chunksize(chunksize)
    if not path.is_file():
        raise InputError("no such file", path=path)
    rows = 0
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(path)
            missing = set(columns or []) - set(pf.schema_arrow.names)
            if missing:
                raise InputError(f"no column(s) {sorted(missing)}; the columns are "
                                 f"{pf.schema_arrow.names}", path=path)
            for batch in pf.iter_batches(batch_size=chunksize, columns=columns):
                chunk = batch.to_pandas()
                chunk.index = pd.RangeIndex(rows, rows + len(chunk))
                rows += len(chunk)
                yield chunk
            return
        if suffix == ".jsonl":
            reader = pd.read_json(path, lines=True, dtype=False, chunksize=chunksize)
        else:
            reader = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",",
                                 encoding="utf-8-sig", keep_default_na=False,
                                 chunksize=chunksize, usecols=columns)
        with reader:
            for chunk in reader:
                if columns is not None:
                    missing = set(columns) - set(chunk.columns)
                    if missing:
                        raise InputError(f"no column(s) {sorted(missing)}; the columns are "
                                         f"{list(chunk.columns)}", path=path)
                    chunk = chunk[columns]
                chunk.index = pd.RangeIndex(rows, rows + len(chunk))
                rows += len(chunk)
                yield chunk
    except InputError:
        raise
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise InputError(f"cannot read table after row {rows}: {exc}", path=path) from exc
    except Exception as exc:  # pyarrow and the CSV parser raise their own error types
        if type(exc).__module__.split(".")[0] in ("pyarrow", "pandas"):
            raise InputError(f"cannot read table after row {rows}: {exc}", path=path) from exc
        raise


def iter_units(paths, *, limits: Limits = DEFAULT_LIMITS,
               chunksize: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Units of the reports behind files/folders, in chunks of about ``chunksize`` rows.

    Reports are read one at a time; small reports are grouped so that later
    steps (tokenizing, classifying, writing) work on sizeable batches.
    """
    chunksize = _check_chunksize(chunksize)
    per_report = (units_of(read_report(f, limits=limits, **meta), max_units=limits.max_units)
                  for f, meta in expand_paths(paths))
    yield from regroup(per_report, chunksize)


def regroup(parts: Iterable[pd.DataFrame], chunksize: int) -> Iterator[pd.DataFrame]:
    """Join consecutive tables into chunks of at least ``chunksize`` rows (the last may
    be smaller), in order.  Every run that must write identical files groups this way."""
    buffer: list[pd.DataFrame] = []
    held = 0
    for part in parts:
        buffer.append(part)
        held += len(part)
        if held >= chunksize:
            yield pd.concat(buffer, ignore_index=True)
            buffer, held = [], 0
    if buffer:
        yield pd.concat(buffer, ignore_index=True)


def tokenize_units(units: pd.DataFrame, tokenizer=None, *, column: str = "text",
                   cache=None) -> pd.DataFrame:
    """A copy of ``units`` with a ``tokens`` column: analysis tokens joined by spaces.

    Examples
    --------
    >>> units = pd.DataFrame({"text": ["全面推行双随机一公开监管"]})
    >>> tokenize_units(units)["tokens"].tolist()
    ['全面推行 双随机一公开 监管']
    """
    from .tokenize import Tokenizer

    if column not in units.columns:
        raise InputError(f"no {column!r} column; the columns are {list(units.columns)}")
    tok = tokenizer if tokenizer is not None else Tokenizer()
    texts = [t if isinstance(t, str) else "" if t is None or pd.isna(t) else str(t)
             for t in units[column].tolist()]
    out = units.copy()
    out["tokens"] = [" ".join(ts) for ts in tok.pipe(texts, progress=False, cache=cache)]
    return out


def tokenize_to_table(table: str | Path, output: str | Path, tokenizer=None, *,
                      column: str = "text", cache=None, chunksize: int = CHUNK_ROWS,
                      progress: bool | None = None) -> int:
    """Add a ``tokens`` column to a units table, ``chunksize`` rows at a time.

    Returns the number of rows written; on any error nothing is left at ``output``.
    """
    from tqdm.auto import tqdm

    from .tokenize import Tokenizer

    tok = tokenizer if tokenizer is not None else Tokenizer()
    with TableWriter(output) as writer:
        for chunk in tqdm(iter_table(table, chunksize=chunksize), desc="tokenize", unit="chunk",
                          disable=_disable(progress)):
            writer.write(tokenize_units(chunk, tok, column=column, cache=cache))
    return writer.rows


def segment_to_table(paths, output: str | Path, *, progress: bool | None = None,
                     limits: Limits = DEFAULT_LIMITS, tokens: bool = False, tokenizer=None,
                     cache=None, chunksize: int = CHUNK_ROWS) -> int:
    """Segment every report behind ``paths`` and stream the units into ``output``.

    Parameters
    ----------
    paths : path or list of paths
        Report files and folders (folders expand; ``reports.csv`` adds metadata).
    output : path
        ``.csv``, ``.tsv``, ``.jsonl`` or ``.parquet``.
    tokens : bool, default False
        Add a ``tokens`` column (analysis tokens joined by spaces).
    tokenizer : Tokenizer, optional
        Used when ``tokens``; default ``Tokenizer()``.
    cache : bool, path or None
        Token cache, as in :meth:`nlp.Tokenizer.pipe`.
    chunksize : int, default 5000
        Units held in memory before they are written.

    Returns the number of units written.  On any error nothing is left at
    ``output``.
    """
    from tqdm.auto import tqdm

    from .tokenize import Tokenizer

    tok = (tokenizer or Tokenizer()) if tokens else None
    files = expand_paths(paths)
    with TableWriter(output) as writer, tqdm(total=len(files), desc="segment", unit="file",
                                             disable=_disable(progress)) as bar:
        buffer: list[pd.DataFrame] = []
        held = 0

        def flush():
            nonlocal buffer, held
            if buffer:
                chunk = pd.concat(buffer, ignore_index=True)
                writer.write(tokenize_units(chunk, tok, cache=cache) if tok else chunk)
            buffer, held = [], 0

        for f, meta in files:
            report = read_report(f, limits=limits, **meta)
            units = units_of(report, max_units=limits.max_units)
            buffer.append(units)
            held += len(units)
            if held >= chunksize:
                flush()
            bar.update()
        flush()
    return writer.rows


def _is_table(path: Path) -> bool:
    from .persist import TABLE_SUFFIXES

    return path.suffix.lower() in TABLE_SUFFIXES and path.is_file()


def classify_to_table(inputs, output: str | Path, model, *, chunksize: int = CHUNK_ROWS,
                      progress: bool | None = None, limits: Limits = DEFAULT_LIMITS) -> int:
    """Classify units chunk by chunk and stream the result into ``output``.

    Parameters
    ----------
    inputs : path or list of paths
        One units table (``.csv/.tsv/.jsonl/.parquet`` with a ``text`` column,
        read ``chunksize`` rows at a time) or report files and folders.
    output : path
        Gets the input columns plus ``p_<theme>`` and ``labels``.
    model : ThemeClassifier or LexiconClassifier
        Fitted; see :func:`nlp.classify.classify_units`.

    Returns the number of units written; on any error nothing is left at
    ``output``.
    """
    from tqdm.auto import tqdm

    from .classify import classify_units

    paths = [Path(p) for p in ([inputs] if isinstance(inputs, (str, Path)) else inputs)]
    if len(paths) == 1 and _is_table(paths[0]):
        chunks = iter_table(paths[0], chunksize=chunksize)
    else:
        chunks = iter_units(paths, limits=limits, chunksize=chunksize)
    with TableWriter(output) as writer:
        for chunk in tqdm(chunks, desc="classify", unit="chunk", disable=_disable(progress)):
            if "text" not in chunk.columns:
                raise InputError(f"no 'text' column; the columns are {list(chunk.columns)}",
                                 path=paths[0])
            writer.write(classify_units(chunk, model))
    return writer.rows
