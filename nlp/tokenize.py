"""Chinese word segmentation for policy text, on a private jieba instance.

:class:`Tokenizer` wraps its *own* ``jieba.Tokenizer``: it never touches
jieba's module-level state (``jieba.dt``, ``jieba.add_word``), so two
tokenizers with different dictionaries can live in one process, and it
pickles (only its configuration travels; the dictionary is rebuilt lazily),
so it works inside scikit-learn vectorizers and worker processes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from .errors import InputError

__all__ = ["Tokenizer", "load_userdict", "load_stopwords", "bundled_resource"]

log = logging.getLogger(__name__)

_NUMBER = re.compile(r"^[-+]?[0-9]+(?:[.,][0-9]+)*[%‰]?$")
BACKENDS = ("jieba",)


def bundled_resource(name: str) -> Path:
    """Path of a file in ``nlp/resources`` (``userdict.txt``, ``stopwords.txt``...)."""
    return Path(str(resources.files("nlp") / "resources" / name))


def _read_lines(path: str | Path) -> list[tuple[int, str]]:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read dictionary: {exc.strerror or exc}", path=path) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("dictionary is not UTF-8", path=path) from exc
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            out.append((i, line))
    return out


def load_userdict(path: str | Path) -> list[tuple[str, int | None, str | None]]:
    """Read a jieba-format user dictionary: ``word [freq] [pos]`` per line.

    ``#`` starts a comment line.  Returns ``(word, freq, tag)`` triples.

    Examples
    --------
    >>> entries = load_userdict(bundled_resource("userdict.txt"))
    >>> any(w == "双随机一公开" for w, _, _ in entries)
    True
    """
    entries = []
    for lineno, line in _read_lines(path):
        parts = line.split()
        word, freq, tag = parts[0], None, None
        if len(parts) >= 2:
            if not parts[1].isdigit():
                raise InputError(f"frequency {parts[1]!r} is not a whole number", path=path,
                                 line=lineno)
            freq = int(parts[1])
        if len(parts) >= 3:
            tag = parts[2]
        entries.append((word, freq, tag))
    return entries


def load_stopwords(path: str | Path) -> set[str]:
    """Read a stopword file: one word per line, ``#`` comment lines ignored."""
    return {line for _, line in _read_lines(path)}


def _is_punct(token: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PSZ" for ch in token)


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (str, Path)):
        return [value]
    return list(value)


class Tokenizer:
    """Segment Chinese policy text into words, with a policy-term dictionary.

    Parameters
    ----------
    backend : {"jieba"}, default "jieba"
        The segmenter.
    userdict : path or list of paths, optional
        Extra jieba-format dictionaries (``word freq [pos]`` per line), loaded
        after the bundled policy dictionary.
    stopwords : path, list of paths, or set of words, optional
        Extra stopwords, added to the bundled list.
    use_bundled : bool, default True
        Load ``nlp/resources/userdict.txt`` and ``stopwords.txt``.
    hmm : bool, default True
        Let jieba guess unknown words with its HMM.
    drop_whitespace, drop_punct, drop_numbers, drop_single, drop_stopwords : bool
        Filters applied by ``tok(text)`` (never by ``tok.cut``).

    Examples
    --------
    >>> tok = Tokenizer()
    >>> "".join(tok.cut("深化放管服改革,推进一网通办。")) == "深化放管服改革,推进一网通办。"
    True
    >>> "双随机一公开" in tok("全面推行双随机一公开监管")
    True
    """

    def __init__(self, backend: str = "jieba", userdict=None, stopwords=None, *,
                 use_bundled: bool = True, hmm: bool = True, drop_whitespace: bool = True,
                 drop_punct: bool = True, drop_numbers: bool = True, drop_single: bool = True,
                 drop_stopwords: bool = True):
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        self.backend = backend
        self.userdict = userdict
        self.stopwords = stopwords
        self.use_bundled = use_bundled
        self.hmm = hmm
        self.drop_whitespace = drop_whitespace
        self.drop_punct = drop_punct
        self.drop_numbers = drop_numbers
        self.drop_single = drop_single
        self.drop_stopwords = drop_stopwords
        self._seg = None
        self._stop: set[str] | None = None

    # -- configuration -----------------------------------------------------
    def _dict_paths(self) -> list[Path]:
        paths = [bundled_resource("userdict.txt")] if self.use_bundled else []
        return paths + [Path(p) for p in _as_list(self.userdict)]

    def _stopword_set(self) -> set[str]:
        if self._stop is None:
            stop: set[str] = set()
            if self.use_bundled:
                stop |= load_stopwords(bundled_resource("stopwords.txt"))
            extra = self.stopwords
            if isinstance(extra, (set, frozenset)):
                stop |= set(extra)
            else:
                for item in _as_list(extra):
                    stop |= load_stopwords(item)
            self._stop = stop
        return self._stop

    def dictionary_entries(self) -> list[tuple[str, int | None, str | None]]:
        """All user-dictionary entries this tokenizer loads, in load order."""
        entries = []
        for p in self._dict_paths():
            entries.extend(load_userdict(p))
        return entries

    @property
    def fingerprint(self) -> str:
        """A hash of everything that changes the output: backend, dictionaries, filters."""
        h = hashlib.sha256()
        cfg = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        cfg["userdict"] = [str(p) for p in _as_list(self.userdict)]
        cfg["stopwords"] = sorted(self._stopword_set())
        h.update(json.dumps(cfg, sort_keys=True, ensure_ascii=False, default=str).encode())
        for p in self._dict_paths():
            h.update(p.read_bytes())
        return h.hexdigest()[:16]

    # -- segmenter ---------------------------------------------------------
    def _segmenter(self):
        if self._seg is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            seg = jieba.Tokenizer()
            seg.initialize()
            for word, freq, tag in self.dictionary_entries():
                seg.add_word(word, freq, tag)
            self._seg = seg
        return self._seg

    def cut(self, text: str) -> list[str]:
        """Raw segmentation: the tokens join back into ``text`` exactly.

        Examples
        --------
        >>> Tokenizer().cut("推行证照分离改革")
        ['推行', '证照分离', '改革']
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        return self._segmenter().lcut(text, HMM=self.hmm)

    def keep(self, token: str) -> bool:
        """Whether an analysis token survives the configured filters."""
        if self.drop_whitespace and not token.strip():
            return False
        if self.drop_punct and _is_punct(token):
            return False
        if self.drop_numbers and _NUMBER.match(token):
            return False
        if self.drop_single and len(token) < 2:
            return False
        if self.drop_stopwords and token in self._stopword_set():
            return False
        return True

    def __call__(self, text: str) -> list[str]:
        """Analysis tokens: cut, then filter whitespace, punctuation, numbers,
        single characters and stopwords (each switchable)."""
        self._stopword_set()
        return [t for t in self.cut(text) if self.keep(t)]

    def pipe(self, texts: Iterable[str], n_jobs: int = 1, progress: bool | None = None,
             chunksize: int = 256) -> list[list[str]]:
        """Tokenize many texts; a progress bar shows on a terminal.

        Parameters
        ----------
        texts : iterable of str
            Not a bare ``str``.
        n_jobs : int, default 1
            Worker processes; ``-1`` uses every core.
        progress : bool or None
            ``None`` shows the bar only on an interactive terminal.
        """
        if isinstance(texts, (str, bytes)):
            raise TypeError("texts must be a list of strings, not a single str")
        texts = list(texts)
        from tqdm.auto import tqdm

        disable = None if progress is None else not progress
        if n_jobs == 1 or len(texts) < 2 * chunksize:
            return [self(t) for t in tqdm(texts, desc="tokenize", unit="text", disable=disable)]
        import multiprocessing as mp
        import os

        workers = (os.cpu_count() or 1) if n_jobs in (-1, None) else int(n_jobs)
        with mp.get_context("spawn").Pool(workers) as pool:
            it = pool.imap(self, texts, chunksize=chunksize)
            return list(tqdm(it, total=len(texts), desc="tokenize", unit="text",
                             disable=disable))

    # -- pickling ----------------------------------------------------------
    def __getstate__(self):
        state = self.__dict__.copy()
        state["_seg"] = None
        return state

    def __repr__(self) -> str:
        return f"Tokenizer(backend={self.backend!r}, userdict={self.userdict!r})"
