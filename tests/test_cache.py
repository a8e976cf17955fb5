"""The on-disk caches: tokens per text and memoized results."""

from __future__ import annotations

import sqlite3
import threading

import pandas as pd
import pytest

import nlp.cache as cache
from nlp import Tokenizer
from nlp.cache import TokenCache, digest, memoize


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Every test gets its own cache folder and the library default (off)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("FAZHI_CACHE_DIR", str(folder))
    monkeypatch.delenv("FAZHI_CACHE", raising=False)
    cache.set_cache_enabled(None)
    yield folder
    cache.set_cache_enabled(None)


def test_switches(private_cache, monkeypatch):
    assert cache.cache_dir() == private_cache
    assert not cache.cache_enabled()
    monkeypatch.setenv("FAZHI_CACHE", "1")
    assert cache.cache_enabled()
    with cache.use_cache(False):
        assert not cache.cache_enabled()
    assert cache.cache_enabled()
    with cache.cli_cache(no_cache=False):
        assert cache.cache_enabled()
    with cache.cli_cache(no_cache=True):
        assert not cache.cache_enabled()
    monkeypatch.setenv("FAZHI_CACHE", "0")
    with cache.cli_cache(no_cache=False):
        assert not cache.cache_enabled()
    monkeypatch.delenv("FAZHI_CACHE")
    with cache.cli_cache(no_cache=False):
        assert cache.cache_enabled()
    assert not cache.cache_enabled()


def test_token_cache_round_trip(tmp_path):
    store = TokenCache(tmp_path)
    texts = ["推进一网通办", "开展宪法宣传周", "推进一网通办", ""] + [f"第{i}条" for i in range(1200)]
    assert store.get_many("fp", texts) == [None] * len(texts)
    tokens = [[t[:2], t[2:]] for t in texts]
    store.put_many("fp", texts, tokens)
    assert store.get_many("fp", texts) == tokens
    assert len(store) == len(set(texts))
    assert store.get_many("other", texts[:2]) == [None, None]
    with pytest.raises(ValueError, match="length"):
        store.put_many("fp", ["a"], [])
    assert TokenCache(tmp_path).get_many("fp", ["开展宪法宣传周"]) == [["开展", "宪法宣传周"]]


def test_pipe_reuses_cached_tokens(tmp_path, monkeypatch):
    tok = Tokenizer()
    texts = ["深化放管服改革", "全面推行双随机一公开监管", "深化放管服改革"]
    store = TokenCache(tmp_path)
    fresh = tok.pipe(texts, progress=False, cache=False)
    assert tok.pipe(texts, progress=False, cache=store) == fresh
    assert len(store) == 2

    def no_cutting():
        raise AssertionError("the segmenter ran although every text was cached")

    clone = Tokenizer()
    monkeypatch.setattr(clone, "_cutter", no_cutting)
    assert clone.pipe(texts, progress=False, cache=store) == fresh
    other = Tokenizer(drop_stopwords=False)  # another fingerprint: not served from the cache
    assert other.pipe(texts[:1], progress=False, cache=store) != []
    assert len(store) == 3


def test_pipe_follows_the_switch(private_cache):
    Tokenizer().pipe(["推进一网通办"], progress=False)
    assert not (private_cache / "tokens.sqlite3").exists()
    with cache.use_cache():
        Tokenizer().pipe(["推进一网通办"], progress=False)
    assert len(TokenCache(private_cache)) == 1


def test_concurrent_writers_share_one_cache(tmp_path):
    texts = [f"第{i}次开展双随机一公开抽查" for i in range(300)]
    tok = Tokenizer()
    expected = tok.pipe(texts, progress=False, cache=False)
    errors, results = [], []

    def work(k):
        try:
            store = TokenCache(tmp_path)  # its own connection, as another process would
            for _ in range(3):
                results.append(tok.pipe(texts[k::2] + texts, progress=False, cache=store))
            store.close()
        except Exception as exc:  # noqa: BLE001 - collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(r[-len(texts):] == expected for r in results)
    assert len(TokenCache(tmp_path)) == len(texts)


def test_a_broken_cache_never_breaks_tokenizing(tmp_path, caplog):
    (tmp_path / "tokens.sqlite3").write_bytes(b"this is not a database" * 100)
    store = TokenCache(tmp_path)
    with caplog.at_level("WARNING", logger="nlp.cache"):
        assert Tokenizer().pipe(["推进一网通办"], progress=False, cache=store) == [["一网通办"]]
    assert "token cache" in caplog.text
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(tmp_path / "tokens.sqlite3").execute("SELECT * FROM tokens")


def test_clear_cache(private_cache):
    with cache.use_cache():
        Tokenizer().pipe(["推进一网通办"], progress=False)
        _square(3)
    assert (private_cache / "tokens.sqlite3").exists() and (private_cache / "memo").exists()
    cache.clear_cache()
    assert not (private_cache / "tokens.sqlite3").exists()
    assert not (private_cache / "memo").exists()


# --------------------------------------------------------------------------- memoize

CALLS: list = []


@memoize
def _square(x):
    CALLS.append(x)
    return x * x


@memoize(name="theme-share", version="2")
def _share(units: pd.DataFrame, term: str) -> float:
    CALLS.append(term)
    return float(units["text"].str.contains(term).mean())


def test_memoize_computes_once_per_argument(private_cache):
    CALLS.clear()
    assert _square(4) == 16 and _square(4) == 16
    assert CALLS == [4, 4]  # caching is off by default
    CALLS.clear()
    with cache.use_cache():
        assert [_square(4), _square(4), _square(5), _square(4)] == [16, 16, 25, 16]
    assert CALLS == [4, 5]
    assert _square.uncached(6) == 36
    assert not list(private_cache.rglob("*.tmp"))


def test_memoize_keys_tables_by_content(private_cache):
    CALLS.clear()
    a = pd.DataFrame({"text": ["开展普法宣传", "加强校园安全"]})
    with cache.use_cache():
        assert _share(a, "普法") == 0.5
        assert _share(a.copy(), "普法") == 0.5
        assert CALLS == ["普法"]
        b = a.copy()
        b.loc[1, "text"] = "深入开展普法"
        assert _share(b, "普法") == 1.0
    assert CALLS == ["普法", "普法"]
    assert (private_cache / "memo" / "theme-share").is_dir()


def test_memoize_recomputes_an_unreadable_entry(private_cache, caplog):
    CALLS.clear()
    with cache.use_cache():
        _square(7)
        (entry,) = (private_cache / "memo").rglob("*.zip")
        entry.write_bytes(b"torn")
        with caplog.at_level("WARNING", logger="nlp.cache"):
            assert _square(7) == 49
    assert CALLS == [7, 7] and "unreadable" in caplog.text


def test_digest_of_files_and_folders(tmp_path):
    f = tmp_path / "r" / "a.txt"
    f.parent.mkdir()
    f.write_text("一是普法", encoding="utf-8")
    before = digest(f.parent), digest(f)
    f.write_text("二是执法", encoding="utf-8")
    assert digest(f.parent) != before[0] and digest(f) != before[1]
    assert digest([1, "a"]) != digest(["1", "a"])
    assert digest({"b": 1, "a": 2}) == digest({"a": 2, "b": 1})
    assert digest(Tokenizer()) == digest(Tokenizer())
    assert digest(Tokenizer()) != digest(Tokenizer(drop_single=False))


def test_memoize_depends_on_files_it_reads(tmp_path, private_cache):
    model = tmp_path / "model.txt"
    model.write_text("v1", encoding="utf-8")
    reads = []

    @memoize(name="reads-a-file", depends=lambda x: [model])
    def apply(x):
        reads.append(x)
        return model.read_text(encoding="utf-8") + x

    with cache.use_cache():
        assert apply("!") == "v1!" and apply("!") == "v1!"
        model.write_text("v2", encoding="utf-8")
        assert apply("!") == "v2!"
    assert reads == ["!", "!"]


def test_digest_of_dataclasses_and_token_lists():
    import dataclasses

    @dataclasses.dataclass
    class Box:
        tables: dict
        note: str = ""

    a = Box({"t": pd.DataFrame({"x": [1, 2]})}, "甲")
    assert digest(a) == digest(Box({"t": pd.DataFrame({"x": [1, 2]})}, "甲"))
    assert digest(a) != digest(Box({"t": pd.DataFrame({"x": [1, 3]})}, "甲"))
    assert digest([["普法", "宣传"], ["执法"]]) != digest([["普法"], ["宣传", "执法"]])
    assert digest(["ab", "c"]) != digest(["a", "bc"])


def test_memoize_key_picks_what_matters(private_cache):
    calls = []

    @memoize(name="chars", key=lambda page: sorted(set(page.split("|")[1])))
    def chars(page):
        calls.append(page)
        return "".join(sorted(set(page.split("|")[1])))

    with cache.use_cache():
        assert chars("10:00|普法普法") == "普法" and chars("11:00|法普") == "普法"
        chars("11:00|执法")
    assert calls == ["10:00|普法普法", "11:00|执法"]


def test_memo_entries_are_never_unpickled(private_cache, caplog):
    """A pickle planted where an entry should be is refused, never loaded."""
    import pickle

    class Boom:
        def __reduce__(self):
            return (CALLS.append, ("unpickled!",))

    CALLS.clear()
    with cache.use_cache():
        _square(8)
        (entry,) = (private_cache / "memo").rglob("*.zip")
        entry.write_bytes(pickle.dumps(Boom()))
        with caplog.at_level("WARNING", logger="nlp.cache"):
            assert _square(8) == 64
    assert "unpickled!" not in CALLS and CALLS == [8, 8]


def test_memo_round_trips_tables_arrays_bytes_and_declared_dataclasses(private_cache):
    import dataclasses

    import numpy as np

    @dataclasses.dataclass
    class Result:
        table: pd.DataFrame
        blob: bytes

    @cache.memoize(name="round-trip", types=(Result,))
    def compute(n):
        df = pd.DataFrame({"主题": ["普法宣传", "放管服"], "share": [0.25, 0.5]})
        df.attrs["bootstrap"] = {("2021", "普法宣传"): np.arange(3.0)}
        return Result(df, "图".encode() * n), (1, 2.5, None, "普法")

    with cache.use_cache():
        first = compute(2)
        again = compute(2)
    assert again[1] == first[1] == (1, 2.5, None, "普法")
    pd.testing.assert_frame_equal(again[0].table, first[0].table)
    assert again[0].blob == first[0].blob
    assert np.array_equal(again[0].table.attrs["bootstrap"][("2021", "普法宣传")], np.arange(3.0))


def test_memo_refuses_undeclared_objects(private_cache, caplog):
    @cache.memoize(name="undeclared")
    def compute():
        return object()

    with cache.use_cache(), caplog.at_level("WARNING", logger="nlp.cache"):
        compute()
    assert "could not cache" in caplog.text
    assert not list((private_cache / "memo").rglob("*.zip"))
