"""Safe writing and reading of outputs and model folders.

Nothing is ever half-written: files go to a temporary name in the target
folder and are renamed into place; model folders are written to a temporary
sibling folder, checksummed in ``manifest.json`` and renamed.  Loading checks
every checksum before a single byte is deserialised.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ._version import __version__
from .errors import InputError, ModelIntegrityError

__all__ = [
    "atomic_path",
    "atomic_dir",
    "sha256_file",
    "write_table",
    "read_table",
    "TableWriter",
    "write_manifest",
    "verify_manifest",
    "TABLE_SUFFIXES",
    "library_versions",
    "check_table_suffix",
]

log = logging.getLogger(__name__)

TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".parquet")
MANIFEST = "manifest.json"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it into place on success.

    On any exception the temporary file is removed and ``path`` is untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "单元.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("一是加强普法", encoding="utf-8")
    >>> target.read_text(encoding="utf-8")
    '一是加强普法'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():  # mkstemp makes 0600 files: give the usual permissions
            os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temporary folder next to ``path``; swap it into place on success.

    An existing folder at ``path`` is replaced only after the new one is
    complete, so a crash leaves either the old folder or the new one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700 folders
        if path.exists():
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def check_table_suffix(path: Path) -> str:
    """The lower-case suffix of a table path, or an :class:`InputError` naming it.

    Examples
    --------
    >>> check_table_suffix(Path("单元.CSV"))
    '.csv'
    """
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(
            f"unsupported table format {suffix!r}; use one of {', '.join(TABLE_SUFFIXES)}",
            path=path,
        )
    return suffix


def _write_frame(df: pd.DataFrame, tmp: Path, suffix: str, *, header: bool = True) -> None:
    mode = "w" if header else "a"
    if suffix == ".csv":
        df.to_csv(tmp, index=False, encoding="utf-8-sig" if header else "utf-8",
                  mode=mode, header=header)
    elif suffix == ".tsv":
        df.to_csv(tmp, index=False, sep="\t", encoding="utf-8-sig" if header else "utf-8",
                  mode=mode, header=header)
    elif suffix == ".jsonl":
        with open(tmp, mode, encoding="utf-8") as f:
            for rec in df.to_dict(orient="records"):
                f.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a DataFrame atomically, the format chosen by the extension.

    ``.csv`` is UTF-8 with BOM so Excel opens Chinese text correctly;
    ``.tsv`` likewise; ``.jsonl`` one JSON object per line; ``.parquet``.
    """
    path = Path(path)
    suffix = check_table_suffix(path)
    with atomic_path(path) as tmp:
        if suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        else:
            _write_frame(df, tmp, suffix)
    return path


class TableWriter:
    """Write a table chunk by chunk to a temporary file, renamed on ``close``.

    Use it as a context manager; on an exception the partial file is removed.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "units.csv"
    >>> with TableWriter(out) as w:
    ...     w.write(pd.DataFrame({"text": ["一是普法"]}))
    ...     w.write(pd.DataFrame({"text": ["二是执法"]}))
    >>> len(pd.read_csv(out))
    2
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.suffix = check_table_suffix(self.path)
        self._cm = None
        self._tmp: Path | None = None
        self._parquet = None
        self._started = False
        self.rows = 0

    def __enter__(self) -> TableWriter:
        self._cm = atomic_path(self.path)
        self._tmp = self._cm.__enter__()
        return self

    def write(self, df: pd.DataFrame) -> None:
        if self.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(df, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self._tmp, table.schema)
            self._parquet.write_table(table.cast(self._parquet.schema))
        else:
            _write_frame(df, self._tmp, self.suffix, header=not self._started)
        self._started = True
        self.rows += len(df)

    def __exit__(self, exc_type, exc, tb):
        if self._parquet is not None:
            self._parquet.close()
        if not self._started and exc_type is None:
            self._tmp.write_bytes(b"")
        return self._cm.__exit__(exc_type, exc, tb)


def read_table(path: str | Path, **kwargs) -> pd.DataFrame:
    """Read a table written by :func:`write_table` (CSV/TSV accept a BOM)."""
    path = Path(path)
    suffix = check_table_suffix(path)
    if not path.exists():
        raise InputError("no such file", path=path)
    try:
        if suffix == ".csv":
            return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, **kwargs)
        if suffix == ".tsv":
            return pd.read_csv(path, sep="\t", encoding="utf-8-sig", keep_default_na=False,
                               **kwargs)
        if suffix == ".jsonl":
            return pd.read_json(path, lines=True, dtype=False, **kwargs)
        return pd.read_parquet(path, **kwargs)
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"cannot read table: {exc}", path=path) from exc


SELF_CHECKSUM = "manifest_sha256"


def _manifest_digest(manifest: dict) -> str:
    """SHA-256 of the manifest's canonical JSON, without its own checksum field."""
    body = {k: v for k, v in manifest.items() if k != SELF_CHECKSUM}
    canon = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def write_manifest(folder: str | Path, extra: dict) -> dict:
    """Write ``manifest.json`` with the SHA-256 of every other file in ``folder``.

    The manifest also carries the SHA-256 of its own content
    (``manifest_sha256``), so an edited manifest is noticed too.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "权重.npy").write_bytes(b"0")
    >>> sorted(write_manifest(d, {"kind": "示例"})["files"])
    ['权重.npy']
    """
    folder = Path(folder)
    files = {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }
    manifest = {k: v for k, v in extra.items() if k not in ("files", SELF_CHECKSUM)}
    manifest["files"] = files
    manifest[SELF_CHECKSUM] = _manifest_digest(manifest)
    (folder / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return manifest


def _listed_file(folder: Path, name) -> Path:
    """The path of a manifest entry, refusing names that leave the folder."""
    if not isinstance(name, str) or not name or name.startswith(("/", "\\")) \
            or any(part in ("", ".", "..") for part in name.split("/")) or "\\" in name \
            or ":" in name:
        raise ModelIntegrityError(f"manifest lists an unsafe file name {name!r} (only plain "
                                  "names inside the model folder are allowed)", path=folder)
    return folder / name


def verify_manifest(folder: str | Path) -> dict:
    """Check every file of a model folder against its manifest; return the manifest.

    Nothing in the folder is deserialised here: files are only hashed.

    Raises
    ------
    ModelIntegrityError
        If the manifest is missing, unreadable or was edited after it was
        written, lists a name outside the folder, a listed file is missing,
        is a symbolic link or was changed, or the folder holds a file the
        manifest does not list.  The message says which and why.
    """
    folder = Path(folder)
    mpath = folder / MANIFEST
    if not folder.is_dir():
        raise ModelIntegrityError("model folder does not exist", path=folder)
    if not mpath.is_file():
        raise ModelIntegrityError("no manifest.json: refusing to load an unverified model",
                                  path=folder)
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        files = manifest["files"]
        if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
            raise TypeError("'files' must map file names to SHA-256 digests")
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise ModelIntegrityError(f"manifest.json is unreadable: {exc}", path=folder) from exc
    recorded = manifest.get(SELF_CHECKSUM)
    if recorded is None:
        log.warning("%s: manifest.json has no %s (written by an older fazhi-nlp); its own "
                    "content is not checked", folder, SELF_CHECKSUM)
    elif recorded != _manifest_digest(manifest):
        raise ModelIntegrityError("manifest.json was edited after it was written: its own "
                                  "SHA-256 does not match", path=folder)
    for name, digest in files.items():
        p = _listed_file(folder, name)
        if p.is_symlink():
            raise ModelIntegrityError(f"file {name!r} is a symbolic link; model folders hold "
                                      "plain files only", path=folder)
        if not p.is_file():
            raise ModelIntegrityError(f"file {name!r} listed in the manifest is missing",
                                      path=folder)
        if sha256_file(p) != digest:
            raise ModelIntegrityError(
                f"file {name!r} was changed: its SHA-256 does not match the manifest",
                path=folder,
            )
    listed = set(files)
    for p in folder.rglob("*"):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and p.name != MANIFEST and rel not in listed and not rel.startswith("."):
            raise ModelIntegrityError(f"unknown file {rel!r} is not in the manifest",
                                      path=folder)
    log.debug("verified %d files in %s", len(files), folder)
    return manifest


def library_versions(*packages: str) -> dict[str, str]:
    """Python's, fazhi-nlp's and the given packages' versions, for a manifest.

    Examples
    --------
    >>> sorted(library_versions("numpy"))
    ['fazhi-nlp', 'numpy', 'python']
    """
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "fazhi-nlp": __version__}
    for name in packages:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out
