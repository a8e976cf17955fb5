"""Chinese word segmentation for policy text, with a compiled or a pure-Python segmenter.

:class:`Tokenizer` has two backends that cut alike:

* ``"fast"``: `rjieba <https://pypi.org/project/rjieba/>`_, the binding of the
  Rust port jieba-rs, loaded with jieba's own ``dict.txt`` and the bundled
  policy dictionary (with its frequencies), so it cuts as jieba does, more
  than ten times faster;
* ``"jieba"``: a *private* ``jieba.Tokenizer``.

``backend="auto"`` (the default) picks ``"fast"`` when rjieba imports and
falls back to ``"jieba"`` with a logged notice.  Neither backend touches
module-level state (``jieba.dt``, ``rjieba.add_word``), so tokenizers with
different dictionaries live side by side in one process.  A tokenizer pickles
(only its configuration travels; the dictionary is rebuilt lazily), so it
works inside scikit-learn vectorizers and worker processes.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import itertools
import json
import logging
import re
import sys
import threading
import unicodedata
from collections import deque
from collections.abc import Iterable
from pathlib import Path

from .cache import code_version, resolve_token_cache
from .errors import InputError
from .resources import bundled_resource

__all__ = ["Tokenizer", "load_userdict", "load_stopwords", "bundled_resource", "fast_available",
           "resolve_backend", "jieba_dictionary"]

log = logging.getLogger(__name__)

_NUMBER = re.compile(r"^[-+]?[0-9]+(?:[.,][0-9]+)*[%‰]?$")
BACKENDS = ("auto", "fast", "jieba")
_FILTERS = ("drop_whitespace", "drop_punct", "drop_numbers", "drop_single", "drop_stopwords")
_KEEP_MEMO_MAX = 2_000_000  # distinct tokens remembered per tokenizer before starting over

# segmenters are never changed once built, so tokenizers with the same
# dictionaries share one per process
_SEGMENTERS: dict[tuple, object] = {}
_SEG_LOCK = threading.Lock()
_NOTICE_GIVEN = False


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


def _rjieba():
    """The compiled module of rjieba, loaded without running the package's ``__init__``.

    That ``__init__`` builds a module-level default instance with its own
    dictionary (about 0.3 s and 30 MB) which this package never uses.  Falls
    back to the ordinary import for an unusual installation layout.
    """
    mod = sys.modules.get("rjieba.rjieba", False)
    if mod is None:
        raise ImportError("rjieba is blocked in sys.modules")
    if mod is not False:
        return mod
    spec = importlib.util.find_spec("rjieba")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("No module named 'rjieba'")
    for folder in spec.submodule_search_locations:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = Path(folder) / f"rjieba{suffix}"
            if path.is_file():
                sub = importlib.util.spec_from_file_location("rjieba.rjieba", path)
                mod = importlib.util.module_from_spec(sub)
                sys.modules["rjieba.rjieba"] = mod
                try:
                    sub.loader.exec_module(mod)
                except BaseException:
                    del sys.modules["rjieba.rjieba"]
                    raise
                return mod
    import rjieba

    return rjieba


def fast_available() -> bool:
    """Whether the compiled ``"fast"`` backend (rjieba) can be imported."""
    try:
        _rjieba()
    except ImportError:
        return False
    return True


def resolve_backend(backend: str) -> str:
    """The backend that ``backend`` stands for: ``"auto"`` → ``"fast"`` or ``"jieba"``."""
    global _NOTICE_GIVEN
    if backend != "auto":
        return backend
    if fast_available():
        return "fast"
    if not _NOTICE_GIVEN:
        log.warning("rjieba is not installed: tokenizing with pure-Python jieba, about ten "
                    "times slower (pip install rjieba for the fast backend)")
        _NOTICE_GIVEN = True
    return "jieba"


def jieba_dictionary() -> Path:
    """Path of jieba's own main dictionary (``dict.txt``), which both backends load."""
    import jieba

    return Path(jieba.__file__).resolve().parent / "dict.txt"


_DICT_LINE = re.compile(r"^(\S+) (\d+)", re.M)


def _load_main_dictionary(seg, path: Path) -> int:
    """Add every ``word freq [tag]`` line of jieba's ``dict.txt`` to ``seg``; returns the count.

    Part-of-speech tags are not loaded: segmentation does not use them.
    """
    pairs = _DICT_LINE.findall(path.read_text(encoding="utf-8"))
    words = [w for w, _ in pairs]
    freqs = list(map(int, (f for _, f in pairs)))
    deque(map(seg.add_word, words, freqs, itertools.repeat(None)), maxlen=0)
    return len(words)


def _fast_segmenter(dict_paths: list[Path]):
    """A compiled segmenter with jieba's dictionary plus ``dict_paths``, shared per process."""
    try:
        rjieba = _rjieba()
    except ImportError as exc:
        raise ImportError("backend='fast' needs rjieba: pip install rjieba "
                          "(or use backend='jieba')") from exc
    main = jieba_dictionary()
    key = ("fast",) + _dict_key([main, *dict_paths])
    with _SEG_LOCK:
        seg = _SEGMENTERS.get(key)
        if seg is None:
            seg = rjieba.Jieba.empty()  # a private instance: never rjieba's shared default
            add = seg.add_word
            for p in dict_paths:
                load_userdict(p)  # validate user files before the slow part
            _load_main_dictionary(seg, main)
            for p in dict_paths:
                for word, freq, tag in load_userdict(p):
                    add(word, freq, tag)
            _SEGMENTERS[key] = seg
            log.debug("built the fast segmenter from %s and %d user dictionaries", main,
                      len(dict_paths))
    return seg


def _dict_key(paths: list[Path]) -> tuple:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else (str(p),)
                 for p in paths)


def _jieba_segmenter(dict_paths: list[Path]):
    """A private ``jieba.Tokenizer`` with ``dict_paths`` added, shared per process."""
    import jieba

    key = ("jieba",) + _dict_key(dict_paths)
    with _SEG_LOCK:
        seg = _SEGMENTERS.get(key)
        if seg is None:
            entries = [e for p in dict_paths for e in load_userdict(p)]
            jieba.setLogLevel(logging.WARNING)
            seg = jieba.Tokenizer()  # never jieba.dt, the module's shared instance
            seg.initialize()
            for word, freq, tag in entries:
                seg.add_word(word, freq, tag)
            _SEGMENTERS[key] = seg
    return seg


# Characters of input per worker process below which ``pipe(n_jobs=None)`` stays in one
# process.  With the compiled segmenter, sending the tokens back costs about a third of
# cutting them: in bench/tokenize.py (2 cores) two workers lost below ~10 MB and gained
# 1.1-1.4x at 20-23 MB.  The jieba backend cuts ten times slower, so its workers pay off
# on inputs ten times smaller.
_AUTO_CHARS_PER_WORKER = {"fast": 3_000_000, "jieba": 300_000}
_DOC_SEP, _TOKEN_SEP = "\x1e", "\x1f"  # ASCII record and unit separators
_WORKER_TOKENIZER: Tokenizer | None = None


def _can_fork() -> bool:
    """Whether worker processes may be forked: Linux, and no thread that a fork could
    catch holding a lock (tqdm's monitor thread only sleeps; on Python >= 3.12, which
    warns on any fork of a threaded process, not even that)."""
    import multiprocessing as mp

    if not sys.platform.startswith("linux") or "fork" not in mp.get_all_start_methods():
        return False
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    if sys.version_info >= (3, 12) or threading.current_thread() is not threading.main_thread():
        return not others
    return all(type(t).__name__ == "TMonitor" for t in others)


def _worker_init(tokenizer: Tokenizer) -> None:
    global _WORKER_TOKENIZER
    _WORKER_TOKENIZER = tokenizer


def _worker_pipe(texts: list[str]):
    """Tokens of ``texts`` in a worker process, packed into one string when possible:
    pickling one string and splitting it costs a fraction of pickling lists of tokens."""
    tok = _WORKER_TOKENIZER
    cut, keep = tok._cutter(), tok._keep_memo().__getitem__
    docs = [list(filter(keep, cut(t))) for t in texts]
    if any(_DOC_SEP in t or _TOKEN_SEP in t for t in texts):
        return docs
    return _DOC_SEP.join(map(_TOKEN_SEP.join, docs))


def _unpack(packed) -> list[list[str]]:
    if isinstance(packed, list):
        return packed
    return [d.split(_TOKEN_SEP) if d else [] for d in packed.split(_DOC_SEP)]


class _KeepMemo(dict):
    """token → keep decision, computed once per distinct token."""

    __slots__ = ("rule",)

    def __init__(self, rule):
        super().__init__()
        self.rule = rule

    def __missing__(self, token: str) -> bool:
        if len(self) >= _KEEP_MEMO_MAX:
            self.clear()
        keep = self[token] = self.rule(token)
        return keep


class Tokenizer:
    """Segment Chinese policy text into words, with a policy-term dictionary.

    Parameters
    ----------
    backend : {"auto", "fast", "jieba"}, default "auto"
        The segmenter.  ``"fast"`` is compiled (rjieba) and loads the same
        dictionaries as ``"jieba"``, so both cut alike; ``"auto"`` uses
        ``"fast"`` when rjieba is installed, else ``"jieba"`` with a notice.
    userdict : path or list of paths, optional
        Extra jieba-format dictionaries (``word freq [pos]`` per line), loaded
        after the bundled policy dictionary.
    stopwords : path, list of paths, or set of words, optional
        Extra stopwords, added to the bundled list.
    use_bundled : bool, default True
        Load ``nlp/resources/userdict.txt`` and ``stopwords.txt``.
    hmm : bool, default True
        Let the segmenter guess unknown words with jieba's HMM.
    drop_whitespace, drop_punct, drop_numbers, drop_single, drop_stopwords : bool
        Filters applied by ``tok(text)`` (never by ``tok.cut``).

    Examples
    --------
    >>> tok = Tokenizer()
    >>> "".join(tok.cut("深化放管服改革,推进一网通办。")) == "深化放管服改革,推进一网通办。"
    True
    >>> "双随机一公开" in tok("全面推行双随机一公开监管")
    True
    >>> Tokenizer(backend="jieba").cut("推行证照分离改革") == tok.cut("推行证照分离改革")
    True
    """

    def __init__(self, backend: str = "auto", userdict=None, stopwords=None, *,
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
        self._memo: _KeepMemo | None = None
        self._memo_key: tuple | None = None

    # -- configuration -----------------------------------------------------
    @property
    def backend_(self) -> str:
        """The backend actually used (``"auto"`` resolved)."""
        return resolve_backend(self.backend)

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
        """A hash of everything that changes the output: backend, dictionaries, filters.

        ``"auto"`` is hashed as the backend it resolves to, with that
        segmenter's version, so a cache never mixes the two backends' tokens.
        """
        from importlib.metadata import PackageNotFoundError, version

        h = hashlib.sha256()
        cfg = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        cfg["backend"] = resolved = self.backend_
        try:
            cfg["segmenter"] = version("rjieba" if resolved == "fast" else "jieba")
        except PackageNotFoundError:
            cfg["segmenter"] = None
        cfg["userdict"] = [str(p) for p in _as_list(self.userdict)]
        cfg["stopwords"] = sorted(self._stopword_set())
        h.update(json.dumps(cfg, sort_keys=True, ensure_ascii=False, default=str).encode())
        for p in self._dict_paths():
            h.update(p.read_bytes())
        return h.hexdigest()[:16]

    # -- segmenter ---------------------------------------------------------
    def _segmenter(self):
        if self._seg is None:
            if self.backend_ == "fast":
                self._seg = _fast_segmenter(self._dict_paths())
            else:
                self._seg = _jieba_segmenter(self._dict_paths())
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
        seg = self._segmenter()
        if self.backend_ == "fast":
            return seg.cut(text, self.hmm)
        return seg.lcut(text, HMM=self.hmm)

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

    def _keep_memo(self) -> _KeepMemo:
        key = tuple(getattr(self, f) for f in _FILTERS) + (id(self._stopword_set()),)
        if self._memo is None or self._memo_key != key:
            self._memo, self._memo_key = _KeepMemo(self.keep), key
        return self._memo

    def _cutter(self):
        """A one-argument function text → raw tokens, bound to the segmenter."""
        seg, hmm = self._segmenter(), self.hmm
        if self.backend_ == "fast":
            return lambda text: seg.cut(text, hmm)
        return lambda text: seg.lcut(text, HMM=hmm)

    def __call__(self, text: str) -> list[str]:
        """Analysis tokens: cut, then filter whitespace, punctuation, numbers,
        single characters and stopwords (each switchable)."""
        return list(filter(self._keep_memo().__getitem__, self.cut(text)))

    def pipe(self, texts: Iterable[str], n_jobs: int | None = None, progress: bool | None = None,
             chunksize: int = 256, cache=None) -> list[list[str]]:
        """Tokenize many texts; a progress bar shows on a terminal.

        Parameters
        ----------
        texts : iterable of str
            Not a bare ``str``.
        n_jobs : int or None, default None
            Worker processes.  ``None``: every core when the input is large
            enough for processes to pay off (about 3 million characters per
            worker with ``"fast"``, 300,000 with ``"jieba"``) and they can be
            forked cheaply (Linux, no other thread running), else this process
            alone.  ``1``: this process; ``-1``: every core; ``k``: k processes
            (where they cannot be forked they are spawned: call ``pipe`` under
            ``if __name__ == "__main__":`` in a script).  The tokens are the
            same whatever the value.
        progress : bool or None
            ``None`` shows the bar only on an interactive terminal.
        chunksize : int, default 256
            Texts sent to a worker at a time.
        cache : bool, path, :class:`nlp.cache.TokenCache` or None
            Reuse tokens stored on disk for texts seen before (keyed by the
            text's hash and :attr:`fingerprint`).  ``None`` follows
            :func:`nlp.cache.cache_enabled` (off in the library unless
            ``FAZHI_CACHE=1``; on in the ``fazhi`` command unless ``--no-cache``);
            a path uses the cache in that folder.

        Examples
        --------
        >>> Tokenizer().pipe(["推进一网通办", "开展宪法宣传周活动"], progress=False)
        [['一网通办'], ['宪法宣传周', '活动']]
        """
        if isinstance(texts, (str, bytes)):
            raise TypeError("texts must be a list of strings, not a single str")
        texts = list(texts)
        store = resolve_token_cache(cache)
        if store is None:
            return self._pipe(texts, n_jobs, progress, chunksize)
        fp = f"{self.fingerprint}-{code_version()}"  # changed code never reuses old tokens
        found = store.get_many(fp, texts)
        todo = [i for i, toks in enumerate(found) if toks is None]
        if todo:
            fresh = self._pipe([texts[i] for i in todo], n_jobs, progress, chunksize)
            for i, toks in zip(todo, fresh):
                found[i] = toks
            store.put_many(fp, [texts[i] for i in todo], fresh)
        log.debug("token cache: %d of %d texts reused", len(texts) - len(todo), len(texts))
        return found

    def _workers(self, texts: list[str], n_jobs, chunksize: int) -> tuple[int, str | None]:
        """How many processes ``pipe`` uses, and how they start (``"fork"``/``"spawn"``)."""
        import multiprocessing as mp
        import os

        if n_jobs is not None and (not isinstance(n_jobs, int) or isinstance(n_jobs, bool)
                                   or n_jobs == 0 or n_jobs < -1):
            raise ValueError(f"n_jobs must be None, -1 or a whole number >= 1, got {n_jobs!r}")
        cores = os.cpu_count() or 1
        fork = _can_fork()
        if n_jobs is None:
            per_worker = _AUTO_CHARS_PER_WORKER[self.backend_]
            if not fork or cores < 2 or len(texts) < 2 * chunksize:
                return 1, None
            workers = min(cores, sum(map(len, texts)) // per_worker)
        else:
            workers = cores if n_jobs == -1 else n_jobs
        if workers < 2 or len(texts) < 2 * chunksize or mp.current_process().daemon:
            return 1, None  # a daemonic process (a pool's worker) may not start processes
        return min(workers, -(-len(texts) // chunksize)), "fork" if fork else "spawn"

    def _pipe(self, texts: list[str], n_jobs, progress, chunksize) -> list[list[str]]:
        from tqdm.auto import tqdm

        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"every text must be a str, got {type(t).__name__}")
        disable = None if progress is None else not progress
        workers, method = self._workers(texts, n_jobs, chunksize)
        if workers == 1:
            cut, keep = self._cutter(), self._keep_memo().__getitem__
            return [list(filter(keep, cut(t)))
                    for t in tqdm(texts, desc="tokenize", unit="text", disable=disable)]
        import multiprocessing as mp

        if method == "fork":
            self._segmenter()  # built once here; forked workers share it
        log.debug("tokenizing %d texts in %d %s processes", len(texts), workers, method)
        chunks = [texts[i:i + chunksize] for i in range(0, len(texts), chunksize)]
        out: list[list[str]] = []
        with mp.get_context(method).Pool(workers, _worker_init, (self,)) as pool, \
                tqdm(total=len(texts), desc="tokenize", unit="text", disable=disable) as bar:
            for chunk, packed in zip(chunks, pool.imap(_worker_pipe, chunks)):
                out.extend(_unpack(packed))
                bar.update(len(chunk))
        return out

    # -- pickling ----------------------------------------------------------
    def __getstate__(self):
        state = self.__dict__.copy()
        state["_seg"] = None
        state["_memo"] = state["_memo_key"] = None
        return state

    def __setstate__(self, state):
        state.setdefault("_memo", None)
        state.setdefault("_memo_key", None)
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"Tokenizer(backend={self.backend!r}, userdict={self.userdict!r})"
