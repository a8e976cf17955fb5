"""Checks of what a classifier is given: lists of texts and their label sets."""

from __future__ import annotations

import hashlib
import re

import pandas as pd

from ..codebook import normalize_label_list
from ..ingest.chinese import normalize_text
from ..ingest.metadata import agency_type_of

__all__ = ["check_texts", "prepare_labelled", "unit_hash", "check_domains"]


def check_texts(texts, name: str = "texts") -> list[str]:
    """A list of normalised str from a list/Series/array of texts; refuse a bare str or a generator.

    Texts are normalised as :func:`nlp.read_report` normalises a file (traditional
    to simplified, pinyin glosses removed, full-width letters and digits to ASCII),
    so a classifier sees a unit alike however it reached it.

    Examples
    --------
    >>> check_texts(["開展憲法宣傳(xuān)週活動", "推行一网通办"])
    ['开展宪法宣传周活动', '推行一网通办']
    """
    if isinstance(texts, (str, bytes)):
        raise TypeError(f"{name} must be a list of texts, not a single str; wrap it: [text]")
    if isinstance(texts, pd.DataFrame):
        raise TypeError(f"{name} must be a list of texts, not a DataFrame; pass df['text']")
    if not hasattr(texts, "__len__"):
        raise TypeError(f"{name} must be a list, array or Series of str; a one-shot "
                        f"iterator ({type(texts).__name__}) cannot be read twice - "
                        "pass list(...)")
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise TypeError(f"{name}[{i}] must be a str, got {type(t).__name__}")
    return [normalize_text(t) for t in out]


def prepare_labelled(texts, labels, *, themes=None) -> tuple[list[str], list[tuple[str, ...]]]:
    """Checked texts and label sets of a labelled training or test set.

    ``themes``: the theme names (or a Codebook) the labels must come from
    (default: the four default themes).

    Examples
    --------
    >>> prepare_labelled(["开展普法"], ["普法宣传"])
    (['开展普法'], [('普法宣传',)])
    """
    texts = check_texts(texts)
    labels = normalize_label_list(labels, len(texts), themes=themes)
    if not texts:
        raise ValueError("texts is empty: at least one labelled text is needed")
    return texts, labels


def unit_hash(text: str) -> str:
    """The key of a training unit: SHA-1 of its normalised text without white space (16 hex).

    Examples
    --------
    >>> unit_hash("开展 宪法宣传周") == unit_hash("開展憲法宣傳週")
    True
    """
    return hashlib.sha1(re.sub(r"\s+", "", normalize_text(text)).encode()).hexdigest()[:16]


def check_domains(domains, n: int, name: str = "domains") -> list[str | None] | None:
    """One kind of agency per text, as :func:`nlp.ingest.agency_type_of` names it
    (``区教育局`` and ``教育`` are both ``教育``); None for a missing value.

    Examples
    --------
    >>> check_domains(["区教育局", "教育", None, ""], 4)
    ['教育', '教育', None, None]
    >>> check_domains(None, 3) is None
    True
    """
    if domains is None:
        return None
    if isinstance(domains, str) or not hasattr(domains, "__len__") or len(domains) != n:
        raise ValueError(f"{name} must give one agency type per text ({n}), got "
                         f"{domains!r}"[:200])
    out: list[str | None] = []
    for d in domains:
        d = "" if d is None or (isinstance(d, float) and d != d) else str(d).strip()
        out.append(agency_type_of(d) if d else None)
    return out
