"""Chinese character normalisation: traditional → simplified (OpenCC tables, with
detection), full-width letters and digits, pinyin glosses of mirror sites.

Readers and classifiers apply the same :func:`normalize_text`, so a unit is
seen alike whichever way it reached the model.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["normalize_text", "to_simplified", "is_traditional", "fix_stray_traditional"]

@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified.

    Examples
    --------
    >>> to_simplified("法治政府建設")
    '法治政府建设'
    """
    return _converter().convert(text)


def is_traditional(text: str, threshold: float = 0.03) -> bool:
    """Whether a text is written in traditional characters.

    If more than ``threshold`` of a sample's CJK characters are
    traditional-only (outside GB2312 and with a simplified form), the text
    is traditional.

    Examples
    --------
    >>> is_traditional("依法治教，建設法治校園"), is_traditional("依法治教，建设法治校园")
    (True, False)
    """
    if len(text) > 6000:
        step = len(text) // 3
        sample = text[:2000] + text[step:step + 2000] + text[-2000:]
    else:
        sample = text
    # counted with re.sub and str.translate (C loops): this runs on every unit a model sees
    han = _NOT_HAN.sub("", sample)
    if not han:
        return False
    traditional = len(han) - len(han.translate(_traditional_deletions()))
    return traditional / len(han) > threshold


_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")


@lru_cache(maxsize=1)
def _traditional_deletions() -> dict[int, None]:
    return dict.fromkeys(_stray_table())


@lru_cache(maxsize=1)
def _stray_table() -> dict[int, str]:
    """Map traditional-only characters (outside GB2312) to their simplified forms."""
    gb2312 = set()
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                gb2312.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    candidates = [chr(c) for c in range(0x4E00, 0xA000) if chr(c) not in gb2312]
    converted = to_simplified("\n".join(candidates)).split("\n")
    return {ord(a): b for a, b in zip(candidates, converted) if a != b and len(b) == 1}


def fix_stray_traditional(text: str) -> str:
    """Convert traditional-only characters inside simplified text, one by one.

    Characters that simplified text also uses (those in GB2312, such as 著 or 乾)
    are left alone, so this is safe on simplified text.

    Examples
    --------
    >>> fix_stray_traditional("坚持依法治教,建設法治政府")
    '坚持依法治教,建设法治政府'
    """
    return text.translate(_stray_table())


_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}
_FULLWIDTH.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})
_FULLWIDTH.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})
_FULLWIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0xFEFF: None, 0x200B: None})

_PINYIN_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
_PINYIN_AFTER_HAN = re.compile(
    rf"(?<=[\u4e00-\u9fff])[(（](?=[a-z{_PINYIN_VOWELS}]*[{_PINYIN_VOWELS}])"
    rf"[a-z{_PINYIN_VOWELS}]{{1,7}}[)）]"
)


def normalize_text(text: str) -> str:
    """Normalise characters: LF line ends, full-width letters and digits to
    ASCII, traditional to simplified, pinyin glosses removed.

    Punctuation keeps its width (``，`` stays ``，``).

    Examples
    --------
    >>> normalize_text("建設(shè)法治政府２０２１年\\r\\n")
    '建设法治政府2021年\\n'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # each step is skipped when a (C-speed) search finds nothing for it to do: most units
    # a model sees are plain simplified text, and this runs on every one of them
    if _FULLWIDTH_CHARS.search(text):
        text = text.translate(_FULLWIDTH)
    if "(" in text or "（" in text:
        text = _PINYIN_AFTER_HAN.sub("", text)
    if _traditional_chars().search(text) is None:
        return text  # no traditional-only character: neither conversion changes anything
    if is_traditional(text):
        text = to_simplified(text)
        text = _PINYIN_AFTER_HAN.sub("", text)
    else:
        text = fix_stray_traditional(text)
    return text


_FULLWIDTH_CHARS = re.compile("[" + "".join(re.escape(chr(c)) for c in _FULLWIDTH) + "]")


@lru_cache(maxsize=1)
def _traditional_chars() -> re.Pattern:
    """A character class of the traditional-only characters (:func:`_stray_table`)."""
    return re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_stray_table())) + "]")
