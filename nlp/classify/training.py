"""Training a theme model from label tables: grouped cross-validation of the lexicon
and the classifier side by side, then a fit on everything."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from ..codebook import codebook_of
from ..errors import InputError
from ..labels import read_labels
from .exemplars import codebook_exemplars, load_exemplars
from .inputs import unit_hash
from .lexicon import LexiconClassifier
from .model import ThemeClassifier

__all__ = ["train_model", "read_label_files", "cv_comparison", "format_cv_table",
           "bundled_training_files",
           "unit_hash", "MIN_POSITIVES", "overlap_with_training"]

log = logging.getLogger(__name__)


def cv_comparison(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Stack evaluation tables of several models into one tidy table with a ``model`` column."""
    parts = []
    for name, table in tables.items():
        parts.append(table.assign(model=name))
    out = pd.concat(parts, ignore_index=True)
    cols = ["model", "theme", "precision", "recall", "f1", "support"]
    return out[cols + [c for c in out.columns if c not in cols]]


#: fewer positives than this for a theme and training is refused (unless allow_rare)
MIN_POSITIVES = 5


def bundled_training_files() -> tuple[Path, Path]:
    """The bundled hand labels and written exemplars the shipped model is trained on.

    Raises
    ------
    InputError
        When they are not there (an installation without the project's corpus/
        folder): pass your label files with ``replace=True``.
    """
    folder = Path(__file__).resolve().parents[2] / "corpus" / "labels"
    labels, exemplars = folder / "seed_units.csv", folder / "exemplars_written.csv"
    if not (labels.is_file() and exemplars.is_file()):
        raise InputError("the bundled labels are not installed here; train on your own files "
                         "alone (replace=True, `fazhi train --replace`)", path=folder)
    return labels, exemplars


def read_label_files(labels, *, codebook=None) -> pd.DataFrame:
    """One labels table from a path, a list of paths or a DataFrame (returned as it is).

    Labels are checked against ``codebook`` (default: the four default themes).

    Each file's rows keep their ``source_file``; ``attrs["unlabelled"]`` sums the rows
    whose labels cell was empty (not labelled yet) over the files.

    Examples
    --------
    >>> read_label_files(["corpus/labels/seed_units.csv"]).attrs["unlabelled"]
    0
    """
    if isinstance(labels, pd.DataFrame):
        return labels
    files = [labels] if isinstance(labels, (str, Path)) else list(labels)
    if not files:
        raise InputError("no labels file given")
    frames = []
    for f in files:
        df = read_labels(f, codebook=codebook)
        df["source_file"] = Path(f).name
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out.attrs["unlabelled"] = sum(f.attrs.get("unlabelled", 0) for f in frames)
    return out


def train_model(labels, *, codebook=None, exemplars=None, replace: bool = False,
                allow_rare: bool = False, cv: int | None = 5, random_state=0,
                group_column: str = "report_id", **params):
    """Cross-validate (lexicon baseline and classifier side by side), then fit on everything.

    Parameters
    ----------
    labels : path, list of paths or DataFrame
        Real labelled units (read with :func:`nlp.read_labels`; empty label cells
        are "not labelled yet" and skipped).  An optional ``agency_type`` column
        (here and in the exemplars) lets calibration be fitted as for a kind of
        agency the model has not seen (``domains`` of :meth:`ThemeClassifier.fit`).
    codebook : path or Codebook, optional
        The theme set, lexicon and exemplars (see :mod:`nlp.codebook`); the
        bundled four-theme codebook by default.  The labels are checked against it.
    exemplars : path or DataFrame, optional
        Written passages: training folds only.  The codebook's own exemplars
        are added to them.
    replace : bool, default False
        With the default codebook, the given labels are **added** to the
        bundled hand labels and written exemplars (a unit labelled both ways
        keeps your label); with ``replace`` the model learns from the given
        files alone.  With a codebook of your own the bundled labels (of other
        themes) never apply: the model learns from your files and the
        codebook's exemplars.
    allow_rare : bool, default False
        Train although a theme has fewer than :data:`MIN_POSITIVES` positive
        units (a warning names it); refused otherwise: such a model would almost
        never predict the theme.
    cv : int or None
        Grouped folds (by ``group_column``); None skips cross-validation.
    random_state : int
    **params
        Passed to :class:`ThemeClassifier`.

    Returns
    -------
    (ThemeClassifier, DataFrame or None)
        The fitted model and the CV table (:func:`cv_comparison` layout).  The
        model's ``training_units_`` hold :func:`unit_hash` of every training text.

    Examples
    --------
    >>> model, table = train_model([], cv=None)   # doctest: +SKIP
    """
    cb = codebook_of(codebook)
    add_bundled = not replace and cb.is_default
    if not replace and not cb.is_default:
        log.info("codebook %r is not the default: the bundled labels (of the four default "
                 "themes) are not added", cb.name)
    if isinstance(labels, (list, tuple)) and not labels and add_bundled:
        df = pd.DataFrame({"text": pd.Series(dtype=object), "labels": pd.Series(dtype=object)})
    else:
        df = read_label_files(labels, codebook=cb)
    real = df["text"].tolist()
    sources = [load_exemplars(exemplars, real, codebook=cb)]
    if add_bundled:
        seed, bundled_ex = bundled_training_files()
        bundled = read_labels(seed)
        bundled = bundled[~bundled["text"].isin(set(df["text"]))]
        df = pd.concat([df, bundled], ignore_index=True)
        real = df["text"].tolist()
        sources.append(load_exemplars(bundled_ex, real))
    sources.append(load_exemplars(codebook_exemplars(cb), real))
    sources = [x for x in sources if x is not None and len(x)]
    ex = None
    for part in sources:  # earlier sources win a text given twice
        ex = part if ex is None else pd.concat(
            [ex, part[~part["text"].isin(set(ex["text"]))]], ignore_index=True)
    if df.empty:
        raise InputError("no labelled units to train on")
    texts, labs = df["text"].tolist(), df["labels"].tolist()
    counts = {t: sum(t in lab for lab in labs) for t in cb.themes}
    if ex is not None:
        for lab in ex["labels"]:
            for t in lab:
                counts[t] += 1
    rare = [f"{t} ({n})" for t, n in counts.items() if n < MIN_POSITIVES]
    if rare:
        message = (f"fewer than {MIN_POSITIVES} positive units for {', '.join(rare)}: the model "
                   "would almost never predict " + ("it" if len(rare) == 1 else "them"))
        if not allow_rare:
            raise InputError(message + "; label more units, train without --replace (adds the "
                             "bundled labels), or pass --allow-rare")
        log.warning("%s (allowed by allow_rare)", message)
    model = ThemeClassifier(random_state=random_state, codebook=cb, **params)
    domains = df["agency_type"].tolist() if "agency_type" in df.columns else None
    groups = None
    if group_column in df.columns:
        groups = df[group_column].fillna("").astype(str).tolist()
        groups = [g or f"unit-{i}" for i, g in enumerate(groups)]
    table = None
    if cv:
        if groups is None or len(set(groups)) < 2:
            log.warning("no %r column with two or more values: folds are not grouped, so "
                        "units of one report can be in training and test folds", group_column)
            cv_groups = [str(i) for i in range(len(texts))]
        else:
            cv_groups = groups
        if len(texts) < 2:
            raise InputError("cross-validation needs at least 2 labelled texts")
        table = cv_comparison({
            "lexicon": LexiconClassifier(codebook=cb).cross_validate(texts, labs, cv_groups,
                                                                     cv=cv),
            "classifier": model.cross_validate(texts, labs, cv_groups, cv=cv, exemplars=ex,
                                               domains=domains),
        })
    model.fit(texts, labs, groups=groups, exemplars=ex, domains=domains)
    return model, table


def format_cv_table(table: pd.DataFrame) -> str:
    """The CV table as text: per theme and micro/macro, lexicon and classifier side by side."""
    wide = table.pivot_table(index="theme", columns="model", values="f1", sort=False)
    support = table.drop_duplicates("theme").set_index("theme")["support"]
    lines = [f"{'theme':<8} {'support':>7} " + " ".join(f"{m + ' F1':>14}" for m in wide.columns)]
    themes = [t for t in dict.fromkeys(table["theme"]) if t not in ("micro", "macro")]
    for theme in themes + ["micro", "macro"]:
        if theme in wide.index:
            lines.append(f"{theme:<8} {int(support[theme]):>7} "
                         + " ".join(f"{wide.loc[theme, m]:>14.3f}" for m in wide.columns))
    folds = int(table["folds"].iloc[0]) if "folds" in table.columns else None
    if folds:
        lines.append(f"(pooled over {folds} grouped folds)")
    return "\n".join(lines)


def overlap_with_training(model, texts) -> int:
    """How many of ``texts`` the model was trained on (by :func:`unit_hash`; 0 when the
    model does not record its training units).

    Examples
    --------
    >>> overlap_with_training(object(), ["开展普法"])
    0
    """
    known = set(getattr(model, "training_units_", ()))
    return sum(unit_hash(t) in known for t in texts)
