"""Checks of what a classifier is given: lists of texts and their label sets."""

from __future__ import annotations

import pandas as pd

from ..codebook import normalize_label_list

__all__ = ["check_texts", "prepare_labelled"]


def check_texts(texts, name: str = "texts") -> list[str]:
    """A list of str from a list/Series/array of texts; refuse a bare str or a generator."""
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
    return out


def prepare_labelled(texts, labels) -> tuple[list[str], list[tuple[str, ...]]]:
    """Checked texts and label sets of a labelled training or test set.

    Examples
    --------
    >>> prepare_labelled(["开展普法"], ["普法宣传"])
    (['开展普法'], [('普法宣传',)])
    """
    texts = check_texts(texts)
    labels = normalize_label_list(labels, len(texts))
    if not texts:
        raise ValueError("texts is empty: at least one labelled text is needed")
    return texts, labels
