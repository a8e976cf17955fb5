"""Bytes → text: UTF-8 (with or without BOM), UTF-16 with BOM, GB18030 or Big5.

The bytes decide, never a charset declaration: when several legacy encodings
decode without error, the one whose text reads as Chinese wins.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from ..errors import InputError
from .chinese import to_simplified

__all__ = ["decode_bytes", "refuse_broken_utf8", "plausibility"]

log = logging.getLogger(__name__)


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


def plausibility(text: str) -> float:
    """Share of adjacent CJK character pairs that are dictionary words."""
    text = to_simplified(text[:4000])
    words = _common_words()
    pairs = hits = 0
    for a, b in zip(text, text[1:]):
        if "\u4e00" <= a <= "\u9fff" and "\u4e00" <= b <= "\u9fff":
            pairs += 1
            hits += (a + b) in words
    return hits / pairs if pairs else 0.0


_MIN_UTF8_HAN = 8  # Han characters before a bad byte that show the file is UTF-8


def refuse_broken_utf8(data: bytes, exc: UnicodeDecodeError, path) -> None:
    """Refuse UTF-8 text that is cut short or has foreign bytes pasted in.

    Legacy-encoded (GB18030, Big5) Chinese almost never decodes as several
    consecutive UTF-8 Han characters, so a file whose first ``exc.start`` bytes
    hold real UTF-8 Chinese is UTF-8: decoding it as anything else would
    silently turn it into mojibake.
    """
    prefix = data[:exc.start].decode("utf-8")
    if sum("\u4e00" <= c <= "\u9fff" for c in prefix[-4000:]) < _MIN_UTF8_HAN:
        return
    line = data.count(b"\n", 0, exc.start) + 1
    if exc.end == len(data) and exc.reason == "unexpected end of data":
        raise InputError("truncated UTF-8: the file ends in the middle of a character "
                         "(an incomplete download or copy?)", path=path, line=line)
    raise InputError(f"mixed or corrupt encoding: UTF-8 text up to byte {exc.start}, then "
                     f"bytes that are not UTF-8 ({data[exc.start:exc.start + 4]!r}); re-save "
                     "the file in one encoding", path=path, line=line)


def decode_bytes(data: bytes, *, path: str | Path | None = None) -> str:
    """Decode report bytes: UTF-8 (BOM or not), GB18030 or Big5.

    When several legacy encodings decode without error, the one whose text
    reads as Chinese (most dictionary word pairs) wins.

    Charset declarations (``<meta charset>``, a BOM aside) are ignored: the
    bytes decide.

    Raises
    ------
    InputError
        For binary data, bytes no supported encoding can decode, UTF-8 text
        that is truncated or has bytes of another encoding pasted in, and a
        UTF-8 BOM followed by something else; the message gives the line.

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
            raise InputError("file starts with a UTF-8 byte-order mark but holds another "
                             f"encoding (invalid UTF-8 at byte {exc.start + 3})", path=path,
                             line=data.count(b"\n", 0, exc.start + 3) + 1) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    refuse_broken_utf8(data, utf8_error, path)
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
        enc, text = max(candidates.items(), key=lambda kv: plausibility(kv[1]))
    if plausibility(text) < 0.05 and len(text) > 200:
        raise InputError(f"cannot decode: bytes do not read as Chinese in UTF-8, GB18030 "
                         f"or Big5 (best guess {enc})", path=path)
    log.debug("decoded %s as %s", path, enc)
    return text
