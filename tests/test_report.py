"""Tests of the one-command study: `fazhi report CORPUS -o DIR` and report.html."""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import CORPUS

from nlp import cli
from nlp.report import render_html, run_study, write_report

FIGURES = ("theme_shares", "emphasis_change", "section_profile", "keyness", "topic_prevalence",
           "shares_by_year")
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists()
                                        else None)


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    assert cli.main(["report", str(CORPUS), "-o", str(out), "-q"]) == 0
    return out


@pytest.fixture(scope="module")
def page(out_dir) -> str:
    return (out_dir / "report.html").read_text(encoding="utf-8")


def test_report_writes_tables_figures_and_page(out_dir):
    for name in FIGURES:
        for ext in ("png", "svg"):
            f = out_dir / "figures" / f"{name}.{ext}"
            assert f.is_file() and f.stat().st_size > 5000, f
    assert (out_dir / "figures" / "emphasis_change.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    tables = {p.stem for p in (out_dir / "tables").glob("*.csv")}
    assert {"themes_by_report", "theme_shares_report", "emphasis_change", "section_profile",
            "keyness", "topic_table", "topic_prevalence", "unit_themes", "shares_by_year",
            "design_by_year", "design_effects"} <= tables
    change = pd.read_csv(out_dir / "tables" / "emphasis_change.csv", encoding="utf-8-sig")
    assert {"theme", "diff", "ci_low", "ci_high"} <= set(change.columns)
    assert ((change["ci_low"] <= change["diff"]) & (change["diff"] <= change["ci_high"])).all()
    # two reports: the comparison describes within-report variation, and says so
    assert (change["resampled"] == "units").all() and (change["n_reports_a"] == 1).all()
    by_year = pd.read_csv(out_dir / "tables" / "shares_by_year.csv", encoding="utf-8-sig")
    assert list(by_year.columns[:8]) == ["year", "theme", "share", "ci_low", "ci_high",
                                         "n_reports", "n_units", "estimator"]
    assert by_year["ci_low"].isna().all()  # one report per year: no interval between reports
    units = pd.read_csv(out_dir / "tables" / "unit_themes.csv", encoding="utf-8-sig")
    assert "labels" in units.columns and any(c.startswith("p_") for c in units.columns)


def test_page_is_self_contained(page):
    assert "<link" not in page
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", page)
    assert "url(http" not in page
    imgs = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert len(imgs) >= len(FIGURES)
    assert all(src.startswith("data:image/svg+xml;base64,") for src in imgs)


def test_page_has_summary_change_chart_and_topics(page):
    assert "Themes per report" in page and "宝山区教育局" in page
    assert 'alt="emphasis_change"' in page
    assert "2021 vs 2024" in page and "not a trend" in page
    assert "Topics / LDA" in page
    for theme in ("普法宣传", "校园安全", "行政执法", "放管服"):
        assert theme in page
    assert re.search(r"\d+% \[\d+, \d+\]", page)  # shares with intervals


def test_embedded_font_covers_every_character_of_the_page(page):
    from fontTools.ttLib import TTFont

    m = re.search(r"url\(data:font/otf;base64,([A-Za-z0-9+/=]+)\)", page)
    assert m, "no embedded font"
    font = TTFont(io.BytesIO(base64.b64decode(m.group(1))))
    cmap = font.getBestCmap()
    text = re.sub(r"data:[^\"')]+", "", page)
    missing = {ch for ch in text if ord(ch) > 126 and ord(ch) not in cmap and not ch.isspace()}
    assert missing == set()
    assert len(m.group(1)) < 2_000_000  # a subset, not the whole 16 MB font


def _mask(page: str) -> str:
    return re.sub(r"generated \S+ by", "generated TIME by", page)


def test_report_is_deterministic_apart_from_timestamp(out_dir, page, tmp_path):
    study = run_study(CORPUS, progress=False)
    again = write_report(study, tmp_path / "again")
    assert _mask(again.read_text(encoding="utf-8")) == _mask(page)
    for name in FIGURES:
        for ext in ("png", "svg"):
            assert ((tmp_path / "again" / "figures" / f"{name}.{ext}").read_bytes()
                    == (out_dir / "figures" / f"{name}.{ext}").read_bytes()), (name, ext)
    for table in ("emphasis_change", "topic_table", "keyness"):
        assert ((tmp_path / "again" / "tables" / f"{table}.csv").read_bytes()
                == (out_dir / "tables" / f"{table}.csv").read_bytes()), table
    stamped = render_html(study, timestamp="2030-01-01T00:00:00")
    assert stamped.count("generated 2030-01-01T00:00:00 by") == 1


def test_hand_labels_instead_of_model(tmp_path):
    out = tmp_path / "hand"
    labels = CORPUS / "labels" / "seed_units.csv"
    assert cli.main(["report", str(CORPUS / "reports"), "--labels", str(labels), "--n-boot",
                     "200", "--seed", "3", "-o", str(out), "-q"]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "themes 普法宣传、校园安全、行政执法、放管服 (其他 = none of them), hand labels from " \
           "seed_units.csv" in page
    change = pd.read_csv(out / "tables" / "emphasis_change.csv", encoding="utf-8-sig")
    assert len(change) == 5


def test_incomplete_labels_file_exits_2_naming_it(tmp_path, capsys):
    labels = tmp_path / "few.csv"
    labels.write_text("unit_id,text,labels\nbaoshan_2021-003,按照要求做好行政审批事项确认工作,放管服\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["report", str(CORPUS / "reports"), "--labels", str(labels), "-o",
                     str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "few.csv" in err and "no label" in err
    assert not (out / "report.html").exists()


def test_bad_corpus_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["report", str(tmp_path / "missing"), "-o", str(out), "-q"]) == 2
    assert "missing" in capsys.readouterr().err
    assert not (out / "report.html").exists()


def _chromium():
    if CHROMIUM is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed (make test installs Debian's chromium)")
        pytest.skip("chromium not installed; `make test` installs it")
    return CHROMIUM


def _screenshot(page: Path, shot: Path, size: str):
    import matplotlib.image as mpimg

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    try:
        subprocess.run(
            [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", f"--screenshot={shot}",
             f"--window-size={size}", page.resolve().as_uri()],
            check=True, capture_output=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return mpimg.imread(shot)[..., :3]


def test_screenshot_in_headless_chromium(out_dir, tmp_path):
    import numpy as np

    img = _screenshot(out_dir / "report.html", tmp_path / "shot.png", "1280,2000")
    assert img.shape[:2] == (2000, 1280)
    ink = img.mean(axis=2) < 0.6
    assert ink.mean() > 0.01  # text and figures drawn, not a blank page
    assert ink[:100].mean() > 0.002  # the headline
    assert (np.ptp(img, axis=2) > 0.3).mean() > 0.001  # coloured bars and points of the figures


def test_chromium_draws_the_chinese_glyphs_of_the_page(page, tmp_path):
    """Four different characters in the page's own font: four different glyphs, not tofu boxes."""
    import numpy as np

    style = re.search(r"<style>.*?</style>", page, re.S).group(0)
    probe = tmp_path / "probe.html"
    probe.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8">{style}</head>'
                     '<body style="margin:0;padding:20px">'
                     '<div style="font-size:96px;line-height:1;white-space:nowrap">法治宣传'
                     "</div></body></html>", encoding="utf-8")
    ink = _screenshot(probe, tmp_path / "probe.png", "600,200").mean(axis=2) < 0.5
    cols = np.flatnonzero(ink.any(axis=0))
    assert len(cols), "nothing drawn"
    left, width = 20, 96  # padding; one em per character
    cells = [ink[:, left + i * width: left + (i + 1) * width] for i in range(4)]
    assert all(c.mean() > 0.01 for c in cells)
    for i in range(4):
        for j in range(i + 1, 4):
            assert (cells[i] != cells[j]).mean() > 0.02, (i, j)


def _copies(tmp_path: Path, plan: list[tuple[str, int, str, str]]) -> Path:
    """A corpus of copies of the two bundled reports: (source, year, agency, agency_type)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    rows = ["report_id,agency,agency_type,region,year,title,file"]
    for i, (src, year, agency, kind) in enumerate(plan):
        name = f"{src}_{i:02d}.txt"
        shutil.copy(CORPUS / "reports" / f"{src}.txt", folder / name)
        rows.append(f"{src}_{i:02d},{agency},{kind},x,{year},{src},{name}")
    (folder / "reports.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def _labels_by_unit(folder: Path, out: Path) -> Path:
    """Hand labels of the copies: each copy's units carry the seed labels of its source."""
    import nlp
    from nlp.labels import read_labels

    gold = read_labels(CORPUS / "labels" / "seed_units.csv")
    by_id = dict(zip(gold["unit_id"], gold["labels"]))
    units = nlp.load_corpus(folder).units(progress=False)
    src = units["unit_id"].str.replace(r"_\d\d-", "-", regex=True)
    pd.DataFrame({"unit_id": units["unit_id"], "text": units["text"],
                  "labels": [";".join(by_id[s]) or "其他" for s in src]}).to_csv(out, index=False)
    return out


def test_several_reports_per_year_resample_reports(tmp_path):
    plan = [(src, year, agency, "教育") for src, year, agency in
            (("baoshan_2021", 2021, "宝山区教育局"), ("tieshan_2024", 2024, "开发区·铁山区教育局"))
            for _ in range(3)]
    folder = _copies(tmp_path, plan)
    labels = _labels_by_unit(folder, tmp_path / "labels.csv")
    study = run_study(folder, labels=labels, n_boot=200, progress=False)
    assert study.notes["caveat"].startswith("6 reports from 2 years (3 reports per year)")
    assert "not a trend" not in study.notes["caveat"]
    year = study.tables["shares_by_year"]
    assert (year["resampled"] == "report_id").all() and (year["n_reports"] == 3).all()
    assert "not a trend" not in study.notes["emphasis_change"]
    assert "2021 (3 reports) → 2024 (3 reports)" in study.notes["emphasis_change"]
    # identical copies: resampling reports gives zero-width year intervals
    assert (year["ci_high"] - year["ci_low"]).abs().max() < 1e-12


_MANY = [(("baoshan_2021", "tieshan_2024")[i % 2], 2021 + i % 4, f"第{i}局",
          ("公安", "司法")[i // 8]) for i in range(16)]


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """`fazhi report` on 16 reports: 4 years × 4 reports, two agency types, 16 agencies."""
    import warnings

    tmp = tmp_path_factory.mktemp("many")
    folder = _copies(tmp, _MANY)
    out = tmp / "out"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cli.main(["report", str(folder), "-o", str(out), "-q", "--n-boot", "300"]) == 0
    return out, (out / "report.html").read_text(encoding="utf-8"), caught


@pytest.mark.slow
def test_page_reads_as_a_study_of_many_reports(many):
    out, page, caught = many
    text = re.sub(r"<[^>]+>", " ", re.sub(r"data:[^\"')]+", "", page))
    for two_report_words in ("two cases", "Two reports", "not a trend", "one report by one"):
        assert two_report_words not in text
    assert "16 reports from 4 years (4 reports per year) and 2 agency types" in text
    assert not re.search(r"20\d\d\.0\b", text) and "None" not in text and "<NA>" not in text
    for section in ("Theme shares by year", "Theme shares by agency type",
                    "Prevalence regression", "Methods", "intra-class correlation",
                    "Multiple comparisons", "Topic prevalence by year"):
        assert section in text, section
    assert [str(w.message) for w in caught if "layout" in str(w.message)] == []
    by_year = pd.read_csv(out / "tables" / "shares_by_year.csv", encoding="utf-8-sig")
    assert list(by_year.columns[:8]) == ["year", "theme", "share", "ci_low", "ci_high",
                                         "n_reports", "n_units", "estimator"]
    assert by_year["year"].tolist()[:5] == [2021] * 5 and (by_year["n_reports"] == 4).all()
    assert by_year["ci_low"].notna().all() and (by_year["interval"] == "t").all()
    profile = pd.read_csv(out / "tables" / "section_profile.csv", encoding="utf-8-sig")
    assert "report_id" not in profile.columns  # pooled over 16 reports, not 16 blocks
    fx = pd.read_csv(out / "tables" / "prevalence_regression.csv", encoding="utf-8-sig")
    assert set(fx["variable"]) >= {"year"} and (fx["n_clusters"] == 16).all()
    for name in ("shares_by_year", "shares_by_agency_type", "prevalence_regression"):
        assert (out / "figures" / f"{name}.svg").is_file(), name
    prev = pd.read_csv(out / "tables" / "topic_prevalence.csv", encoding="utf-8-sig")
    assert "year" in prev.columns and "agency" not in prev.columns


@pytest.mark.slow
def test_screenshot_of_many_reports(many, tmp_path):
    out, _, _ = many
    img = _screenshot(out / "report.html", tmp_path / "many.png", "1200,3000")
    ink = img.mean(axis=2) < 0.6
    assert ink.mean() > 0.01 and ink[:100].mean() > 0.002


@pytest.mark.slow
def test_random_validation_sample_corrects_the_shares(many, tmp_path, capsys):
    folder = many[0].parent / "corpus"
    sample = tmp_path / "sample.csv"
    assert cli.main(["sample", str(folder), "--strategy", "random", "--strata", "agency_type",
                     "--allocation", "equal", "-n", "60", "-o", str(sample), "-q"]) == 0
    drawn = pd.read_csv(sample, encoding="utf-8-sig", keep_default_na=False)
    assert {"weight", "model_labels", "labels", "agency_type"} <= set(drawn.columns)
    assert drawn.groupby("agency_type").size().to_dict() == {"公安": 30, "司法": 30}
    assert "margin" not in drawn.columns
    # the hand labeller disagrees with the model on about every fifth text (copies of one
    # text get the same label)
    hand = [("其他" if m else "普法宣传") if len(t) % 5 == 0 else (m or "其他")
            for t, m in zip(drawn["text"], drawn["model_labels"])]
    drawn.assign(labels=hand).to_csv(tmp_path / "labelled.csv", index=False)
    out = tmp_path / "out"
    assert cli.main(["report", str(folder), "-o", str(out), "-q", "--n-boot", "200",
                     "--validation", str(tmp_path / "labelled.csv")]) == 0
    rates = pd.read_csv(out / "tables" / "validation_rates.csv", encoding="utf-8-sig")
    assert (rates["n_validation"] == 60).all() and (rates["source"] == "labelled.csv").all()
    by_year = pd.read_csv(out / "tables" / "shares_by_year.csv", encoding="utf-8-sig")
    assert (by_year["estimator"] == "acc").all() and "raw_share" in by_year.columns
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "(raw " in page and "Classifier error" in page and "labelled.csv" in page
    # uncertainty sampling is for retraining: it cannot be stratified like a validation sample
    assert cli.main(["sample", str(folder), "--strata", "agency_type", "-o",
                     str(tmp_path / "x.csv"), "-q"]) == 2
    assert "random" in capsys.readouterr().err
