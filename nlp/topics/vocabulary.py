"""The vocabulary filter of topic models, scaled to the number of documents.

LDA learns nothing from a word seen in one or two units, and the words of every
report (发展, 建设, 工作...) fill every topic.  Both ends are cut before
training: words in fewer than ``no_below`` documents and words in more than a
share ``no_above`` of them.  Fixed numbers suit one corpus size only (10
documents and 10 % fit thousands of paragraphs, and leave nothing of 45
units), so by default both follow the number of documents ``n``:

* ``no_below = ceil(0.0015 * n)``, a share of the documents, with a small
  floor: at least 2, and at least 5 from 1,000 documents up (10 at 6,500
  paragraphs, 600 at 400,000);
* ``no_above = 0.1`` from 5,000 documents up, and ``0.1 * sqrt(5000 / n)``
  below, at most 0.5: in a small corpus a word of one subject is found in a
  large share of its few documents (0.22 at 1,000 units, 0.5 at 200 or fewer).

The constants come from ``bench/lda.py`` on the 72 State Council work reports
(6,460 paragraphs), where ``no_below=10, no_above=0.1`` gave the most coherent
topics, from random samples of 400 to 2,000 of those paragraphs
(``bench/lda.py --sweep``: the rule scored the best NPMI of the fixed choices
tried, or within 0.011 of it), and from the bundled corpus (45 units), where
``no_below=2, no_above=0.5`` keeps a usable vocabulary.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["vocabulary_filter", "AUTO"]

#: the parameter value that asks for the scaled filter
AUTO = "auto"
NO_BELOW_SHARE = 0.0015
NO_BELOW_MIN = 2
NO_BELOW_MIN_MID = 5  # from MID_CORPUS documents up
MID_CORPUS = 1000
NO_ABOVE_LARGE = 0.1
LARGE_CORPUS = 5000
NO_ABOVE_MAX = 0.5


def _auto_no_below(n_docs: int) -> int:
    floor = NO_BELOW_MIN_MID if n_docs >= MID_CORPUS else NO_BELOW_MIN
    return max(floor, math.ceil(NO_BELOW_SHARE * n_docs - 1e-9))


def _auto_no_above(n_docs: int) -> float:
    if n_docs >= LARGE_CORPUS:
        return NO_ABOVE_LARGE
    return round(min(NO_ABOVE_MAX, NO_ABOVE_LARGE * math.sqrt(LARGE_CORPUS / max(n_docs, 1))), 3)


def vocabulary_filter(n_docs: int, no_below=AUTO, no_above=AUTO, keep_n: int = 100_000) -> dict:
    """The filter a topic model applies to a corpus of ``n_docs`` documents.

    Parameters
    ----------
    n_docs : int
        Number of documents (units) the vocabulary is built from.
    no_below : "auto", int or float
        ``"auto"``: 0.15 % of the documents, at least 2 (5 from 1,000
        documents up; see the module docstring); an int: at least that many documents; a float in (0, 1):
        at least that share of the documents (and at least one).
    no_above : "auto" or float
        ``"auto"``: 0.1 for large corpora, relaxed for small ones; a float in
        (0, 1]: at most that share of the documents.
    keep_n : int
        Keep at most this many words (the most frequent).

    Returns
    -------
    dict
        ``no_below`` (documents), ``no_above`` (share), ``keep_n``, ``n_docs``,
        ``auto`` (which of the two were scaled) and ``summary``, one line to print.

    Examples
    --------
    >>> vocabulary_filter(45)["summary"]
    'words in at least 2 and at most 50% of 45 documents (no_below=2, no_above=0.5; both scaled to the corpus)'
    >>> f = vocabulary_filter(6460)
    >>> f["no_below"], f["no_above"]
    (10, 0.1)
    >>> vocabulary_filter(400_000, no_above=0.2)["no_below"]
    600
    """
    if isinstance(no_below, str):
        if no_below != AUTO:
            raise ValueError(f"no_below must be 'auto', a whole number >= 1 or a share in "
                             f"(0, 1), got {no_below!r}")
        below = _auto_no_below(n_docs)
    elif isinstance(no_below, numbers.Integral):
        below = int(no_below)
    else:
        below = max(1, math.ceil(float(no_below) * n_docs - 1e-9))
    above = _auto_no_above(n_docs) if no_above == AUTO else float(no_above)
    auto = [name for name, v in (("no_below", no_below), ("no_above", no_above)) if v == AUTO]
    how = ("as given" if not auto else f"{auto[0]} scaled to the corpus" if len(auto) == 1
           else "both scaled to the corpus")
    summary = (f"words in at least {below} and at most {above:.0%} of {n_docs} documents "
               f"(no_below={below}, no_above={above:g}; {how})")
    return {"no_below": below, "no_above": above, "keep_n": int(keep_n), "n_docs": int(n_docs),
            "auto": auto, "summary": summary}
