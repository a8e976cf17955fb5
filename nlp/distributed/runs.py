"""Streaming runs on a Dask cluster behind ``fazhi segment|classify --scheduler``.

The single-process runs in :mod:`nlp.streaming` read reports one at a time,
gather their units into chunks of at least ``chunksize`` rows, process each
chunk (tokenize, classify) and write it.  The runs here do exactly that, with
the work moved to the workers:

1. every report file is read and segmented by a worker (one partition of
   :func:`nlp.distributed.segment_files` per file), a bounded number ahead;
2. consecutive files are grouped into the *same* chunks as the single-process
   run (only row counts travel to the client), and each chunk is concatenated
   and processed by one worker with the same function
   (:func:`nlp.streaming.tokenize_units`, :func:`nlp.classify.classify_units`);
3. the client writes the chunks in input order through
   :class:`nlp.persist.TableWriter`.

So the output file is byte-identical to the single-process one by
construction: same chunks, same code, same writer.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from ..corpus import expand_paths
from ..errors import InputError
from ..ingest import DEFAULT_LIMITS
from ..persist import TableWriter, check_table_suffix
from ..streaming import CHUNK_ROWS, check_chunksize, is_table, iter_table, regroup
from ..tokenize import Tokenizer
from .cluster import (
    check_scheduler,
    classify_partition,
    client_or_default,
    connect,
    segment_files,
    ship,
    tokenize_partition,
    unship,
)

__all__ = ["write_partitions", "segment_to_table", "classify_to_table"]

log = logging.getLogger(__name__)


def _default_in_flight(client) -> int:
    threads = sum(client.nthreads().values()) if client is not None else os.cpu_count()
    return max(32, 8 * (threads or 1))


def _cancel(client, futures) -> None:
    if futures:
        client.cancel(list(futures))


def _partition_blocks(ddf, client, block: int) -> Iterator[list]:
    """Futures of the partitions of ``ddf``, in order, in blocks of ``block``.

    Two blocks are running while the caller consumes one, so the cluster stays
    busy and at most ``3 * block`` partitions are held on the workers.
    """
    n = ddf.npartitions
    starts = iter(range(0, n, block))
    running: deque = deque()

    def submit() -> None:
        i = next(starts, None)
        if i is not None:
            running.append(client.compute(ddf.partitions[i:i + block].to_delayed()))

    try:
        submit()
        submit()
        while running:
            futures = running.popleft()
            submit()
            yield futures
    finally:
        _cancel(client, [f for futures in running for f in futures])


def _results_in_order(client, futures: Iterator, ahead: int) -> Iterator:
    """Results of ``futures`` in order, keeping up to ``ahead`` of them running."""
    pending: deque = deque()
    try:
        for fut in futures:
            pending.append(fut)
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        _cancel(client, pending)


def _concat_then(finish: Callable | None, n_args: int, *rest) -> pd.DataFrame:
    # the flush of nlp.streaming: one chunk of consecutive reports, then the same step
    args, parts = rest[:n_args], rest[n_args:]
    chunk = pd.concat(parts, ignore_index=True)
    return chunk if finish is None else finish(chunk, *args)


class _Spreader:
    """Submit chunk tasks to the workers in turn (each thread gets one in turn).

    Left to itself the scheduler places a chunk where most of its input
    partitions already are, which can queue several chunks on one worker while
    another sits idle; the placement here is a preference only
    (``allow_other_workers``), so a lost worker never stalls a run.
    """

    def __init__(self, client):
        self.client = client
        self.turn = 0

    def submit(self, fn, *args):
        slots = [w for w, n in sorted(self.client.nthreads().items()) for _ in range(n)]
        worker = slots[self.turn % len(slots)] if slots else None
        self.turn += 1
        return self.client.submit(fn, *args, pure=False, workers=worker and [worker],
                                  allow_other_workers=True)


def _chunk_futures(client, blocks: Iterator[list], chunksize: int, finish, args: tuple,
                   bar) -> Iterator:
    """Group per-file partitions into the single-process chunks; submit each chunk.

    Only the row count of each partition comes back to the client; the chunk
    is concatenated and processed on a worker.
    """
    spread = _Spreader(client)
    buffer: list = []
    held = 0
    for futures in blocks:
        # one round trip per block (through this client: distributed.wait would use
        # the default one); the first failed file *in input order* raises its
        # error, which names the file, as in the single-process run
        sizes = client.map(len, futures, pure=False)
        rows = client.gather(sizes, errors="skip")
        if len(rows) < len(sizes):
            next(size for size in sizes if size.status == "error").result()
        for fut, n in zip(futures, rows):
            buffer.append(fut)
            held += n
            bar.update(1)
            if held >= chunksize:
                yield spread.submit(_concat_then, finish, len(args), *args, *buffer)
                buffer, held = [], 0
    if buffer:
        yield spread.submit(_concat_then, finish, len(args), *args, *buffer)


def _write(chunks: Iterator[pd.DataFrame], output) -> int:
    with TableWriter(output) as writer:
        for chunk in chunks:
            writer.write(chunk)
    return writer.rows


def write_partitions(ddf, output: str | Path, client=None, *, chunksize: int | None = None,
                     progress: bool | None = None, in_flight: int | None = None) -> int:
    """Compute a dask DataFrame and stream it into a table file, in partition order.

    The file is written atomically through :class:`nlp.persist.TableWriter`
    (nothing is left at ``output`` on error), one partition at a time, or in
    chunks of consecutive partitions of at least ``chunksize`` rows, grouped
    as :func:`nlp.streaming.segment_to_table` groups reports.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
    output : path
        ``.csv``, ``.tsv``, ``.jsonl`` or ``.parquet``.
    client : distributed.Client, optional
        Defaults to the current client, else the local dask scheduler.
    chunksize : int, optional
        Group partitions into chunks of at least this many rows before writing.
    progress : bool or None
        ``None`` shows a bar only on an interactive terminal.
    in_flight : int, optional
        About how many partitions are computed ahead of the writer (default: 8
        per worker thread, at least 32); bounds the results held on the workers.

    Returns
    -------
    int
        Rows written.

    Examples
    --------
    >>> from nlp.distributed import connect, segment_files
    >>> with connect("local:2") as client:                           # doctest: +SKIP
    ...     write_partitions(segment_files(["corpus"], client), "单元.parquet", client)
    45
    """
    import dask
    from tqdm.auto import tqdm


    check_table_suffix(Path(output))
    client = client_or_default(client)
    in_flight = int(in_flight or _default_in_flight(client))
    if client is None:
        parts = itertools.chain.from_iterable(
            dask.compute(*ddf.partitions[i:i + in_flight].to_delayed())
            for i in range(0, ddf.npartitions, in_flight))
    else:
        parts = (f.result() for futures in _partition_blocks(ddf, client, max(1, in_flight // 2))
                 for f in futures)
    bar = tqdm(parts, total=ddf.npartitions, desc="write", unit="part",
               disable=None if progress is None else not progress)
    if chunksize is None:
        return _write(bar, output)
    return _write(regroup(bar, chunksize), output)


def _run_reports(client, paths, output, finish, args, *, limits, chunksize, progress,
                 desc) -> int:
    from tqdm.auto import tqdm


    units = segment_files(paths, client, limits=limits)
    block = _default_in_flight(client) // 2
    ahead = max(2, 2 * sum(client.nthreads().values()))
    with tqdm(total=units.npartitions, desc=desc, unit="file",
              disable=None if progress is None else not progress) as bar:
        chunks = _chunk_futures(client, _partition_blocks(units, client, block), chunksize,
                                finish, args, bar)
        return _write(_results_in_order(client, chunks, ahead), output)


def segment_to_table(paths, output: str | Path, *, scheduler: str = "local",
                     progress: bool | None = None, limits=DEFAULT_LIMITS, tokens: bool = False,
                     tokenizer=None, chunksize: int = CHUNK_ROWS) -> int:
    """``fazhi segment --scheduler``: :func:`nlp.streaming.segment_to_table` on a cluster.

    Parameters are those of :func:`nlp.streaming.segment_to_table`, plus
    ``scheduler`` (``"local"``, ``"local:N"`` or ``"tcp://HOST:PORT"``).  The
    output file is byte-identical to the single-process one.

    Examples
    --------
    >>> segment_to_table(["corpus"], "单元.csv", scheduler="local:2")  # doctest: +SKIP
    45
    """

    scheduler = check_scheduler(scheduler)
    check_table_suffix(Path(output))
    chunksize = check_chunksize(chunksize)
    expand_paths(paths)  # fail on empty folders before starting a cluster
    with connect(scheduler) as client:
        if not tokens:  # nothing to do per chunk: group the files' units here
            return write_partitions(segment_files(paths, client, limits=limits), output,
                                    client, chunksize=chunksize, progress=progress)
        tok = ship(tokenizer or Tokenizer(), client)
        finish, args = tokenize_partition, (tok, "text")
        try:
            return _run_reports(client, paths, output, finish, args, limits=limits,
                                chunksize=chunksize, progress=progress, desc="segment")
        finally:
            unship(tok, client)


def classify_to_table(inputs, output: str | Path, model, *, scheduler: str = "local",
                      chunksize: int = CHUNK_ROWS, progress: bool | None = None,
                      limits=DEFAULT_LIMITS) -> int:
    """``fazhi classify --scheduler``: :func:`nlp.streaming.classify_to_table` on a cluster.

    ``inputs`` is one units table (read in chunks here and classified on the
    workers) or report files and folders (read and segmented on the workers).
    The model is sent to every worker once.  The output file is
    byte-identical to the single-process one.

    Examples
    --------
    >>> from nlp import ThemeClassifier
    >>> classify_to_table(["单元.csv"], "主题.csv", ThemeClassifier.load(),
    ...                   scheduler="tcp://10.0.0.5:8786")          # doctest: +SKIP
    45
    """
    from tqdm.auto import tqdm


    scheduler = check_scheduler(scheduler)
    check_table_suffix(Path(output))
    chunksize = check_chunksize(chunksize)
    paths = [Path(p) for p in ([inputs] if isinstance(inputs, (str, Path)) else inputs)]
    table = len(paths) == 1 and is_table(paths[0])
    if not table:
        expand_paths(paths)
    with connect(scheduler) as client:
        shipped = ship(model, client)
        try:
            if not table:
                return _run_reports(client, paths, output, classify_partition, (shipped,),
                                    limits=limits, chunksize=chunksize, progress=progress,
                                    desc="classify")

            spread = _Spreader(client)

            def submit() -> Iterator:
                for chunk in iter_table(paths[0], chunksize=chunksize):
                    if "text" not in chunk.columns:
                        raise InputError(f"no 'text' column; the columns are "
                                         f"{list(chunk.columns)}", path=paths[0])
                    yield spread.submit(classify_partition, chunk, shipped)

            ahead = max(2, 2 * sum(client.nthreads().values()))
            chunks = tqdm(_results_in_order(client, submit(), ahead), desc="classify",
                          unit="chunk", disable=None if progress is None else not progress)
            return _write(chunks, output)
        finally:
            unship(shipped, client)
