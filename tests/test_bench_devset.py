"""The dev-set script's own parts that need no page texts: keys and the set check."""

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def devset():
    spec = importlib.util.spec_from_file_location("bench_devset", ROOT / "bench" / "devset.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_page_key_ignores_scheme_www_and_trailing_slash(devset):
    a = devset.page_key("https://www.Example.gov.cn/a/b.html")
    assert a == devset.page_key("http://example.gov.cn/a/b.html/")
    assert a != devset.page_key("http://example.gov.cn/a/c.html")
    pages = devset.load_pages()
    assert all(devset.page_key(u) == k for u, k in zip(pages["url"], pages["key"]))


def test_unit_key_ignores_white_space(devset):
    assert devset.unit_key("开展 宪法\n宣传周") == devset.unit_key("开展宪法宣传周")
    assert len(devset.unit_key("开展宪法宣传周")) == 16


def test_check_says_which_page_texts_a_folder_lacks(devset, tmp_path, capsys):
    pages = devset.load_pages()
    labels = pd.read_csv(devset.DEVSET / "labels.csv", dtype=str, keep_default_na=False)
    key = labels["page"].iloc[0]
    # a written text under one page's key: the page is there, none of its labelled units
    (tmp_path / f"{key}.txt").write_text("2023年，某局开展宪法宣传周活动。\n\n一、主要举措\n"
                                         "组织执法人员培训3期，覆盖120人次。\n", encoding="utf-8")
    assert devset.main(["check", "--pages", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"page texts in {tmp_path}: 1 of {len(pages)}" in out
    assert f"found in today's segmentation: 0 of {len(labels)} on 0 pages" in out
    assert out.count("no text for ") == len(pages) - 1
    assert f"no text for {key}" not in out
