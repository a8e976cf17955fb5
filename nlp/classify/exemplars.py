"""Written exemplar passages: read them, check them, and mix them for training.

Exemplars are passages written for training from the codebook; they are added
to every training fold and never evaluated on.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import normalize_label_list
from ..errors import InputError
from ..labels import read_labels
from .inputs import check_domains, check_texts

__all__ = ["exemplar_parts", "mix_exemplars", "load_exemplars", "codebook_exemplars"]

log = logging.getLogger(__name__)


def exemplar_parts(exemplars, *, themes=None):
    """Exemplars as (texts, labels, agency types): a DataFrame with text/labels (and
    optionally agency_type), or a (texts, labels) pair or (texts, labels, agency_types)
    triple.

    Labels are checked against ``themes`` (theme names or a Codebook; default the
    four default themes).  The agency types are those :func:`check_domains` names,
    or None when the exemplars carry none.

    Examples
    --------
    >>> exemplar_parts((["开展宪法宣传"], [("普法宣传",)], ["县教育局"]))
    (['开展宪法宣传'], [('普法宣传',)], ['教育'])
    >>> exemplar_parts((["开展宪法宣传"], [("普法宣传",)]))[2] is None
    True
    """
    if exemplars is None:
        return [], [], None
    domains = None
    if isinstance(exemplars, pd.DataFrame):
        if not {"text", "labels"} <= set(exemplars.columns):
            raise InputError("exemplars must have 'text' and 'labels' columns, got "
                             f"{list(exemplars.columns)}")
        texts, labels = exemplars["text"], exemplars["labels"]
        if "agency_type" in exemplars.columns:
            domains = exemplars["agency_type"].tolist()
    elif isinstance(exemplars, tuple) and len(exemplars) in (2, 3):
        texts, labels = exemplars[:2]
        if len(exemplars) == 3:
            domains = list(exemplars[2])
    else:
        raise TypeError("exemplars must be a DataFrame with 'text' and 'labels' columns or a "
                        "(texts, labels) pair or (texts, labels, agency_types) triple, got "
                        f"{type(exemplars).__name__}")
    texts = check_texts(texts, "exemplar texts")
    labels = normalize_label_list(labels, len(texts), name="exemplar labels", themes=themes)
    return texts, labels, check_domains(domains, len(texts), "exemplar agency types")


def mix_exemplars(texts, tokens, labels, *, ratio: float, random_state=None, themes=None):
    """Add ``ratio`` x n joined pairs of exemplars, labelled with the union of their themes.

    Written exemplars are short and mostly about one theme; real units are
    longer and often touch several.  Joined pairs teach a model that a theme in
    one part of a long unit still counts.  Returns new lists (texts, tokens, labels);
    a joined pair's themes follow the order of ``themes`` (default: order of appearance).

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
    order = list(themes) if themes is not None else list(dict.fromkeys(
        t for lab in labels for t in lab))
    mixed_labels = [tuple(t for t in order if t in set(labels[a]) | set(labels[b]))
                    for a, b in pairs]
    return (list(texts) + [texts[a] + texts[b] for a, b in pairs],
            list(tokens) + [tokens[a] + tokens[b] for a, b in pairs],
            list(labels) + mixed_labels)


def load_exemplars(exemplars, real_texts, *, codebook=None) -> pd.DataFrame | None:
    """Exemplars (a file or a DataFrame) as ``text, labels`` (and ``agency_type`` when
    they have it), without any text that is also a real labelled unit; labels checked
    against ``codebook`` (default: four themes)."""
    if exemplars is None:
        return None
    ex = (read_labels(exemplars, codebook=codebook) if isinstance(exemplars, (str, Path))
          else exemplars)
    real = set(real_texts)
    dup = ex["text"].isin(real)
    if dup.any():
        log.warning("dropping %d exemplar(s) identical to a real labelled unit", int(dup.sum()))
        ex = ex[~dup]
    keep = ["text", "labels"] + (["agency_type"] if "agency_type" in ex.columns else [])
    return ex[keep].reset_index(drop=True)


def codebook_exemplars(codebook) -> pd.DataFrame | None:
    """The exemplars a codebook carries: its ``exemplars`` file and the passages written
    inside its themes, as ``text, labels`` (None when it has none).

    Examples
    --------
    >>> from nlp.codebook import Codebook, Theme
    >>> cb = Codebook([Theme("安全生产", terms={"安全生产": 3.0}, exemplars=("排查事故隐患。",))])
    >>> codebook_exemplars(cb)["labels"].tolist()
    [('安全生产',)]
    """
    parts = []
    if codebook.exemplars_file:
        parts.append(read_labels(codebook.exemplars_file, codebook=codebook)[["text", "labels"]])
    pairs = codebook.exemplar_pairs()
    if pairs:
        parts.append(pd.DataFrame({"text": [t for t, _ in pairs],
                                   "labels": [lab for _, lab in pairs]}))
    if not parts:
        return None
    out = pd.concat(parts, ignore_index=True)
    return out.drop_duplicates("text").reset_index(drop=True)
