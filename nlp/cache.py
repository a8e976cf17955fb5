"""On-disk caches: tokens per text, and results of expensive deterministic steps.

Two caches share one folder, by default the user cache directory
(``~/.cache/fazhi-nlp`` on Linux; ``FAZHI_CACHE_DIR`` overrides it):

* :class:`TokenCache` keeps the tokens of every text, keyed by the text's hash
  and the tokenizer's :attr:`~nlp.Tokenizer.fingerprint`, in one SQLite file.
  Several processes may read and write it at once; every batch is written in
  one transaction, so a crash never leaves a half-written entry.
* :func:`memoize` wraps a deterministic function: its result is stored under
  a hash of the function, its source and its arguments (DataFrames, arrays,
  files and folders are hashed by content), and written atomically.  Results
  are stored in a safe format, never pickle: tables as Parquet, arrays as
  ``.npy`` without objects, everything else as JSON, and only the dataclasses
  the decorated function names can be rebuilt.

Caching is **off** in the library unless ``FAZHI_CACHE=1`` or
:func:`set_cache_enabled` turns it on, and **on** in the ``fazhi`` command
unless ``--no-cache`` (or ``FAZHI_CACHE=0``) is given.  The cache only ever
holds what this package wrote into your own cache directory; delete the folder
(or call :func:`clear_cache`) at any time.

Examples
--------
>>> import tempfile
>>> from nlp import Tokenizer
>>> store = TokenCache(tempfile.mkdtemp())
>>> tok = Tokenizer()
>>> tok.pipe(["推进一网通办"], cache=store, progress=False)
[['一网通办']]
>>> len(store)
1
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import inspect
import io
import json
import logging
import os
import pickle
import shutil
import sqlite3
import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ._version import __version__
from .persist import atomic_path

__all__ = [
    "cache_dir", "cache_enabled", "set_cache_enabled", "use_cache", "cli_cache",
    "clear_cache", "TokenCache", "resolve_token_cache", "memoize", "digest", "code_version",
]

log = logging.getLogger(__name__)

ENV_DIR = "FAZHI_CACHE_DIR"
ENV_SWITCH = "FAZHI_CACHE"
_BATCH = 500
_override: bool | None = None
_stores: dict[Path, TokenCache] = {}
_stores_lock = threading.Lock()


# --------------------------------------------------------------------------- switches

def cache_dir() -> Path:
    """The cache folder: ``$FAZHI_CACHE_DIR``, else the user cache directory."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("fazhi-nlp", appauthor=False))


def _env_switch() -> bool | None:
    value = os.environ.get(ENV_SWITCH, "").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return None


def cache_enabled() -> bool:
    """Whether caching is on: :func:`set_cache_enabled`, else ``FAZHI_CACHE``, else off."""
    if _override is not None:
        return _override
    return bool(_env_switch())


def set_cache_enabled(flag: bool | None) -> None:
    """Turn caching on or off for this process; ``None`` goes back to ``FAZHI_CACHE``."""
    global _override
    _override = None if flag is None else bool(flag)


@contextlib.contextmanager
def use_cache(flag: bool = True) -> Iterator[None]:
    """Turn caching on (or off) inside a ``with`` block."""
    global _override
    before = _override
    _override = bool(flag)
    try:
        yield
    finally:
        _override = before


def cli_cache(no_cache: bool) -> contextlib.AbstractContextManager:
    """The ``fazhi`` command's rule, as a ``with`` block: on unless ``--no-cache``
    or ``FAZHI_CACHE=0``; the previous setting is restored afterwards."""
    return use_cache(not no_cache and _env_switch() is not False)


def clear_cache(folder: str | Path | None = None) -> None:
    """Delete every cached token and memoized result in ``folder`` (default :func:`cache_dir`)."""
    folder = Path(folder) if folder is not None else cache_dir()
    with _stores_lock:
        for path in [p for p in _stores if p.parent == folder]:
            _stores.pop(path).close()
    for name in ("tokens.sqlite3", "tokens.sqlite3-wal", "tokens.sqlite3-shm"):
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
    shutil.rmtree(folder / "memo", ignore_errors=True)


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """fazhi-nlp's version and a hash of its source files (computed once per process).

    Part of every cache key, so a cached result never outlives a change of
    the code that computed it.
    """
    h = hashlib.sha256(__version__.encode())
    root = Path(__file__).resolve().parent
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return f"{__version__}+{h.hexdigest()[:12]}"


# --------------------------------------------------------------------------- tokens

def _text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class TokenCache:
    """Tokens of texts on disk, keyed by text hash and tokenizer fingerprint.

    Parameters
    ----------
    folder : path, optional
        Where ``tokens.sqlite3`` lives; default :func:`cache_dir`.

    Notes
    -----
    Safe to share between processes and threads: SQLite serialises writers
    (each batch is one transaction) and readers never see a partial batch.
    A cache that cannot be opened or written is skipped with a warning; it
    never makes tokenizing fail.
    """

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder is not None else cache_dir()
        self.path = self.folder / "tokens.sqlite3"
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._broken = False

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is not None and self._pid != os.getpid():
            self._conn = None  # a forked child never uses its parent's connection
        if self._conn is None and not self._broken:
            try:
                self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False,
                                       isolation_level=None)
                with contextlib.suppress(sqlite3.OperationalError):
                    conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("CREATE TABLE IF NOT EXISTS tokens (fp TEXT NOT NULL, "
                             "h BLOB NOT NULL, toks TEXT NOT NULL, PRIMARY KEY (fp, h)) "
                             "WITHOUT ROWID")
                self._conn, self._pid = conn, os.getpid()
            except (sqlite3.Error, OSError) as exc:
                log.warning("token cache %s unusable, continuing without it: %s", self.path, exc)
                self._broken = True
        return self._conn

    def get_many(self, fingerprint: str, texts: Sequence[str]) -> list[list[str] | None]:
        """Cached tokens for each text, ``None`` where there are none."""
        out: list[list[str] | None] = [None] * len(texts)
        with self._lock:
            conn = self._connect()
            if conn is None:
                return out
            keys = [_text_key(t) for t in texts]
            where: dict[bytes, list[int]] = {}
            for i, k in enumerate(keys):
                where.setdefault(k, []).append(i)
            unique = list(where)
            try:
                for s in range(0, len(unique), _BATCH):
                    batch = unique[s:s + _BATCH]
                    marks = ",".join("?" * len(batch))
                    rows = conn.execute(f"SELECT h, toks FROM tokens WHERE fp = ? AND h IN "
                                        f"({marks})", [fingerprint, *batch]).fetchall()
                    for h, toks in rows:
                        value = json.loads(toks)
                        for i in where[h]:
                            out[i] = list(value)
            except sqlite3.Error as exc:
                log.warning("token cache read failed, recomputing: %s", exc)
                return [None] * len(texts)
        return out

    def put_many(self, fingerprint: str, texts: Sequence[str],
                 tokens: Sequence[list[str]]) -> None:
        """Store tokens for texts (one transaction per call)."""
        if len(texts) != len(tokens):
            raise ValueError(f"texts and tokens differ in length: {len(texts)} != {len(tokens)}")
        rows = [(fingerprint, _text_key(t), json.dumps(k, ensure_ascii=False))
                for t, k in zip(texts, tokens)]
        with self._lock:
            conn = self._connect()
            if conn is None:
                return
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT OR IGNORE INTO tokens VALUES (?, ?, ?)", rows)
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                log.warning("token cache write failed, continuing: %s", exc)

    def __len__(self) -> int:
        with self._lock:
            conn = self._connect()
            return 0 if conn is None else conn.execute("SELECT COUNT(*) FROM tokens").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __getstate__(self):
        return {"folder": self.folder}

    def __setstate__(self, state):
        self.__init__(state["folder"])

    def __repr__(self) -> str:
        return f"TokenCache({str(self.folder)!r})"


def resolve_token_cache(cache) -> TokenCache | None:
    """Turn ``pipe(cache=...)`` into a store: ``None`` → default switch, bool, path or store."""
    if cache is None:
        cache = cache_enabled()
    if cache is False:
        return None
    if isinstance(cache, TokenCache):
        return cache
    folder = cache_dir() if cache is True else Path(cache)
    key = (folder / "tokens.sqlite3").resolve()
    with _stores_lock:
        if key not in _stores:
            _stores[key] = TokenCache(folder)
        return _stores[key]


# --------------------------------------------------------------------------- memoize

def _update(h, obj) -> None:  # noqa: C901 - one branch per kind of value
    import numpy as np
    import pandas as pd

    if obj is None or isinstance(obj, (bool, int, float, complex, str)):
        h.update(f"{type(obj).__name__}:{obj!r};".encode("utf-8", "surrogatepass"))
    elif isinstance(obj, bytes):
        h.update(b"bytes:" + obj)
    elif isinstance(obj, Path):
        h.update(f"path:{obj};".encode("utf-8", "surrogatepass"))
        if obj.is_file():
            files = [obj]
        elif obj.is_dir():
            files = sorted(p for p in obj.rglob("*") if p.is_file())
        else:
            files = []
        for p in files:
            h.update(p.relative_to(obj).as_posix().encode() if p != obj else b"")
            with open(p, "rb") as f:
                for block in iter(lambda f=f: f.read(1 << 20), b""):
                    h.update(block)
    elif isinstance(obj, (pd.DataFrame, pd.Series)):
        h.update(f"{type(obj).__name__}:{obj.shape}".encode())
        if isinstance(obj, pd.DataFrame):
            h.update(repr([(str(c), str(t)) for c, t in obj.dtypes.items()]).encode())
        try:
            h.update(pd.util.hash_pandas_object(obj, index=True).to_numpy().tobytes())
        except TypeError:  # unhashable cells (lists of tokens...)
            h.update(pickle.dumps(obj, protocol=4))
    elif isinstance(obj, np.ndarray):
        h.update(f"ndarray:{obj.dtype}:{obj.shape}".encode())
        h.update(np.ascontiguousarray(obj).tobytes() if obj.dtype != object
                 else pickle.dumps(obj, protocol=4))
    elif isinstance(obj, (list, tuple)):
        h.update(f"{type(obj).__name__}[{len(obj)}]".encode())
        if all(type(item) is str for item in obj):  # token lists: one update, not one each
            h.update("\x1f".join(f"{len(t)}:{t}" for t in obj).encode("utf-8", "surrogatepass"))
        else:
            for item in obj:
                _update(h, item)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        h.update(f"dataclass:{type(obj).__qualname__}".encode())
        _update(h, {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)})
    elif isinstance(obj, dict):
        h.update(f"dict[{len(obj)}]".encode())
        for k in sorted(obj, key=repr):
            _update(h, k)
            _update(h, obj[k])
    elif isinstance(obj, (set, frozenset)):
        _update(h, sorted(obj, key=repr))
    elif isinstance(getattr(obj, "fingerprint", None), str):
        h.update(f"{type(obj).__qualname__}:{obj.fingerprint}".encode())
    elif hasattr(obj, "get_params") and not any(k.endswith("_") and not k.startswith("_")
                                                for k in vars(obj)):
        h.update(type(obj).__qualname__.encode())  # an unfitted estimator: its parameters
        _update(h, obj.get_params(deep=False))
    else:
        h.update(type(obj).__qualname__.encode())
        h.update(pickle.dumps(obj, protocol=4))


def digest(*objs) -> str:
    """A content hash of Python values, tables, arrays, files and folders.

    Examples
    --------
    >>> import pandas as pd
    >>> digest(pd.DataFrame({"text": ["普法"]})) == digest(pd.DataFrame({"text": ["普法"]}))
    True
    >>> digest("普法") == digest("执法")
    False
    """
    h = hashlib.sha256()
    for obj in objs:
        _update(h, obj)
    return h.hexdigest()


def _source_of(func) -> str:
    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        return getattr(getattr(func, "__code__", None), "co_code", b"").hex()


class _Unstorable(TypeError):
    """A result holds a value the safe memo format cannot store."""


def _encode(obj, files: dict[str, bytes], types: dict[str, type]):
    """A JSON-able tree for ``obj``; tables and arrays go into ``files``."""
    import numpy as np
    import pandas as pd

    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, bytes):
        name = f"b{len(files)}.bin"
        files[name] = obj
        return {"bytes": name}
    if isinstance(obj, (int, np.integer)):
        return {"int": int(obj)}
    if isinstance(obj, (float, np.floating)):
        return {"float": repr(float(obj))}
    if isinstance(obj, pd.DataFrame):
        name = f"t{len(files)}.parquet"
        frame = obj.copy()
        frame.attrs = {}
        frame.columns = [str(c) for c in frame.columns]
        buf = io.BytesIO()
        try:
            frame.to_parquet(buf)
        except Exception as exc:  # pyarrow refuses mixed-type object columns
            raise _Unstorable(f"table not storable as Parquet: {exc}") from exc
        files[name] = buf.getvalue()
        return {"frame": name, "attrs": _encode(dict(obj.attrs), files, types)}
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            raise _Unstorable("arrays of Python objects are not stored")
        name = f"a{len(files)}.npy"
        buf = io.BytesIO()
        np.save(buf, obj, allow_pickle=False)
        files[name] = buf.getvalue()
        return {"array": name}
    if isinstance(obj, (list, tuple)):
        return {"list" if isinstance(obj, list) else "tuple":
                [_encode(v, files, types) for v in obj]}
    if isinstance(obj, dict):
        return {"dict": [[_encode(k, files, types), _encode(v, files, types)]
                         for k, v in obj.items()]}
    if dataclasses.is_dataclass(obj) and type(obj).__qualname__ in types:
        return {"dataclass": type(obj).__qualname__,
                "fields": {f.name: _encode(getattr(obj, f.name), files, types)
                           for f in dataclasses.fields(obj)}}
    raise _Unstorable(f"a {type(obj).__qualname__} is not stored by the memo cache")


def _decode(node, zf: zipfile.ZipFile, types: dict[str, type]):
    import numpy as np
    import pandas as pd

    if node is None or isinstance(node, (bool, str)):
        return node
    (kind, value), *rest = node.items()
    if kind == "bytes":
        return zf.read(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "frame":
        frame = pd.read_parquet(io.BytesIO(zf.read(value)))
        frame.attrs = _decode(node["attrs"], zf, types)
        return frame
    if kind == "array":
        return np.load(io.BytesIO(zf.read(value)), allow_pickle=False)
    if kind == "list":
        return [_decode(v, zf, types) for v in value]
    if kind == "tuple":
        return tuple(_decode(v, zf, types) for v in value)
    if kind == "dict":
        return {_decode(k, zf, types): _decode(v, zf, types) for k, v in value}
    if kind == "dataclass" and value in types:
        return types[value](**{k: _decode(v, zf, types) for k, v in node["fields"].items()})
    raise ValueError(f"unknown memo node {kind!r}")


def _store(result, path: Path, types: dict[str, type]) -> None:
    files: dict[str, bytes] = {}
    tree = _encode(result, files, types)
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("result.json", json.dumps(tree, ensure_ascii=False))
        for name, data in files.items():
            zf.writestr(name, data)


def _load(path: Path, types: dict[str, type]):
    with zipfile.ZipFile(path) as zf:
        return _decode(json.loads(zf.read("result.json")), zf, types)


def memoize(func: Callable | None = None, *, name: str | None = None, version: str = "1",
            key: Callable | None = None, depends: Callable | None = None,
            types: tuple[type, ...] = ()):
    """Cache a deterministic function's result on disk (when caching is on).

    The key hashes the function's name and source, ``version``, the package's
    version and source (:func:`code_version`) and every argument by content (tables, arrays, token lists,
    dataclasses; ``Path`` arguments by the content of the file or folder).  A
    result is written atomically (temporary file renamed), so concurrent runs
    and crashes never leave a torn entry; an unreadable entry is recomputed.
    ``wrapper.uncached`` is the original function.

    Parameters
    ----------
    name : str, optional
        Folder name under ``memo/``; default ``module.qualname``.
    version : str, default "1"
        Bump to invalidate old results when helpers the function calls change.
    key : callable, optional
        Called with the same arguments; what it returns is hashed *instead of*
        the arguments: the part of them the result depends on (the set of
        characters of a page, say, not its time stamp).
    depends : callable, optional
        Called with the same arguments; what it returns is hashed into the key
        too: the files a call reads without receiving them (a default model
        folder, say), returned as ``Path`` objects.
    types : tuple of dataclass types
        Dataclasses the result may hold; only these are rebuilt from the cache.
        Results are stored as JSON, Parquet and ``.npy`` (never pickle); a
        result holding anything else is computed every time, with a warning.

    Examples
    --------
    >>> @memoize
    ... def theme_counts(units):
    ...     return units["text"].str.contains("普法").sum()
    """
    allowed = {t.__qualname__: t for t in types}

    def decorate(f: Callable) -> Callable:
        label = name or f"{f.__module__}.{f.__qualname__}"
        source = _source_of(f)

        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            if not cache_enabled():
                return f(*args, **kwargs)
            what = key(*args, **kwargs) if key is not None else (list(args), kwargs)
            extra = depends(*args, **kwargs) if depends is not None else None
            hashed = digest(label, source, version, code_version(), what, extra)
            path = cache_dir() / "memo" / label / f"{hashed[:40]}.zip"
            try:
                result = _load(path, allowed)
                log.debug("memo hit %s", path)
                return result
            except FileNotFoundError:
                pass
            except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
                log.warning("memo entry %s unreadable, recomputing: %s", path, exc)
            result = f(*args, **kwargs)
            try:
                _store(result, path, allowed)
            except (OSError, _Unstorable) as exc:
                log.warning("could not cache the result of %s: %s", label, exc)
            return result

        wrapper.uncached = f
        return wrapper

    return decorate(func) if func is not None else decorate
