"""The fazhi command line: outputs, exit codes, nothing half-written."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from nlp.cli import main


def test_segment_folder_to_csv(tmp_path, corpus_dir):
    out = tmp_path / "units.csv"
    assert main(["segment", str(corpus_dir), "-o", str(out), "--quiet"]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    units = pd.read_csv(out, encoding="utf-8-sig")
    assert len(units) == 45
    assert set(units["year"]) == {2021, 2024}


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_segment_other_formats(tmp_path, tieshan_path, suffix):
    out = tmp_path / f"units{suffix}"
    assert main(["segment", str(tieshan_path), "-o", str(out), "-q"]) == 0
    df = pd.read_json(out, lines=True) if suffix == ".jsonl" else pd.read_parquet(out)
    assert len(df) == 21


def test_bad_input_exit_2_and_no_output(tmp_path, tieshan_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = tmp_path / "units.csv"
    assert main(["segment", str(tieshan_path), str(empty), "-o", str(out), "-q"]) == 2
    assert str(empty) in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == [empty]


def test_usage_errors_exit_2(capsys):
    assert main(["segment"]) == 2
    assert main(["no-such-command"]) == 2
    assert main(["segment", "x.txt", "-o", "units.xls", "-q"]) == 2


COMMANDS = ["segment", "report", "train", "classify", "evaluate", "sample", "topics"]


def test_every_command_has_help(capsys):
    assert main(["--help"]) == 0
    overview = capsys.readouterr().out
    for name in COMMANDS:
        assert name in overview
        assert main([name, "--help"]) == 0
        assert f"usage: fazhi {name}" in capsys.readouterr().out


def test_console_script_runs(tmp_path, tieshan_path):
    proc = subprocess.run([sys.executable, "-m", "nlp.cli", "segment", str(tieshan_path),
                           "-o", str(tmp_path / "u.csv"), "-q"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
