"""Streaming runs: tables read in chunks, units written in chunks, nothing half-written."""

from __future__ import annotations

import pandas as pd
import pytest

from nlp import InputError
from nlp.cli import main
from nlp.persist import read_table, write_table
from nlp.streaming import (
    classify_to_table,
    iter_table,
    iter_units,
    segment_to_table,
    tokenize_units,
)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("FAZHI_CACHE_DIR", str(folder))
    monkeypatch.delenv("FAZHI_CACHE", raising=False)
    return folder


@pytest.fixture(scope="module")
def reports(corpus_dir):
    return corpus_dir / "reports"


@pytest.fixture(scope="module")
def units(reports) -> pd.DataFrame:
    return pd.concat(list(iter_units([reports], chunksize=10_000)), ignore_index=True)


@pytest.fixture(scope="module")
def lexicon():
    from nlp.classify import LexiconClassifier

    return LexiconClassifier().fit()


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_iter_table_reads_every_format_in_chunks(tmp_path, units, suffix):
    path = write_table(units, tmp_path / f"units{suffix}")
    chunks = list(iter_table(path, chunksize=10))
    assert [len(c) for c in chunks[:-1]] == [10] * (len(chunks) - 1)
    whole = pd.concat(chunks)
    assert list(whole.index) == list(range(len(units)))
    expected = read_table(path)
    pd.testing.assert_frame_equal(whole.reset_index(drop=True), expected, check_dtype=False)
    only = next(iter_table(path, chunksize=5, columns=["unit_id", "text"]))
    assert list(only.columns) == ["unit_id", "text"] and len(only) == 5


def test_iter_table_errors_name_the_file(tmp_path, units):
    with pytest.raises(InputError, match="nope.csv"):
        list(iter_table(tmp_path / "nope.csv"))
    with pytest.raises(InputError, match="unsupported"):
        list(iter_table(tmp_path / "units.xml"))
    path = write_table(units, tmp_path / "u.parquet")
    with pytest.raises(InputError, match=r"u.parquet.*no column"):
        list(iter_table(path, columns=["missing"]))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "一是普法"}\n{broken\n', encoding="utf-8")
    with pytest.raises(InputError, match="bad.jsonl"):
        list(iter_table(bad, chunksize=1))
    with pytest.raises(ValueError, match="chunksize"):
        list(iter_table(path, chunksize=0))


def test_segment_writes_in_chunks_and_matches_one_pass(tmp_path, reports, units, monkeypatch):
    from nlp.persist import TableWriter

    sizes = []
    original = TableWriter.write
    monkeypatch.setattr(TableWriter, "write",
                        lambda self, df: (sizes.append(len(df)), original(self, df))[1])
    n = segment_to_table([reports], tmp_path / "u.csv", progress=False, chunksize=20)
    assert n == len(units) and len(sizes) >= 2
    assert max(sizes) < 20 + max(units.groupby("report_id").size())
    pd.testing.assert_frame_equal(read_table(tmp_path / "u.csv")[["unit_id", "text"]],
                                  units[["unit_id", "text"]], check_dtype=False)


def test_segment_can_add_tokens(tmp_path, reports, private_cache):
    out = tmp_path / "u.parquet"
    segment_to_table([reports], out, progress=False, tokens=True, cache=False)
    table = read_table(out)
    assert {"法治宣传教育", "习近平法治思想"} <= set(" ".join(table["tokens"]).split())
    assert not private_cache.exists()
    small = tokenize_units(pd.DataFrame({"text": ["全面推行双随机一公开监管", None]}), cache=False)
    assert small["tokens"].tolist() == ["全面推行 双随机一公开 监管", ""]
    with pytest.raises(InputError, match="'body'"):
        tokenize_units(small, column="body")


def test_classify_streams_a_units_table(tmp_path, units, lexicon):
    from nlp.classify import classify_units

    src = write_table(units, tmp_path / "units.jsonl")
    n = classify_to_table(src, tmp_path / "out.csv", lexicon, chunksize=7, progress=False)
    assert n == len(units)
    got = read_table(tmp_path / "out.csv")
    want = classify_units(units, lexicon)
    assert got["labels"].tolist() == want["labels"].fillna("").tolist()
    p_cols = [c for c in want.columns if c.startswith("p_")]
    assert p_cols and (got[p_cols].to_numpy() - want[p_cols].to_numpy()).max() < 1e-9


def test_classify_streams_report_folders(tmp_path, reports, units, lexicon):
    n = classify_to_table([reports], tmp_path / "out.parquet", lexicon, chunksize=5,
                          progress=False)
    assert n == len(units)
    assert read_table(tmp_path / "out.parquet")["unit_id"].tolist() == units["unit_id"].tolist()


def test_classify_leaves_nothing_on_bad_input(tmp_path, lexicon):
    bad = tmp_path / "units.csv"
    write_table(pd.DataFrame({"body": ["一是普法"]}), bad)
    with pytest.raises(InputError, match="'text'"):
        classify_to_table(bad, tmp_path / "out.csv", lexicon, progress=False)
    assert not (tmp_path / "out.csv").exists()
    assert not list(tmp_path.glob(".out.csv*"))


def test_cli_segment_tokens_and_cache(tmp_path, reports, private_cache):
    out = tmp_path / "u.csv"
    assert main(["segment", str(reports), "-o", str(out), "--tokens", "-q", "--no-cache"]) == 0
    assert "tokens" in read_table(out).columns
    assert not private_cache.exists()
    assert main(["segment", str(reports), "-o", str(out), "--tokens", "-q"]) == 0
    assert (private_cache / "tokens.sqlite3").is_file()
    from nlp.cache import cache_enabled

    assert not cache_enabled()  # the command does not leave caching switched on


def test_cli_classify_in_chunks(tmp_path, units):
    src = write_table(units, tmp_path / "units.csv")
    out = tmp_path / "themes.csv"
    assert main(["classify", str(src), "-o", str(out), "--lexicon", "--chunksize", "9",
                 "-q", "--no-cache"]) == 0
    assert len(read_table(out)) == len(units)
    assert main(["classify", str(src), "-o", str(out), "--chunksize", "0", "-q"]) == 2


def test_a_corpus_folder_takes_only_the_reports_it_lists(tmp_path, reports, corpus_dir):
    import shutil

    from nlp.corpus import expand_paths

    corpus = tmp_path / "corpus"
    shutil.copytree(reports, corpus / "reports")
    shutil.copy(corpus_dir / "reports.csv", corpus / "reports.csv")
    (corpus / "notes").mkdir()
    (corpus / "notes" / "README.md").write_text("# 说明\n这不是报告。\n", encoding="utf-8")
    files = [f.name for f, _ in expand_paths([corpus])]
    assert files == ["baoshan_2021.txt", "tieshan_2024.txt"]
    assert [f.name for f, _ in expand_paths([corpus / "notes"])] == ["README.md"]
