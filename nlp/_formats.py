"""File formats and encodings: bytes on disk → raw text, within resource limits.

Used by :mod:`nlp.ingest`; knows nothing of reports' structure or metadata.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import zipfile
from functools import lru_cache
from pathlib import Path

from .errors import InputError, ResourceLimitError

__all__ = ["Limits", "DEFAULT_LIMITS", "SUPPORTED_SUFFIXES", "decode_bytes", "read_raw_text"]

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")


@dataclasses.dataclass(frozen=True)
class Limits:
    """Resource bounds for reading one file.

    Parameters
    ----------
    max_bytes : int
        Largest file read, in bytes (default 50 MB).
    max_unpacked_bytes : int
        Largest total uncompressed size of a ``.docx`` archive (default 200 MB).
    max_chars : int
        Largest body text after extraction, in characters (default 20 million).
    """

    max_bytes: int = 50_000_000
    max_unpacked_bytes: int = 200_000_000
    max_chars: int = 20_000_000


DEFAULT_LIMITS = Limits()


# --------------------------------------------------------------------------- decoding

@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Two-character words of jieba's dictionary: a plausibility test for decodings."""
    import jieba

    words = set()
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as f:
        for line in f:
            w, freq = line.split(" ", 2)[:2]
            if len(w) == 2 and int(freq) >= 20:
                words.add(w)
    return frozenset(words)


def _plausibility(text: str) -> float:
    """Share of adjacent CJK character pairs that are dictionary words."""
    from . import _zhconv

    text = _zhconv.to_simplified(text[:4000])
    words = _common_words()
    pairs = hits = 0
    for a, b in zip(text, text[1:]):
        if "\u4e00" <= a <= "\u9fff" and "\u4e00" <= b <= "\u9fff":
            pairs += 1
            hits += (a + b) in words
    return hits / pairs if pairs else 0.0


def decode_bytes(data: bytes, *, path: str | Path | None = None) -> str:
    """Decode report bytes: UTF-8 (BOM or not), GB18030 or Big5.

    When several legacy encodings decode without error, the one whose text
    reads as Chinese (most dictionary word pairs) wins.

    Raises
    ------
    InputError
        For binary data or bytes no supported encoding can decode.

    Examples
    --------
    >>> decode_bytes("法治政府建设".encode("gb18030"))
    '法治政府建设'
    """
    if b"\x00" in data[:8192]:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            try:
                return data.decode("utf-16")
            except UnicodeDecodeError:
                pass
        raise InputError("binary file: not a text report (NUL bytes found)", path=path)
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"file has a UTF-8 BOM but invalid UTF-8 at byte {exc.start}",
                             path=path) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    candidates = {}
    for enc in ("gb18030", "big5"):
        try:
            candidates[enc] = data.decode(enc)
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise InputError(
            "cannot decode: not UTF-8 (invalid byte at offset "
            f"{utf8_error.start}), GB18030 or Big5", path=path)
    if len(candidates) == 1:
        enc, text = next(iter(candidates.items()))
    else:
        enc, text = max(candidates.items(), key=lambda kv: _plausibility(kv[1]))
    if _plausibility(text) < 0.05 and len(text) > 200:
        raise InputError(f"cannot decode: bytes do not read as Chinese in UTF-8, GB18030 "
                         f"or Big5 (best guess {enc})", path=path)
    log.debug("decoded %s as %s", path, enc)
    return text


# --------------------------------------------------------------------------- formats

def _read_html(data: bytes, path) -> str:
    from bs4 import BeautifulSoup

    text = decode_bytes(data, path=path)
    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "noscript", "iframe", "object", "embed", "nav",
                     "header", "footer", "form", "select", "button", "svg", "template"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    if soup.title:
        soup.title.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    blocks = []
    for el in soup.find_all(["p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "tr",
                             "section", "article", "span", "table"]):
        el.insert_after("\n")
    body = soup.get_text()
    blocks.append(body)
    return ((title + "\n") if title else "") + "\n".join(blocks)


def _check_zip(path, data_len, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            total = 0
            for info in zf.infolist():
                total += info.file_size
                if total > limits.max_unpacked_bytes:
                    raise ResourceLimitError(
                        f"docx unpacks to more than max_unpacked_bytes="
                        f"{limits.max_unpacked_bytes} bytes (possible zip bomb)", path=path)
                if info.compress_size and info.file_size / info.compress_size > 1000:
                    raise ResourceLimitError(
                        f"docx member {info.filename!r} has a compression ratio over 1000 "
                        "(possible zip bomb)", path=path)
    except zipfile.BadZipFile as exc:
        raise InputError("not a valid .docx file (bad zip archive)", path=path) from exc


def _read_docx(path, data_len: int, limits: Limits) -> str:
    _check_zip(path, data_len, limits)
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many types for broken packages
        raise InputError(f"not a readable .docx file: {exc}", path=path) from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _read_pdf(path) -> str:
    try:
        from pdfminer.high_level import extract_text
        from pdfminer.pdfparser import PDFSyntaxError
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise InputError("reading PDF needs pdfminer.six", path=path) from exc
    try:
        text = extract_text(str(path))
    except PDFSyntaxError as exc:
        raise InputError(f"not a readable PDF: {exc}", path=path) from exc
    except Exception as exc:  # pdfminer raises a zoo of types for broken files
        raise InputError(f"not a readable PDF ({type(exc).__name__}: {exc})", path=path) from exc
    if not re.search(r"[\u4e00-\u9fffA-Za-z]", text or ""):
        raise InputError("PDF has no text layer (a scanned image?): run OCR first", path=path)
    # pdfminer breaks lines inside paragraphs; join lines that do not end a sentence
    text = text.replace("\x0c", "\n")
    return re.sub(r"(?<![。！？；：:;!?\n])\n(?!\n)(?![一二三四五六七八九十]+、|[(（]\S{1,3}[)）])", "",
                  text)


def read_raw_text(path: Path, limits: Limits) -> str:
    """Read a report file's raw text (any supported format and encoding)."""
    if not path.exists() and not path.is_symlink():
        raise InputError("no such file", path=path)
    try:
        path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise InputError(f"cannot resolve path ({exc})", path=path) from exc
    if path.is_dir():
        raise InputError("is a directory, not a report file (use load_corpus for folders)",
                         path=path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(f"unsupported file type {suffix or '(none)'!r}; supported: "
                         f"{', '.join(SUPPORTED_SUFFIXES)}", path=path)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise ResourceLimitError(f"file is {size} bytes, over max_bytes={limits.max_bytes}",
                                     path=path)
        if size == 0:
            raise InputError("empty file", path=path)
        if suffix == ".docx":
            return _read_docx(path, size, limits)
        if suffix == ".pdf":
            return _read_pdf(path)
        data = path.read_bytes()
    except PermissionError as exc:
        raise InputError("permission denied: cannot read the file", path=path) from exc
    except IsADirectoryError as exc:
        raise InputError("is a directory", path=path) from exc
    except OSError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=path) from exc
    if suffix in (".html", ".htm"):
        return _read_html(data, path)
    return decode_bytes(data, path=path)
