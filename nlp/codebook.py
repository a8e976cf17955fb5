"""The codebook: which themes exist, what each means, its lexicon and exemplars.

A :class:`Codebook` names a theme set.  Each theme has a description, weighted
lexicon terms (and optional negative terms) and optional written exemplars.
It is read from one TOML file (or a folder holding ``codebook.toml`` beside
the Markdown codebook); the bundled four-theme codebook
(``nlp/resources/themes.toml``) is the default and uses the same format::

    [codebook]
    name = "生态环境与安全生产"
    document = "codebook.md"         # optional: the Markdown codebook beside it
    exemplars = "exemplars.csv"      # optional: text,labels rows (training only)

    [themes."安全生产"]
    description = "..."
    exemplars = ["严格落实安全生产责任制。"]   # optional, about this theme alone
    [themes."安全生产".terms]
    "安全生产" = 3.0
    [themes."安全生产".negative]
    "粮食安全" = -2.0

The module also holds the label-set helpers: a label set is a tuple of themes
in codebook order; the empty tuple is 其他 (no theme).  They take ``themes=``
(default: the four default themes, :data:`THEMES`).

Examples
--------
>>> parse_labels("放管服;普法宣传")
('普法宣传', '放管服')
>>> parse_labels("")
()
>>> cb = default_codebook()
>>> cb.themes
('普法宣传', '校园安全', '行政执法', '放管服')
>>> cb.parse_labels("行政执法，其他")
('行政执法',)
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .resources import bundled_resource

__all__ = ["THEMES", "OTHER", "OTHER_NAMES", "ROLES", "RESERVED_NAMES", "parse_labels",
           "join_labels", "label_matrix", "normalize_label_list", "rows_to_labels",
           "split_labels", "Theme", "Codebook", "CodebookProblem", "load_codebook",
           "default_codebook", "check_codebook", "codebook_of", "themes_of", "PROBA_PREFIX",
           "table_themes"]

#: The four default themes, in the codebook's order.  A unit with none of them is 其他.
THEMES: tuple[str, ...] = ("普法宣传", "校园安全", "行政执法", "放管服")
#: The name of the empty label set.
OTHER = "其他"

#: The parts of a report a unit can sit in (:func:`nlp.segment` sets ``role``), in reading order.
ROLES: tuple[str, ...] = ("preamble", "measures", "problems", "leadership", "plans", "other")

_SEPARATORS = (";", "；", "|", "、", "，", ",")
#: cells that say "no theme" (an empty cell says "not labelled yet" in a labels file)
OTHER_NAMES = frozenset({OTHER, "其它", "无", "none", "None", "NONE", "other", "Other"})
#: names a theme cannot have: columns of the units, labels and result tables
RESERVED_NAMES = frozenset({
    "report_id", "unit_id", "section", "subsection", "role", "text", "start", "end",
    "agency", "agency_type", "region", "year", "title", "published", "source", "labels",
    "pass_a", "pass_b", "theme", "share", "group", "fold", "predicted", "model_labels",
    "margin", "stratum", "weight", "micro", "macro", "support", "precision", "recall", "f1",
    "n_units", "n_reports", "path", "file"}) | OTHER_NAMES


def _suggest(name: str, themes: Sequence[str]) -> str:
    """A hint naming the theme nearest to an unknown label."""
    hits = [t for t in themes if name and (name in t or t in name)]
    if not hits:
        hits = difflib.get_close_matches(name, list(themes), n=1, cutoff=0.3)
    return f" (did you mean {hits[0]!r}?)" if hits else ""


def _unknown(name: str, themes: Sequence[str]) -> str:
    return (f"unknown theme {name!r}{_suggest(name, themes)}; themes are {', '.join(themes)} "
            f"(empty or {OTHER!r} for none)")


def parse_labels(value, themes=None) -> tuple[str, ...]:
    """Turn one cell (``"普法宣传;放管服"``, a list, ``"其他"``/``"none"``/``""``) into a theme tuple.

    Themes may be joined by ``;``, ``；``, ``|``, ``、``, ``，`` or ``,``.  The tuple
    follows the order of ``themes``; duplicates are dropped.

    Parameters
    ----------
    value : str, collection of str or None
    themes : sequence of str or Codebook, optional
        The theme set (default :data:`THEMES`).

    Raises
    ------
    ValueError
        For a name that is not a theme; the message suggests the nearest one.

    Examples
    --------
    >>> parse_labels(["行政执法", "普法宣传"])
    ('普法宣传', '行政执法')
    >>> parse_labels("其他"), parse_labels("none"), parse_labels("普法宣传，放管服")
    ((), (), ('普法宣传', '放管服'))
    >>> parse_labels("安全生产", themes=("生态环境保护", "安全生产"))
    ('安全生产',)
    """
    themes = themes_of(themes)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ()
    if isinstance(value, str):
        text = value
        for sep in _SEPARATORS[1:]:
            text = text.replace(sep, ";")
        names = [p.strip() for p in text.split(";")]
    elif isinstance(value, Iterable):
        names = []
        for item in value:
            if not isinstance(item, str):
                raise ValueError(f"a theme name must be a str, got {type(item).__name__}")
            names.append(item.strip())
    else:
        raise ValueError(f"labels must be a str or a collection of str, got "
                         f"{type(value).__name__}")
    found = set()
    for name in names:
        if not name or name in OTHER_NAMES:
            continue
        if name not in themes:
            raise ValueError(_unknown(name, themes))
        found.add(name)
    return tuple(t for t in themes if t in found)


def join_labels(labels: Iterable[str], themes=None) -> str:
    """``("普法宣传", "放管服") -> "普法宣传;放管服"``; the empty set gives ``""``."""
    return ";".join(parse_labels(list(labels), themes))


def normalize_label_list(labels, n: int | None = None, *, name: str = "labels",
                         themes=None) -> list[tuple[str, ...]]:
    """Validate a per-text list of label collections and return theme tuples.

    Each element may be a collection of theme names or a ``;``-joined string.
    A bare ``str`` in place of the whole list raises ``TypeError``.
    """
    if isinstance(labels, (str, bytes)):
        raise TypeError(f"{name} must be a list with one label collection per text, "
                        "not a single str")
    if isinstance(labels, pd.DataFrame):
        raise TypeError(f"{name} must be a list of label collections, not a DataFrame; "
                        "pass df['labels']")
    if not hasattr(labels, "__len__"):
        raise TypeError(f"{name} must be a list or Series (a one-shot iterator cannot be "
                        f"read twice), got {type(labels).__name__}")
    themes = themes_of(themes)
    out = []
    for i, value in enumerate(labels):
        try:
            out.append(parse_labels(value, themes))
        except ValueError as exc:
            raise ValueError(f"{name}[{i}]: {exc}") from None
    if n is not None and len(out) != n:
        raise ValueError(f"{name} has {len(out)} entries but there are {n} texts")
    return out


def label_matrix(labels: Iterable[Iterable[str]], themes=None) -> np.ndarray:
    """0/1 matrix, one row per text and one column per theme (order of ``themes``).

    Examples
    --------
    >>> label_matrix([("放管服",), ()]).tolist()
    [[0, 0, 0, 1], [0, 0, 0, 0]]
    """
    themes = themes_of(themes)
    rows = [parse_labels(v, themes) for v in labels]
    out = np.zeros((len(rows), len(themes)), dtype=np.int8)
    index = {t: j for j, t in enumerate(themes)}
    for i, row in enumerate(rows):
        for t in row:
            out[i, index[t]] = 1
    return out


def rows_to_labels(matrix, themes=None) -> list[tuple[str, ...]]:
    """Label sets from a 0/1 matrix with one column per theme (order of ``themes``).

    Examples
    --------
    >>> rows_to_labels([[1, 0, 0, 1], [0, 0, 0, 0]])
    [('普法宣传', '放管服'), ()]
    """
    themes = themes_of(themes)
    return [tuple(t for t, v in zip(themes, row) if v) for row in matrix]


#: prefix of the per-theme probability columns of a classified units table (``p_<theme>``)
PROBA_PREFIX = "p_"


def table_themes(table: pd.DataFrame, labels: str = "labels") -> tuple[str, ...]:
    """The theme set of a units table, for functions given no ``themes``.

    In order of preference: ``table.attrs["themes"]`` (set by
    ``classify_units``), the ``p_<theme>`` probability columns, then the names
    in the labels column: :data:`THEMES` when they all belong to it, else the
    names in order of first appearance (a theme nobody labelled is then missing:
    pass ``themes=`` to be explicit).

    Examples
    --------
    >>> table_themes(pd.DataFrame({"labels": ["安全生产", "生态环境保护;安全生产", ""]}))
    ('安全生产', '生态环境保护')
    >>> table_themes(pd.DataFrame({"labels": ["放管服", ""]}))
    ('普法宣传', '校园安全', '行政执法', '放管服')
    """
    if table.attrs.get("themes"):
        return tuple(table.attrs["themes"])
    probs = [c[len(PROBA_PREFIX):] for c in table.columns
             if isinstance(c, str) and c.startswith(PROBA_PREFIX)]
    if probs:
        return tuple(probs)
    if labels in table.columns:
        names = list(dict.fromkeys(t for v in table[labels] for t in split_labels(v)))
        if set(names) <= set(THEMES):
            return THEMES
        return tuple(names)
    return THEMES


def split_labels(value) -> tuple[str, ...]:
    """Names in one labels cell without checking them against a codebook.

    For tables whose theme set may differ from :data:`THEMES` (comparisons
    take any theme set).  Splits on the separators :func:`parse_labels` takes;
    ``其他``/``none`` and empty parts are dropped.

    Examples
    --------
    >>> split_labels("普法宣传;其他;生态环境")
    ('普法宣传', '生态环境')
    >>> split_labels("安全生产，生态环境保护")
    ('安全生产', '生态环境保护')
    """
    if isinstance(value, str):
        for sep in _SEPARATORS[1:]:
            value = value.replace(sep, ";")
        parts = value.split(";")
    elif value is None or (isinstance(value, float) and np.isnan(value)):
        return ()
    elif isinstance(value, Iterable):
        parts = [str(v) for v in value]
    elif pd.isna(value):
        return ()
    else:
        raise TypeError(f"labels: expected a tuple of themes or a ';'-joined string, "
                        f"got {type(value).__name__}")
    return tuple(p.strip() for p in parts if p.strip() and p.strip() not in OTHER_NAMES)


# -- the codebook file -------------------------------------------------------------

@dataclass(frozen=True)
class Theme:
    """One theme of a codebook: name, description, lexicon terms and written exemplars.

    ``terms`` map a term (two characters or more) to a positive weight;
    ``negative`` map terms that argue against the theme to negative weights.
    """

    name: str
    description: str = ""
    terms: dict = field(default_factory=dict)
    negative: dict = field(default_factory=dict)
    exemplars: tuple = ()


@dataclass(frozen=True)
class CodebookProblem:
    """One finding of :func:`check_codebook`: ``level`` is "error" or "warning"."""

    level: str
    message: str
    path: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else (self.path or "<codebook>")
        return f"{where}: {self.level}: {self.message}"


class Codebook:
    """A theme set with its descriptions, lexicon and exemplars (see the module docstring).

    Parameters
    ----------
    themes : sequence of Theme
        In the order labels, columns and figures use.
    name, description : str
    exemplars_file : str, optional
        Path of a ``text,labels`` file of written exemplars (training only).
    document : str, optional
        Path of the Markdown codebook the file accompanies.
    source : str, optional
        Where it was read from (for messages).

    Examples
    --------
    >>> cb = Codebook([Theme("安全生产", terms={"安全生产": 3.0})], name="demo")
    >>> cb.themes, cb.label_matrix(["安全生产", ""]).tolist()
    (('安全生产',), [[1], [0]])
    >>> len(cb.checksum)
    64
    """

    def __init__(self, themes, *, name: str = "", description: str = "",
                 exemplars_file: str | None = None, document: str | None = None,
                 source: str | None = None):
        self._set(list(themes), name, description, exemplars_file, document, source)

    def _set(self, themes, name, description, exemplars_file, document, source):
        self.theme_info = tuple(themes)
        self.name, self.description = str(name), str(description)
        self.exemplars_file, self.document, self.source = exemplars_file, document, source

    # plain state: saved inside models (skops), never pickled objects
    def __getstate__(self) -> dict:
        return {"name": self.name, "description": self.description,
                "exemplars_file": self.exemplars_file, "document": self.document,
                "source": self.source,
                "themes": [{"name": t.name, "description": t.description,
                            "terms": dict(t.terms), "negative": dict(t.negative),
                            "exemplars": list(t.exemplars)} for t in self.theme_info]}

    def __setstate__(self, state: dict) -> None:
        themes = [Theme(t["name"], t.get("description", ""), dict(t.get("terms", {})),
                        dict(t.get("negative", {})), tuple(t.get("exemplars", ())))
                  for t in state["themes"]]
        self._set(themes, state.get("name", ""), state.get("description", ""),
                  state.get("exemplars_file"), state.get("document"), state.get("source"))

    @property
    def themes(self) -> tuple[str, ...]:
        """The theme names, in order."""
        return tuple(t.name for t in self.theme_info)

    def __len__(self) -> int:
        return len(self.theme_info)

    def __getitem__(self, name: str) -> Theme:
        for t in self.theme_info:
            if t.name == name:
                return t
        raise KeyError(_unknown(name, self.themes))

    def __eq__(self, other) -> bool:
        return isinstance(other, Codebook) and other.checksum == self.checksum

    def __hash__(self) -> int:
        return hash(self.checksum)

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return f"Codebook({label}themes={list(self.themes)})"

    @property
    def checksum(self) -> str:
        """SHA-256 of the content that decides labels (themes, terms, weights, exemplars).

        Descriptions and where the file lies do not count; any change to a
        theme, a term, a weight or an exemplar does.
        """
        content = [[t.name, sorted((k, float(v)) for k, v in t.terms.items()),
                    sorted((k, float(v)) for k, v in t.negative.items()), list(t.exemplars)]
                   for t in self.theme_info]
        blob = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    @property
    def is_default(self) -> bool:
        """Whether this is the bundled four-theme codebook."""
        return self.checksum == default_codebook().checksum

    # label sets in this codebook's theme order
    def parse_labels(self, value) -> tuple[str, ...]:
        """:func:`parse_labels` against this codebook's themes."""
        return parse_labels(value, self.themes)

    def label_matrix(self, labels) -> np.ndarray:
        """:func:`label_matrix` with one column per theme of this codebook."""
        return label_matrix(labels, self.themes)

    def rows_to_labels(self, matrix) -> list[tuple[str, ...]]:
        """:func:`rows_to_labels` for this codebook's themes."""
        return rows_to_labels(matrix, self.themes)

    def exemplar_pairs(self) -> list[tuple[str, tuple[str, ...]]]:
        """The exemplars written inside the themes, as ``(text, (theme,))`` pairs."""
        return [(text, (t.name,)) for t in self.theme_info for text in t.exemplars]

    def to_toml(self) -> str:
        """The codebook as TOML text (what :func:`load_codebook` reads)."""
        def q(s: str) -> str:
            return json.dumps(s, ensure_ascii=False)

        lines = ["[codebook]", f"name = {q(self.name)}"]
        if self.description:
            lines.append(f"description = {q(self.description)}")
        for t in self.theme_info:
            lines += ["", f"[themes.{q(t.name)}]", f"description = {q(t.description)}"]
            if t.exemplars:
                lines.append("exemplars = [" + ", ".join(q(e) for e in t.exemplars) + "]")
            for part, table in (("terms", t.terms), ("negative", t.negative)):
                if table:
                    lines += ["", f"[themes.{q(t.name)}.{part}]"]
                    lines += [f"{q(k)} = {float(v)!r}" for k, v in table.items()]
        return "\n".join(lines) + "\n"


def _toml():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib


_THEME_KEYS = ("description", "terms", "negative", "exemplars")
_TOP_KEYS = ("codebook", "themes")
_CODEBOOK_KEYS = ("name", "description", "document", "exemplars")
_HEADER = re.compile(r"^\s*\[\[?\s*(.+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")
_PART = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*(?:\.|$)""")


def _unquote(part: str) -> str:
    if part.startswith('"'):
        return json.loads(part)
    return part.strip("'")


def _line_index(text: str) -> dict[tuple, int]:
    """Map (table path, key) -> 1-based line, and (table path,) -> its header line.

    tomllib does not report where a key is; this light scan of the header and
    key lines lets every finding name its line.
    """
    where: dict[tuple, int] = {}
    table: tuple = ()
    for n, line in enumerate(text.splitlines(), 1):
        m = _HEADER.match(line)
        if m and "=" not in line.split("]")[0]:
            table = tuple(_unquote(p) for p in _PART.findall(m.group(1)))
            where.setdefault(table, n)
            continue
        k = _KEY.match(line)
        if k:
            where.setdefault((*table, _unquote(k.group(1))), n)
    return where


def _is_number(w) -> bool:
    return (isinstance(w, (int, float)) and not isinstance(w, bool)
            and math.isfinite(float(w)))


def _read(path: Path) -> tuple[Path, Path, str]:
    """(file, folder, text) of a codebook given as a TOML file or a folder holding one."""
    if path.is_dir():
        file = path / "codebook.toml"
        if not file.is_file():
            raise InputError("a codebook folder must hold codebook.toml", path=path)
    else:
        file = path
    try:
        return file, file.parent, file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read the codebook: {exc.strerror or exc}", path=file) from exc
    except UnicodeDecodeError as exc:
        raise InputError("the codebook is not UTF-8 text", path=file) from exc


def _parse(path: Path) -> tuple[Codebook | None, list[CodebookProblem]]:
    """Read and check a codebook file: the codebook (None if it has errors) and findings."""
    file, folder, text = _read(path)
    src = str(file)
    problems: list[CodebookProblem] = []
    where = _line_index(text)

    def add(level, message, *key):
        problems.append(CodebookProblem(level, message, src, where.get(key) if key else None))

    try:
        data = _toml().loads(text)
    except ValueError as exc:
        m = re.search(r"line (\d+)", str(exc))
        problems.append(CodebookProblem("error", f"not valid TOML: {exc}", src,
                                        int(m.group(1)) if m else None))
        return None, problems
    for key in data:
        if key not in _TOP_KEYS:
            add("error", f"unknown table or key {key!r}; a codebook has [codebook] and "
                         "[themes.\"<name>\"] tables", key)
    meta = data.get("codebook", {})
    if not isinstance(meta, dict):
        add("error", "'codebook' must be a table ([codebook])", "codebook")
        meta = {}
    for key in meta:
        if key not in _CODEBOOK_KEYS:
            add("error", f"unknown key {key!r} in [codebook]; allowed: "
                         f"{', '.join(_CODEBOOK_KEYS)}", "codebook", key)
    exemplars_file = document = None
    for key in ("document", "exemplars"):
        value = meta.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not (folder / value).is_file():
            add("error", f"[codebook] {key} = {value!r}: no such file beside the codebook",
                "codebook", key)
            continue
        resolved = str((folder / value).resolve())
        exemplars_file, document = ((resolved, document) if key == "exemplars"
                                    else (exemplars_file, resolved))
    themes_table = data.get("themes")
    if not isinstance(themes_table, dict) or not themes_table:
        add("error", "no themes: add a [themes.\"<name>\"] table per theme")
        return None, problems
    themes = []
    for name, spec in themes_table.items():
        at = ("themes", name)
        if not isinstance(spec, dict):
            add("error", f"theme {name!r} must be a table", *at)
            continue
        clean = name.strip()
        if not clean or clean != name:
            add("error", f"theme name {name!r} is empty or has surrounding spaces", *at)
        if clean in RESERVED_NAMES or clean.startswith("p_"):
            add("error", f"theme name {name!r} is taken: it is a column of the units, labels "
                         f"or result tables (or means 'no theme'); choose another name", *at)
        if any(sep in name for sep in _SEPARATORS):
            add("error", f"theme name {name!r} contains a label separator "
                         f"({' '.join(_SEPARATORS)})", *at)
        for key in spec:
            if key not in _THEME_KEYS:
                add("error", f"unknown key {key!r} in theme {name!r}; allowed: "
                             f"{', '.join(_THEME_KEYS)}", *at, key)
        description = spec.get("description", "")
        if not isinstance(description, str):
            add("error", f"description of {name!r} must be a string", *at, "description")
            description = ""
        elif not description.strip():
            add("warning", f"theme {name!r} has no description", *at)
        tables = {}
        for part, sign in (("terms", 1), ("negative", -1)):
            table = spec.get(part, {})
            if not isinstance(table, dict):
                add("error", f"[themes.{name!r}.{part}] must be a table of \"term\" = weight",
                    *at, part)
                table = {}
            good = {}
            for term, w in table.items():
                key = (*at, part, term)
                if len(term.strip()) < 2:
                    add("error", f"term {term!r} of {name!r} is shorter than 2 characters "
                                 "(it would match almost anywhere)", *key)
                elif not _is_number(w):
                    add("error", f"weight of {term!r} ({name}) must be a finite number, "
                                 f"got {w!r}", *key)
                elif float(w) * sign <= 0:
                    add("error", f"weight of {term!r} ({name}, {part}) must be "
                                 f"{'positive' if sign > 0 else 'negative'}, got {w!r}", *key)
                else:
                    good[term] = float(w)
            tables[part] = good
        both = sorted(set(tables["terms"]) & set(tables["negative"]))
        for term in both:
            add("error", f"term {term!r} is both a term and a negative term of {name!r}",
                *at, "negative", term)
        if not tables["terms"] and not spec.get("terms"):
            add("error", f"theme {name!r} is empty: it has no [themes.{json.dumps(name, ensure_ascii=False)}.terms] "
                         "with a positive weight, so the lexicon could never assign it", *at)
        exemplars = spec.get("exemplars", [])
        if not (isinstance(exemplars, list) and all(isinstance(e, str) and e.strip()
                                                    for e in exemplars)):
            add("error", f"exemplars of {name!r} must be a list of non-empty strings",
                *at, "exemplars")
            exemplars = []
        themes.append(Theme(name, description, tables["terms"], tables["negative"],
                            tuple(e.strip() for e in exemplars)))
    # across themes: a term inside another theme's term scores for both
    owners: dict[str, list[str]] = {}
    for t in themes:
        for term in t.terms:
            owners.setdefault(term, []).append(t.name)
    for t in themes:
        for term in t.terms:
            for other, names in owners.items():
                if other != term and term in other and t.name not in names:
                    add("warning", f"term {term!r} ({t.name}) occurs inside {other!r} "
                                   f"({', '.join(names)}): a unit with {other!r} also scores "
                                   f"for {t.name}", "themes", t.name, "terms", term)
    if any(p.level == "error" for p in problems):
        return None, problems
    cb = Codebook(themes, name=meta.get("name", file.stem), description=meta.get(
        "description", ""), exemplars_file=exemplars_file, document=document, source=src)
    return cb, problems


def check_codebook(path) -> list[CodebookProblem]:
    """Every error and warning of a codebook file (``fazhi codebook check``).

    Errors: invalid TOML, no themes, an empty theme, a theme named like a table
    column or ``其他``, a term shorter than two characters, a weight that is not
    a positive (terms) or negative (negative terms) number, a term both for and
    against one theme, unknown keys, missing files.  Warnings: a theme without
    description, a term inside another theme's term.  Duplicate terms in one
    table are invalid TOML.

    Examples
    --------
    >>> [p.level for p in check_codebook(default_lexicon_file())].count("error")
    0
    """
    return _parse(Path(path))[1]


_CACHE: dict[tuple[str, float], Codebook] = {}


def load_codebook(path=None) -> Codebook:
    """Read a codebook (TOML file, or a folder with ``codebook.toml``); None = the default.

    Raises
    ------
    InputError
        Naming the file and line of the first error (see :func:`check_codebook`).

    Examples
    --------
    >>> load_codebook().themes[:2]
    ('普法宣传', '校园安全')
    """
    path = Path(path) if path is not None else default_lexicon_file()
    try:
        key = (str(path.resolve()), path.stat().st_mtime)
    except OSError as exc:
        raise InputError(f"cannot read the codebook: {exc.strerror or exc}", path=path) from exc
    if key not in _CACHE:
        cb, problems = _parse(path)
        errors = [p for p in problems if p.level == "error"]
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more; run `fazhi codebook check`)" \
                if len(errors) > 1 else ""
            raise InputError(first.message + more, path=first.path, line=first.line)
        _CACHE[key] = cb
    return _CACHE[key]


def default_lexicon_file() -> Path:
    """The bundled four-theme codebook file (``nlp/resources/themes.toml``)."""
    return bundled_resource("themes.toml")


def default_codebook() -> Codebook:
    """The bundled four-theme codebook (:data:`THEMES`)."""
    return load_codebook(None)


def codebook_of(value, name: str = "codebook") -> Codebook:
    """A :class:`Codebook` from None (the default), a path or a Codebook.

    Examples
    --------
    >>> codebook_of(None).themes == THEMES
    True
    """
    if value is None:
        return default_codebook()
    if isinstance(value, Codebook):
        return value
    if isinstance(value, (str, Path)):
        return load_codebook(value)
    raise TypeError(f"{name} must be None (the default codebook), a path to a codebook TOML "
                    f"file or folder, or a Codebook; got {type(value).__name__}")


def themes_of(value) -> tuple[str, ...]:
    """Theme names from None (the four default themes), a :class:`Codebook`, a codebook
    path, a fitted model (its ``theme_names()``) or a sequence of names.

    Examples
    --------
    >>> themes_of(["安全生产"]), themes_of(None) == THEMES
    (('安全生产',), True)
    """
    if value is None:
        return THEMES
    if isinstance(value, (Codebook, str, Path)):
        return codebook_of(value).themes
    if hasattr(value, "theme_names"):
        return tuple(value.theme_names())
    return tuple(value)
