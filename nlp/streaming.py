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

from .classify.apply import classify_units
from .corpus import expand_paths, units_of
from .errors import InputError
from .ingest import DEFAULT_LIMITS, Limits, read_report
from .persist import TABLE_SUFFIXES, TableWriter, check_table_suffix, read_table
from .tokenize import Tokenizer

__all__ = ["segment_to_table", "iter_units", "iter_table", "tokenize_units",
           "tokenize_to_table", "classify_to_table", "read_units", "regroup", "is_table",
           "check_chunksize", "CHUNK_ROWS"]

log = logging.getLogger(__name__)

CHUNK_ROWS = 5000  # rows read, processed and written at a time


def _disable(progress: bool | None) -> bool | None:
    return None if progress is None else not progress


def check_chunksize(chunksize) -> int:
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
    path = Path(path)
    suffix = check_table_suffix(path)
    chunksize = check_chunksize(chunksize)
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
    chunksize = check_chunksize(chunksize)
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

    tok = (tokenizer or Tokenizer()) if tokens else None
    files = expand_paths(paths)
    chunksize = check_chunksize(chunksize)
    with TableWriter(output) as writer, tqdm(total=len(files), desc="segment", unit="file",
                                             disable=_disable(progress)) as bar:
        def per_report():
            for f, meta in files:
                yield units_of(read_report(f, limits=limits, **meta), max_units=limits.max_units)
                bar.update()

        for chunk in regroup(per_report(), chunksize):
            writer.write(tokenize_units(chunk, tok, cache=cache) if tok else chunk)
    return writer.rows


def is_table(path: Path) -> bool:
    """Whether ``path`` is an existing units table file (rather than a report).

    Examples
    --------
    >>> is_table(Path("corpus/reports.csv")), is_table(Path("corpus/reports/baoshan_2021.txt"))
    (True, False)
    """
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

    paths = [Path(p) for p in ([inputs] if isinstance(inputs, (str, Path)) else inputs)]
    if len(paths) == 1 and is_table(paths[0]):
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


def read_units(paths) -> pd.DataFrame:
    """A units table from one table file, or the units of report files/folders.

    Examples
    --------
    >>> read_units("corpus/reports").shape[0]
    45
    """
    paths = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if len(paths) == 1 and is_table(paths[0]):
        units = read_table(paths[0])
        if "text" not in units.columns:
            raise InputError(f"no 'text' column; the columns are {list(units.columns)}",
                             path=paths[0])
        return units
    frames = [units_of(read_report(f, **meta)) for f, meta in expand_paths(paths)]
    if not frames:
        raise InputError("no reports found", path=paths[0] if paths else None)
    return pd.concat(frames, ignore_index=True)
