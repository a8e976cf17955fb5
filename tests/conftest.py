from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
GOV_REPORTS = SHARED / "corpora" / "government_work_reports.jsonl"

os.environ.setdefault("MPLBACKEND", "Agg")
# the CLI caches by default: keep test runs out of the user's cache
os.environ.setdefault("FAZHI_CACHE_DIR", tempfile.mkdtemp(prefix="fazhi-test-cache-"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def baoshan_path() -> Path:
    return CORPUS / "reports" / "baoshan_2021.txt"


@pytest.fixture(scope="session")
def tieshan_path() -> Path:
    return CORPUS / "reports" / "tieshan_2024.txt"


@pytest.fixture(scope="session")
def tokenizer():
    from nlp import Tokenizer

    return Tokenizer()
