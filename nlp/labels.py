"""Labelled units: reading label tables and inter-coder agreement.

A label table has a ``text`` column and the themes of each text, either as one
``labels`` column of theme names joined by ``;`` (empty = 其他) or as one 0/1
column per theme.  :func:`read_labels` reads CSV, TSV, JSONL and XLSX in
UTF-8, UTF-8 with BOM or GB18030 and names the file and line of every problem.

Examples
--------
>>> agreement(["普法宣传", ""], ["普法宣传", "放管服"]).loc[4, "disagreements"]
np.int64(1)
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from .codebook import (
    OTHER,
    THEMES,
    join_labels,
    label_matrix,
    normalize_label_list,
    parse_labels,
    split_labels,
    themes_of,
)
from .errors import InputError
from .ingest.encodings import refuse_broken_utf8

__all__ = ["THEMES", "OTHER", "read_labels", "agreement", "cohen_kappa", "krippendorff_alpha",
           "LABEL_SUFFIXES"]

log = logging.getLogger(__name__)

LABEL_SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".xlsx")
_TRUE = {"1", "1.0", "true", "yes", "y", "是", "x", "✓"}
_FALSE = {"0", "0.0", "false", "no", "n", "否", ""}


# --------------------------------------------------------------------------- reading

def _decode(raw: bytes, path: Path) -> str:
    data = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if data is not raw:
            raise InputError("the file starts with a UTF-8 byte-order mark but holds another "
                             "encoding", path=path) from None
        refuse_broken_utf8(data, exc, path)  # UTF-8 with foreign or missing bytes: refuse
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        pass
    raise InputError("cannot decode the file: it is neither UTF-8 nor GB18030", path=path)


def _read_xlsx(path: Path) -> pd.DataFrame:
    """The one sheet of a workbook; several sheets are ambiguous and refused."""
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = book.sheet_names
            if len(names) != 1:
                raise InputError(f"the workbook has {len(names)} sheets ({', '.join(names)}); "
                                 "keep the labels on a single sheet", path=path)
            return pd.read_excel(book, sheet_name=names[0], dtype=str,
                                 keep_default_na=False)
    except (InputError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile, lxml and openpyxl raise many types
        raise InputError(f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
                         path=path) from exc


def _read_raw(path: Path) -> tuple[pd.DataFrame, int]:
    """Read the table as strings; return it and the line number of its first data row."""
    suffix = path.suffix.lower()
    if suffix not in LABEL_SUFFIXES:
        raise InputError(f"unsupported labels format {suffix!r}; use one of "
                         f"{', '.join(LABEL_SUFFIXES)}", path=path)
    if not path.is_file():
        raise InputError("no such file", path=path)
    try:
        if suffix == ".xlsx":
            return _read_xlsx(path), 2
        text = _decode(path.read_bytes(), path)
        if suffix == ".jsonl":
            rows = []
            for i, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except ValueError as exc:
                    raise InputError(f"not valid JSON: {exc}", path=path, line=i) from None
                if not isinstance(rec, dict):
                    raise InputError("each line must be a JSON object", path=path, line=i)
                rec["_line"] = i
                rows.append(rec)
            return pd.DataFrame(rows), 1
        sep = "\t" if suffix == ".tsv" or (suffix == ".txt" and "\t" in text[:2000]) else ","
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
        return df, 2
    except InputError:
        raise
    except (ValueError, OSError, KeyError) as exc:
        raise InputError(f"cannot read labels table: {exc}", path=path) from exc


def _cell_bool(value, path: Path, line: int, column: str) -> int:
    s = str(value).strip().lower()
    if s in _TRUE:
        return 1
    if s in _FALSE or s == "nan":
        return 0
    raise InputError(f"column {column!r} must hold 0 or 1, got {value!r}", path=path, line=line)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or \
        str(value).strip() == ""


def read_labels(path: str | Path, *, codebook=None) -> pd.DataFrame:
    """Read a labels table into a DataFrame with ``text`` and ``labels`` (theme tuples).

    Parameters
    ----------
    path : str or Path
        ``.csv``, ``.tsv``, ``.jsonl`` or ``.xlsx``; UTF-8 (with or without BOM)
        or GB18030.  Labels are either a ``labels`` column (themes joined by
        ``;``, ``，`` or ``、``; ``其他`` or ``none`` for no theme) or one 0/1
        column per theme.  Column names match case-insensitively, white space
        trimmed (``Labels``, `` TEXT ``).
    codebook : path, Codebook or model, optional
        The theme set labels are checked against: a codebook file, a
        :class:`~nlp.codebook.Codebook`, or a fitted model (its codebook).
        Default: the four default themes.

    Returns
    -------
    DataFrame
        The labelled rows: every column of the file, ``text`` stripped,
        ``labels`` replaced by a tuple of themes per row (in codebook
        order), and ``line``: the line (row) of the file each record came from.
        Rows whose labels cell is **empty** are *not labelled yet*: they are
        left out, and counted in ``attrs["unlabelled"]`` (and logged).

    Raises
    ------
    InputError
        Naming the file and line: no ``text`` column, no labels, an empty
        text, an unknown theme (with the nearest theme suggested), the same text
        given conflicting labels, or no labelled row at all.

    Examples
    --------
    >>> df = read_labels("corpus/labels/seed_units.csv")
    >>> len(df), df.attrs["unlabelled"], df.loc[0, "labels"]
    (45, 0, ())
    """
    path = Path(path)
    themes = themes_of(codebook)
    df, first = _read_raw(path)
    df.columns = [str(c).strip() for c in df.columns]
    if "_line" in df.columns:
        lines = df.pop("_line").astype(int).tolist()
    else:
        lines = list(range(first, first + len(df)))
    rename = {c: c.lower() for c in df.columns if c.lower() in ("text", "labels")
              and c != c.lower()}
    df = df.rename(columns=rename)
    if "text" not in df.columns:
        raise InputError(f"no 'text' column; the columns are {list(df.columns)}", path=path,
                         line=first - 1 if first > 1 else None)
    if len(df) == 0:
        raise InputError("the labels table has no rows", path=path)
    theme_cols = [t for t in themes if t in df.columns]
    if "labels" not in df.columns and not theme_cols:
        raise InputError("no labels: give a 'labels' column (themes joined by ';') or one 0/1 "
                         f"column per theme ({', '.join(themes)})", path=path)
    keep, texts, labels = [], [], []
    for k, (line, row) in enumerate(zip(lines, df.to_dict(orient="records"))):
        text = "" if _is_blank(row["text"]) else str(row["text"]).strip()
        if "labels" in df.columns:
            if _is_blank(row["labels"]):
                continue  # not labelled yet
            try:
                labs = parse_labels(row["labels"], themes)
            except ValueError as exc:
                raise InputError(str(exc), path=path, line=line) from None
        else:
            if all(_is_blank(row[t]) for t in theme_cols):
                continue
            labs = tuple(t for t in theme_cols if _cell_bool(row[t], path, line, t))
        if not text:
            raise InputError("empty text", path=path, line=line)
        keep.append(k)
        texts.append(text)
        labels.append(labs)
    unlabelled = len(df) - len(keep)
    if not keep:
        raise InputError(f"no labelled row: all {len(df)} labels cells are empty (an empty cell "
                         "means 'not labelled yet'; write 其他 or none for no theme)", path=path)
    lines = [lines[k] for k in keep]
    seen: dict[str, tuple[int, tuple[str, ...]]] = {}
    for line, text, labs in zip(lines, texts, labels):
        if text in seen and seen[text][1] != labs:
            first_line, first_labs = seen[text]
            raise InputError(
                f"the same text is labelled {join_labels(labs, themes) or OTHER!r} here and "
                f"{join_labels(first_labs, themes) or OTHER!r} on line {first_line}", path=path,
                line=line)
        seen.setdefault(text, (line, labs))
    out = df.iloc[keep].copy()
    out["text"] = pd.Series(texts, index=out.index, dtype=object)
    out["labels"] = pd.Series(labels, index=out.index, dtype=object)
    out["line"] = lines
    out = out.reset_index(drop=True)
    out.attrs["unlabelled"] = unlabelled
    if unlabelled:
        log.info("%s: %d row(s) with an empty labels cell are not labelled yet: skipped", path,
                 unlabelled)
    log.info("read %d labelled texts from %s", len(out), path)
    return out


# --------------------------------------------------------------------------- agreement

def cohen_kappa(a, b) -> float:
    """Cohen's kappa of two 0/1 vectors (:func:`sklearn.metrics.cohen_kappa_score`).

    When both coders give one and the same constant answer, kappa is undefined
    (scikit-learn returns NaN); agreement is then perfect and 1.0 is returned.

    Examples
    --------
    >>> cohen_kappa([1, 0, 1, 0], [1, 0, 0, 0])
    0.5
    """
    a = np.asarray(a, dtype=int)
    b = np.asarray(b, dtype=int)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("a and b must be 1-d vectors of the same length")
    if len(a) == 0:
        return float("nan")
    if len(np.union1d(a, b)) == 1:
        return 1.0
    return round(float(cohen_kappa_score(a, b)), 10)


def krippendorff_alpha(values_a, values_b) -> float:
    """Krippendorff's alpha of two coders' nominal codes of the same units
    (:func:`krippendorff.alpha`); 1.0 when both give one and the same code throughout.

    Examples
    --------
    >>> round(krippendorff_alpha([1, 0, 1, 0], [1, 0, 0, 0]), 3)
    0.533
    """
    codes = {v: i for i, v in enumerate(dict.fromkeys([*values_a, *values_b]))}
    data = np.array([[codes[v] for v in values_a], [codes[v] for v in values_b]], dtype=float)
    if data.size == 0:
        return float("nan")
    if len(codes) == 1:
        return 1.0
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def _names_in(*passes) -> tuple[str, ...]:
    """The default themes when every label named belongs to them, else the names found."""
    names = list(dict.fromkeys(n for labels in passes for v in labels for n in split_labels(v)))
    return THEMES if set(names) <= set(THEMES) else tuple(names)


def agreement(a, b, *, themes=None, n_boot: int = 1000, ci: float = 0.95,
              random_state=0) -> pd.DataFrame:
    """Per-theme agreement between two labelling passes of the same units.

    Parameters
    ----------
    a, b : sequence of label collections (or ``;``-joined strings)
        The two passes, aligned unit by unit.
    themes : sequence of str, path or Codebook, optional
        The theme set; default: the four default themes when every label
        belongs to them, else the names the passes use.
    n_boot : int, default 1000
        Bootstrap resamples of units for the interval of Krippendorff's alpha
        (0: no interval).
    ci : float, default 0.95
    random_state : int, numpy Generator or None

    Returns
    -------
    DataFrame
        One row per theme plus ``all``: ``units``, ``positives_a``,
        ``positives_b``, ``agreement`` (share of units where the two agree),
        ``kappa`` (Cohen's kappa; for ``all``, the mean of the four), ``alpha``
        (Krippendorff's alpha, nominal; for ``all``, over whole label sets, each
        distinct set one category) with ``alpha_ci_low`` and ``alpha_ci_high``
        (percentile bootstrap over units), and ``disagreements`` (units where
        they differ; for ``all``, units whose label sets differ).

    Examples
    --------
    >>> table = agreement(["普法宣传", "其他", "放管服"], ["普法宣传", "其他", "其他"], n_boot=0)
    >>> int(table.loc[3, "disagreements"]), round(float(table.loc[4, "alpha"]), 3)
    (1, 0.545)
    """
    names = themes_of(themes) if themes is not None else _names_in(a, b)
    ma = label_matrix(normalize_label_list(a, name="a", themes=names), names)
    mb = label_matrix(normalize_label_list(b, name="b", themes=names), names)
    if ma.shape != mb.shape:
        raise ValueError(f"the passes have {len(ma)} and {len(mb)} units; they must match")
    sets_a = ["".join(map(str, r)) for r in ma]
    sets_b = ["".join(map(str, r)) for r in mb]
    columns = [(theme, list(ma[:, j]), list(mb[:, j])) for j, theme in enumerate(names)]
    columns.append(("all", sets_a, sets_b))
    rng = np.random.default_rng(random_state)
    draws = [rng.integers(0, len(ma), len(ma)) for _ in range(n_boot if len(ma) else 0)]
    lo_q, hi_q = (1 - ci) / 2, 1 - (1 - ci) / 2
    rows = []
    for theme, va, vb in columns:
        boots = [krippendorff_alpha([va[i] for i in d], [vb[i] for i in d]) for d in draws]
        boots = [x for x in boots if np.isfinite(x)]
        lo, hi = (np.quantile(boots, [lo_q, hi_q]) if boots else (np.nan, np.nan))
        if theme == "all":
            same = (ma == mb).all(axis=1)
            row = {"positives_a": int(ma.sum()), "positives_b": int(mb.sum()),
                   "agreement": float(same.mean()) if len(ma) else np.nan,
                   "kappa": float(np.mean([r["kappa"] for r in rows])),
                   "disagreements": int((~same).sum())}
        else:
            x, y = np.asarray(va), np.asarray(vb)
            row = {"positives_a": int(x.sum()), "positives_b": int(y.sum()),
                   "agreement": float(np.mean(x == y)) if len(x) else np.nan,
                   "kappa": cohen_kappa(x, y), "disagreements": int((x != y).sum())}
        rows.append({"theme": theme, "units": len(ma), **row,
                     "alpha": krippendorff_alpha(va, vb), "alpha_ci_low": float(lo),
                     "alpha_ci_high": float(hi)})
    cols = ["theme", "units", "positives_a", "positives_b", "agreement", "kappa", "alpha",
            "alpha_ci_low", "alpha_ci_high", "disagreements"]
    return pd.DataFrame(rows)[cols]
