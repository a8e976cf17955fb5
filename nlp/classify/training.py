"""Training a theme model from label tables: grouped cross-validation of the lexicon
and the classifier side by side, then a fit on everything."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from ..codebook import THEMES
from ..errors import InputError
from ..labels import read_labels
from .exemplars import load_exemplars
from .lexicon import LexiconClassifier
from .model import ThemeClassifier

__all__ = ["train_model", "cv_comparison", "format_cv_table"]

log = logging.getLogger(__name__)


def cv_comparison(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Stack evaluation tables of several models into one tidy table with a ``model`` column."""
    parts = []
    for name, table in tables.items():
        parts.append(table.assign(model=name))
    out = pd.concat(parts, ignore_index=True)
    cols = ["model", "theme", "precision", "recall", "f1", "support"]
    return out[cols + [c for c in out.columns if c not in cols]]


def train_model(labels, *, exemplars=None, cv: int | None = 5, random_state=0,
                group_column: str = "report_id", **params):
    """Cross-validate (lexicon baseline and classifier side by side), then fit on everything.

    Parameters
    ----------
    labels : path or DataFrame
        Real labelled units (read with :func:`nlp.read_labels`).
    exemplars : path or DataFrame, optional
        Written passages: training folds only.
    cv : int or None
        Grouped folds (by ``group_column``); None skips cross-validation.
    random_state : int
    **params
        Passed to :class:`ThemeClassifier`.

    Returns
    -------
    (ThemeClassifier, DataFrame or None)
        The fitted model and the CV table (:func:`cv_comparison` layout).
    """
    df = read_labels(labels) if isinstance(labels, (str, Path)) else labels
    texts, labs = df["text"].tolist(), df["labels"].tolist()
    ex = load_exemplars(exemplars, texts)
    model = ThemeClassifier(random_state=random_state, **params)
    groups = None
    if group_column in df.columns:
        groups = df[group_column].astype(str).tolist()
    table = None
    if cv:
        if groups is None or len(set(groups)) < 2:
            log.warning("no %r column with two or more values: folds are not grouped, so "
                        "units of one report can be in training and test folds", group_column)
            cv_groups = [str(i) for i in range(len(texts))]
        else:
            cv_groups = groups
        if len(texts) < 2:
            raise InputError("cross-validation needs at least 2 labelled texts",
                             path=labels if isinstance(labels, (str, Path)) else None)
        table = cv_comparison({
            "lexicon": LexiconClassifier().cross_validate(texts, labs, cv_groups, cv=cv),
            "classifier": model.cross_validate(texts, labs, cv_groups, cv=cv, exemplars=ex),
        })
    model.fit(texts, labs, groups=groups, exemplars=ex)
    return model, table


def format_cv_table(table: pd.DataFrame) -> str:
    """The CV table as text: per theme and micro/macro, lexicon and classifier side by side."""
    wide = table.pivot_table(index="theme", columns="model", values="f1", sort=False)
    support = table.drop_duplicates("theme").set_index("theme")["support"]
    lines = [f"{'theme':<8} {'support':>7} " + " ".join(f"{m + ' F1':>14}" for m in wide.columns)]
    for theme in list(THEMES) + ["micro", "macro"]:
        if theme in wide.index:
            lines.append(f"{theme:<8} {int(support[theme]):>7} "
                         + " ".join(f"{wide.loc[theme, m]:>14.3f}" for m in wide.columns))
    folds = int(table["folds"].iloc[0]) if "folds" in table.columns else None
    if folds:
        lines.append(f"(pooled over {folds} grouped folds)")
    return "\n".join(lines)
