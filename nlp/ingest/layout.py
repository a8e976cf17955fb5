"""Line layout of a report body: joining the fragments that web pages break lines into.

Saved pages often break a sentence wherever a link was (``依据《`` / ``行政处罚法``
/ ``》、《`` / ``行政许可法`` / ``》等规定``).  Each piece would become a "unit" of a
few characters.  :func:`join_fragments` joins such pieces to their neighbours;
it only removes line breaks, so every non-space character of the body is kept.
"""

from __future__ import annotations

import re

__all__ = ["join_fragments", "MIN_LINE"]

#: lines with fewer non-space characters than this, and no sentence end, are fragments
MIN_LINE = 8

_SENTENCE_END = "。！!？?；;：:"
_CONTINUES = re.compile(r"^[》」』”’)）、，,。；;：:！!？?]")
_OPENS = re.compile(r"[《「『“‘(（]$")
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[(（]\s*[一二三四五六七八九十\d]+\s*[)）]|"
                      r"\d{1,2}\s*[.．、](?!\d)|[①②③④⑤⑥⑦⑧⑨⑩]|第[一二三四五六七八九十]+[部章节条]?[,，、:： ]|"
                      r"[一二三四五六七八九十]+是)")
_DATE_LINE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")


def _size(line: str) -> int:
    return len(re.sub(r"\s", "", line))


def _is_short(line: str) -> bool:
    s = line.strip()
    return 0 < _size(s) < MIN_LINE and not _HEADING.match(s) and not _DATE_LINE.fullmatch(s)


def _is_fragment(line: str) -> bool:
    """A short line that does not end a sentence: it continues on the next line."""
    return _is_short(line) and line.strip()[-1] not in _SENTENCE_END


def join_fragments(text: str) -> str:
    """Join link-broken fragments of a body to the lines around them.

    A line is joined to the line before it when it starts with closing or
    continuing punctuation (``》、，。``), when the line before ends with an
    opening mark (``《“``), when it is short (fewer than :data:`MIN_LINE`
    characters, not a heading or a date), or when the line before is short and
    ends no sentence.  A line ending a sentence is never continued.

    Examples
    --------
    >>> join_fragments("依据《\\n行政处罚法\\n》、《\\n行政许可法\\n》等规定开展执法。\\n一、总体情况\\n全年办案12件。")
    '依据《行政处罚法》、《行政许可法》等规定开展执法。\\n一、总体情况\\n全年办案12件。'
    """
    lines = text.split("\n")
    out: list[str] = []
    last = None  # index in out of the last non-empty line
    for line in lines:
        s = line.strip()
        if not s:
            out.append(line)
            continue
        if last is not None:
            prev = out[last].rstrip()
            joinable = prev[-1] not in _SENTENCE_END and not (
                _HEADING.match(prev.strip()) and _size(prev) < 40 and not _is_fragment(prev))
            if joinable and not _HEADING.match(s) and (
                    _CONTINUES.match(s) or _OPENS.search(prev) or _is_short(s)
                    or _is_fragment(prev)):
                out[last] = prev + s
                del out[last + 1:]
                continue
        out.append(line)
        last = len(out) - 1
    return "\n".join(out)
