"""Clients, shipping objects to workers, and the per-partition steps on a Dask cluster.

When a corpus outgrows one machine, the same per-report and per-unit code
runs on the workers of a `Dask <https://www.dask.org>`_ cluster.  Each
function returns a lazy ``dask.dataframe.DataFrame``:

* :func:`segment_files`: report files → units, one partition per file, in
  input order;
* :func:`tokenize_units`: adds ``tokens`` (as :func:`nlp.streaming.tokenize_units`);
* :func:`classify_units`: adds ``p_<theme>`` and ``labels`` (as
  :func:`nlp.classify.classify_units`);
* :func:`transform_topics`: adds ``topic_<k>`` from a topic model fitted on
  one machine (fit on a sample, apply everywhere).

The tokenizer and the models are sent to every worker **once** (as a worker
plugin, see :func:`ship`), not once per task.  :func:`segment_to_table` and
:func:`classify_to_table` are ``fazhi segment|classify --scheduler``: they
stream results back in input order and write a file byte-identical to the
single-process one; :func:`write_partitions` writes any collection in order.

Workers read the report files themselves, so they must see them at the same
path (one machine, or a shared filesystem).  Dask is an optional extra::

    pip install ".[dask]"          # from a clone of fazhi-nlp, or a wheel with [dask]

Examples
--------
>>> from nlp.distributed import connect, segment_files, tokenize_units
>>> with connect("local") as client:                       # doctest: +SKIP
...     units = segment_files(["corpus/reports"], client)
...     tokens = tokenize_units(units, client=client).compute()
>>> tokens["tokens"].iloc[0][:20]                           # doctest: +SKIP
'区委 区政府 习近平新时代中国特色社会主义思想'
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path

import pandas as pd

from ..classify.apply import classify_units as classify_table
from ..corpus import META_COLUMNS, expand_paths, units_of
from ..errors import FazhiError, InputError
from ..ingest import DEFAULT_LIMITS, read_report
from ..segment import UNIT_COLUMNS
from ..streaming import tokenize_units as tokenize_table
from ..tokenize import Tokenizer

__all__ = [
    "DaskMissingError",
    "check_scheduler",
    "connect",
    "ship",
    "unship",
    "segment_files",
    "tokenize_units",
    "classify_units",
    "transform_topics",
    "client_or_default",
    "tokenize_partition",
    "classify_partition",
]

log = logging.getLogger(__name__)

INSTALL_HINT = 'pip install ".[dask]" in a clone of fazhi-nlp (or its wheel with [dask])'
_SCHEDULER = re.compile(r"^(?:local(?::[1-9]\d*)?|(?:tcp|tls|ucx|inproc)://\S+)$")


class DaskMissingError(FazhiError, ImportError):
    """Dask is not installed: the optional ``[dask]`` extra is needed."""


def _require_dask():
    """Import dask, dask.dataframe and distributed, or explain how to install them."""
    try:
        import dask
        import dask.dataframe as dd
        import distributed
    except ImportError as exc:
        raise DaskMissingError(
            f"running on a Dask cluster needs the optional Dask extra ({exc.name or exc} "
            f"is missing); install it with: {INSTALL_HINT}") from exc
    return dask, dd, distributed


@contextlib.contextmanager
def _no_string_conversion():
    # Dask would turn text columns into ``string[pyarrow]`` (pd.NA for missing
    # values); keep the dtypes pandas gives, so results equal the local ones.
    import dask

    with dask.config.set({"dataframe.convert-string": False}):
        yield


# --------------------------------------------------------------------------- clients

def check_scheduler(scheduler: str) -> str:
    """Validate a ``--scheduler`` value: ``local``, ``local:N`` or ``tcp://HOST:PORT``.

    Examples
    --------
    >>> check_scheduler("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    if not isinstance(scheduler, str) or not _SCHEDULER.match(scheduler.strip()):
        raise InputError(f"scheduler must be 'local', 'local:N' (N workers) or "
                         f"'tcp://HOST:PORT', got {scheduler!r}")
    return scheduler.strip()


@contextlib.contextmanager
def connect(scheduler: str = "local", *, n_workers: int | None = None,
            threads_per_worker: int = 1, timeout: str | float = "10s") -> Iterator:
    """Open a ``distributed.Client``; close it (and a local cluster) on exit.

    Parameters
    ----------
    scheduler : str, default "local"
        ``"local"`` starts a cluster of worker processes on this machine (one
        per core, or ``"local:N"`` for N); ``"tcp://HOST:PORT"`` connects to a
        running ``dask scheduler``.
    n_workers : int, optional
        Workers of a local cluster (overrides ``local:N``).
    threads_per_worker : int, default 1
        Threads in each local worker process.  jieba holds the GIL, so
        processes, not threads, give the speed-up.
    timeout : str or float, default "10s"
        How long to wait for a remote scheduler.

    Raises
    ------
    InputError
        For a malformed scheduler address or a scheduler that cannot be reached.
    DaskMissingError
        When the ``[dask]`` extra is not installed.

    Examples
    --------
    >>> with connect("local:2") as client:        # doctest: +SKIP
    ...     units = segment_files(["corpus"], client).compute()
    """
    scheduler = check_scheduler(scheduler)
    _, _, distributed = _require_dask()
    yield from _connect(distributed, scheduler, n_workers, threads_per_worker, timeout)


def _connect(distributed, scheduler, n_workers, threads_per_worker, timeout):
    if scheduler.startswith("local"):
        n = n_workers or (int(scheduler.split(":")[1]) if ":" in scheduler else None)
        n = n or os.cpu_count() or 1
        log.info("starting a local Dask cluster of %d worker process(es)", n)
        # a failed task is re-raised here with its message; the workers' own
        # report of it (a traceback dump) is shown only when debugging
        quiet = logging.WARNING if log.isEnabledFor(logging.DEBUG) else logging.CRITICAL
        with distributed.LocalCluster(n_workers=n, threads_per_worker=threads_per_worker,
                                      processes=True, host="127.0.0.1",
                                      dashboard_address=":0", silence_logs=quiet) as cluster, \
                distributed.Client(cluster) as client:
            yield client
        return
    try:
        client = distributed.Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}; start one "
                         f"with `dask scheduler` and workers with "
                         f"`dask worker {scheduler}`") from exc
    log.info("connected to the Dask scheduler at %s (%d workers)", scheduler,
             len(client.scheduler_info().get("workers", {})))
    try:
        yield client
    finally:
        client.close()


def client_or_default(client):
    """The given client, else the current default ``distributed`` client, else None."""
    if client is not None:
        return client
    _, _, distributed = _require_dask()
    try:
        return distributed.default_client()
    except ValueError:
        return None


def ship(obj, client=None):
    """Send ``obj`` to every worker once; return a small handle to pass to tasks.

    ``obj`` is pickled once here and unpickled once by every worker (also by
    workers that join later); tasks receive only the handle.  Without a
    distributed client (the threaded or synchronous scheduler) ``obj`` itself
    is returned: nothing needs sending.  Shipping the same object again
    replaces the workers' copy; :func:`unship` drops it.

    Examples
    --------
    >>> tok = Tokenizer()
    >>> ship(tok) is tok      # no distributed client here: nothing to send
    True
    """
    client = client_or_default(client)
    if client is None:
        return obj
    from .shipment import ship_to_workers

    return ship_to_workers(obj, client)


def unship(handle, client=None) -> None:
    """Drop an object sent by :func:`ship` from every worker (frees their memory)."""
    from .shipment import Shipped
    from .shipment import unship as drop

    client = client_or_default(client)
    if client is not None and isinstance(handle, Shipped):
        drop(handle, client)


def _resolve(obj):
    from .shipment import resolve

    return resolve(obj)


def _is_shipped(obj) -> bool:
    return type(obj).__module__ == "nlp.distributed.shipment"


def _ship_with_meta(obj, client, make_meta):
    """The task argument for ``obj`` and the output meta.

    A local object is shipped (meta computed here); a handle from :func:`ship`
    is used as it is (meta computed on a worker, where the object lives).
    """
    client = client_or_default(client)
    if _is_shipped(obj):
        if client is None:
            raise ValueError("a handle from ship() needs the distributed client it was "
                             "shipped with; pass client=")
        return obj, client.submit(make_meta, obj, pure=False).result()
    return ship(obj, client), make_meta(obj)


# --------------------------------------------------------------------------- segment

def _units_meta() -> pd.DataFrame:
    cols = {c: pd.Series(dtype=str) for c in UNIT_COLUMNS + META_COLUMNS}
    cols.update(start=pd.Series(dtype="int64"), end=pd.Series(dtype="int64"),
                year=pd.Series(dtype="int64"))
    return pd.DataFrame(cols)[UNIT_COLUMNS + META_COLUMNS]


def _segment_file(item: tuple[str, dict], limits=None) -> pd.DataFrame:
    # the per-file step of nlp.streaming.segment_to_table
    limits = DEFAULT_LIMITS if limits is None else limits
    path, meta = item
    return units_of(read_report(path, limits=limits, **meta), max_units=limits.max_units)


def _check_visible(client, files: list[tuple[str, dict]]) -> None:
    """Fail early, naming the file, when the workers cannot see the input."""
    if not files or not Path(files[0][0]).exists():
        return  # the worker raises the reader's own "no such file" error
    first = files[0][0]
    seen = client.run(os.path.exists, first)
    blind = sorted(w for w, ok in seen.items() if not ok)
    if blind:
        raise InputError(f"Dask worker(s) {', '.join(blind)} cannot see this file; workers "
                         "read the reports themselves and need them at the same path "
                         "(a shared filesystem)", path=first)


def segment_files(paths: Iterable[str | Path] | str | Path, client=None, *, limits=None):
    """Segment report files on the workers: a dask DataFrame of units.

    Parameters
    ----------
    paths : path or iterable of paths
        Report files or folders, as for ``fazhi segment`` (folders expand,
        ``reports.csv`` metadata applies).
    client : distributed.Client, optional
        Used to check that the workers see the files; the default client is
        used when omitted.
    limits : nlp.Limits, optional
        Resource bounds for every file (``nlp.ingest.DEFAULT_LIMITS`` by default).

    Returns
    -------
    dask.dataframe.DataFrame
        One partition per file, in input order; each partition equals
        ``nlp.streaming.units_of(nlp.read_report(file))``: columns
        ``report_id, unit_id, section, subsection, role, text, start, end,
        agency, region, year``.  The index restarts at 0 in every partition.

    Examples
    --------
    >>> units = segment_files(["corpus/reports"])              # doctest: +SKIP
    >>> units.npartitions, units["role"].value_counts().compute()["measures"] > 0  # doctest: +SKIP
    (2, True)
    """
    _, dd, _ = _require_dask()
    files = [(str(Path(f).absolute()), meta) for f, meta in expand_paths(paths)]
    if not files:
        raise InputError("no report files given")
    client = client_or_default(client)
    if client is not None:
        _check_visible(client, files)
    with _no_string_conversion():
        return dd.from_map(_segment_file, files, args=(limits,), meta=_units_meta(),
                           label="fazhi-segment", enforce_metadata=False)


# --------------------------------------------------------------------------- tokenize

def _as_dask_frame(units, npartitions: int | None):
    _, dd, _ = _require_dask()
    if isinstance(units, pd.DataFrame):
        n = npartitions or max(1, min(len(units) // 2000 + 1, 256))
        with _no_string_conversion():
            return dd.from_pandas(units, npartitions=n, sort=False)
    if not isinstance(units, dd.DataFrame):
        raise TypeError(f"units must be a dask or pandas DataFrame, got "
                        f"{type(units).__name__}")
    return units


def tokenize_partition(df: pd.DataFrame, tokenizer, column: str) -> pd.DataFrame:
    return tokenize_table(df, _resolve(tokenizer), column=column)


def tokenize_units(units, tokenizer=None, client=None, *, column: str = "text",
                   npartitions: int | None = None):
    """Tokenize a units table on the workers; the tokenizer is sent once per worker.

    Parameters
    ----------
    units : dask.dataframe.DataFrame or pandas.DataFrame
        A units table (from :func:`segment_files`, or read from a file; a
        pandas table is split into ``npartitions``).
    tokenizer : nlp.Tokenizer or a handle from :func:`ship`, optional
        Defaults to ``nlp.Tokenizer()`` (bundled dictionary and stopwords).
    client : distributed.Client, optional
        Defaults to the current client; without one the tokenizer is used in
        this process.
    column : str, default "text"
        The text column.

    Returns
    -------
    dask.dataframe.DataFrame
        Each partition is ``nlp.streaming.tokenize_units(partition, tokenizer)``:
        the units with a ``tokens`` column (analysis tokens joined by spaces).

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"text": ["全面推行双随机一公开监管"]})
    >>> tokenize_units(units).compute()["tokens"].tolist()     # doctest: +SKIP
    ['全面推行 双随机一公开 监管']
    """
    ddf = _as_dask_frame(units, npartitions)
    if column not in ddf.columns:
        raise InputError(f"no {column!r} column; the columns are {list(ddf.columns)}")
    tokenizer = Tokenizer() if tokenizer is None else tokenizer
    if not (hasattr(tokenizer, "pipe") or _is_shipped(tokenizer)):
        raise TypeError(f"tokenizer must be an nlp.Tokenizer, got {type(tokenizer).__name__}")
    meta = ddf._meta.assign(tokens=pd.Series(dtype=str))
    shipped = tokenizer if _is_shipped(tokenizer) else ship(tokenizer, client)
    with _no_string_conversion():
        return ddf.map_partitions(tokenize_partition, shipped, column, meta=meta,
                                  enforce_metadata=False)


# --------------------------------------------------------------------------- classify

def classify_partition(df: pd.DataFrame, model) -> pd.DataFrame:
    return classify_table(df, _resolve(model))


def classify_units(units_ddf, model, client=None, *, npartitions: int | None = None):
    """Classify the themes of every unit on the workers; the model is sent once per worker.

    Parameters
    ----------
    units_ddf : dask.dataframe.DataFrame or pandas.DataFrame
        A units table with a ``text`` column.
    model : nlp.ThemeClassifier, nlp.LexiconClassifier or a handle from :func:`ship`
        A fitted classifier (``ThemeClassifier.load(folder)``).  Pass
        ``ship(model, client)`` to reuse one copy on the workers across calls.
    client : distributed.Client, optional
        Defaults to the current client.

    Returns
    -------
    dask.dataframe.DataFrame
        Each partition is ``nlp.classify.classify_units(partition, model)``:
        the units with ``p_<theme>`` probabilities and ``labels``.

    Examples
    --------
    >>> from nlp import ThemeClassifier
    >>> model = ThemeClassifier.load("models/themes")        # doctest: +SKIP
    >>> themed = classify_units(segment_files(["corpus"]), model)  # doctest: +SKIP
    >>> themed["labels"].compute().iloc[0]                   # doctest: +SKIP
    '普法宣传'
    """
    ddf = _as_dask_frame(units_ddf, npartitions)
    # the output columns and dtypes come from the model itself, on an empty table
    shipped, meta = _ship_with_meta(model, client, partial(classify_partition, ddf._meta))
    with _no_string_conversion():
        return ddf.map_partitions(classify_partition, shipped, meta=meta,
                                  enforce_metadata=False)


# --------------------------------------------------------------------------- topics

def _topics_partition(df: pd.DataFrame, topic_model, column: str) -> pd.DataFrame:
    import numpy as np

    topic_model = _resolve(topic_model)
    docs = [t.split() if isinstance(t, str) else list(t) for t in df[column]]
    theta = topic_model.transform(docs) if docs else np.zeros((0, topic_model.n_topics))
    out = df.copy()
    for k in range(topic_model.n_topics):
        out[f"topic_{k}"] = theta[:, k]
    return out


def transform_topics(units, topic_model, client=None, *, column: str = "tokens",
                     npartitions: int | None = None):
    """Topic proportions of every unit on the workers, from a model fitted on one machine.

    LDA training stays on one machine (gensim); for a corpus too large for
    that, fit :class:`nlp.TopicModel` on a random sample of units, then use
    this to apply it to all of them.  The model is sent to every worker once.

    Parameters
    ----------
    units : dask.dataframe.DataFrame or pandas.DataFrame
        With a ``column`` of tokens: space-joined strings (from
        :func:`tokenize_units` or ``fazhi segment --tokens``) or lists.
    topic_model : nlp.TopicModel or a handle from :func:`ship`
        Fitted.
    client : distributed.Client, optional

    Returns
    -------
    dask.dataframe.DataFrame
        ``units`` with ``topic_0 … topic_<k-1>`` (rows sum to 1).  Each
        partition is ``topic_model.transform`` of its own documents: the same
        partitions always give the same numbers.

    Examples
    --------
    >>> sample = units.sample(frac=0.05, random_state=0).compute()  # doctest: +SKIP
    >>> tm = TopicModel(20, random_state=0).fit(sample["tokens"].str.split())  # doctest: +SKIP
    >>> shares = transform_topics(units, tm, client)        # doctest: +SKIP
    """
    from sklearn.utils.validation import check_is_fitted

    ddf = _as_dask_frame(units, npartitions)
    if column not in ddf.columns:
        raise InputError(f"no {column!r} column; the columns are {list(ddf.columns)} "
                         "(tokenize first: tokenize_units or `fazhi segment --tokens`)")
    if not _is_shipped(topic_model):
        check_is_fitted(topic_model, "model_")
    shipped, meta = _ship_with_meta(topic_model, client,
                                    partial(_topics_partition, ddf._meta, column=column))
    with _no_string_conversion():
        return ddf.map_partitions(_topics_partition, shipped, column, meta=meta,
                                  enforce_metadata=False)


# the streaming runs behind ``fazhi segment|classify --scheduler``
