"""Written exemplar passages: read them, check them, and mix them for training.

Exemplars are passages written for training from the codebook; they are added
to every training fold and never evaluated on.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import THEMES, normalize_label_list
from ..errors import InputError
from ..labels import read_labels
from .inputs import check_texts

__all__ = ["exemplar_pair", "mix_exemplars", "load_exemplars"]

log = logging.getLogger(__name__)


def exemplar_pair(exemplars) -> tuple[list[str], list[tuple[str, ...]]]:
    """Exemplars as (texts, labels): a DataFrame with text/labels, or a (texts, labels) pair."""
    if exemplars is None:
        return [], []
    if isinstance(exemplars, pd.DataFrame):
        if not {"text", "labels"} <= set(exemplars.columns):
            raise InputError("exemplars must have 'text' and 'labels' columns, got "
                             f"{list(exemplars.columns)}")
        texts, labels = exemplars["text"], exemplars["labels"]
    elif isinstance(exemplars, tuple) and len(exemplars) == 2:
        texts, labels = exemplars
    else:
        raise TypeError("exemplars must be a DataFrame with 'text' and 'labels' columns or a "
                        f"(texts, labels) pair, got {type(exemplars).__name__}")
    texts = check_texts(texts, "exemplar texts")
    return texts, normalize_label_list(labels, len(texts), name="exemplar labels")


def mix_exemplars(texts, tokens, labels, *, ratio: float, random_state=None):
    """Add ``ratio`` x n joined pairs of exemplars, labelled with the union of their themes.

    Written exemplars are short and mostly about one theme; real units are
    longer and often touch several.  Joined pairs teach a model that a theme in
    one part of a long unit still counts.  Returns new lists (texts, tokens, labels).

    Examples
    --------
    >>> t, _, lab = mix_exemplars(["宪法宣传", "一网通办"], [["宪法"], ["一网通办"]],
    ...                           [("普法宣传",), ("放管服",)], ratio=0.0)
    >>> len(t)
    2
    """
    k = int(round(float(ratio) * len(texts)))
    if k == 0 or len(texts) < 2:
        return list(texts), list(tokens), list(labels)
    rng = np.random.default_rng(random_state)
    pairs = rng.choice(len(texts), size=(k, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    mixed_labels = [tuple(t for t in THEMES if t in set(labels[a]) | set(labels[b]))
                    for a, b in pairs]
    return (list(texts) + [texts[a] + texts[b] for a, b in pairs],
            list(tokens) + [tokens[a] + tokens[b] for a, b in pairs],
            list(labels) + mixed_labels)


def load_exemplars(exemplars, real_texts) -> pd.DataFrame | None:
    if exemplars is None:
        return None
    ex = read_labels(exemplars) if isinstance(exemplars, (str, Path)) else exemplars
    real = set(real_texts)
    dup = ex["text"].isin(real)
    if dup.any():
        log.warning("dropping %d exemplar(s) identical to a real labelled unit", int(dup.sum()))
        ex = ex[~dup]
    return ex[["text", "labels"]].reset_index(drop=True)
