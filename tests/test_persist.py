"""Atomic writes and checksummed model folders."""

from __future__ import annotations

import pandas as pd
import pytest

from nlp import InputError, ModelIntegrityError
from nlp.persist import (
    TableWriter,
    atomic_dir,
    atomic_path,
    read_table,
    verify_manifest,
    write_manifest,
    write_table,
)


def test_atomic_path_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_dir_replaces_only_when_complete(tmp_path):
    target = tmp_path / "model"
    with atomic_dir(target) as d:
        (d / "a.txt").write_text("1")
    with pytest.raises(RuntimeError), atomic_dir(target) as d:
        (d / "a.txt").write_text("2")
        raise RuntimeError("boom")
    assert (target / "a.txt").read_text() == "1"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_tables_round_trip(tmp_path, suffix):
    df = pd.DataFrame({"text": ["一是普法", "二是执法"], "n": [1, 2]})
    path = write_table(df, tmp_path / f"t{suffix}")
    assert read_table(path)["text"].tolist() == df["text"].tolist()
    with TableWriter(tmp_path / f"s{suffix}") as w:
        w.write(df.iloc[:1])
        w.write(df.iloc[1:])
    assert read_table(tmp_path / f"s{suffix}")["n"].tolist() == [1, 2]


def test_csv_has_bom_for_excel(tmp_path):
    write_table(pd.DataFrame({"a": ["普法"]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_unknown_table_format(tmp_path):
    with pytest.raises(InputError, match="unsupported table format"):
        write_table(pd.DataFrame(), tmp_path / "t.xls")


def test_manifest_detects_changes(tmp_path):
    (tmp_path / "w.npy").write_bytes(b"abc")
    write_manifest(tmp_path, {"kind": "test"})
    assert verify_manifest(tmp_path)["kind"] == "test"
    (tmp_path / "w.npy").write_bytes(b"abd")
    with pytest.raises(ModelIntegrityError, match="changed"):
        verify_manifest(tmp_path)
    (tmp_path / "w.npy").write_bytes(b"abc")
    (tmp_path / "extra.pkl").write_bytes(b"x")
    with pytest.raises(ModelIntegrityError, match="unknown file"):
        verify_manifest(tmp_path)
    (tmp_path / "extra.pkl").unlink()
    (tmp_path / "w.npy").unlink()
    with pytest.raises(ModelIntegrityError, match="missing"):
        verify_manifest(tmp_path)
    (tmp_path / "bare").mkdir()
    with pytest.raises(ModelIntegrityError, match="no manifest"):
        verify_manifest(tmp_path / "bare")
    with pytest.raises(ModelIntegrityError, match="does not exist"):
        verify_manifest(tmp_path / "nothing")


def test_outputs_get_ordinary_permissions(tmp_path):
    import os
    import stat

    mask = os.umask(0o022)
    try:
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
        with atomic_dir(tmp_path / "m") as d:
            (d / "x").write_text("1")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "t.csv").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "m").stat().st_mode) == 0o755
