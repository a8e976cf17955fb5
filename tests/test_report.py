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

FIGURES = ("theme_shares", "emphasis_change", "section_profile", "keyness", "topic_prevalence")
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
            "keyness", "topic_table", "topic_prevalence", "unit_themes"} <= tables
    change = pd.read_csv(out_dir / "tables" / "emphasis_change.csv", encoding="utf-8-sig")
    assert {"theme", "diff", "ci_low", "ci_high"} <= set(change.columns)
    assert ((change["ci_low"] <= change["diff"]) & (change["diff"] <= change["ci_high"])).all()
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
    assert "themes hand labels from seed_units.csv" in page
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


def test_several_reports_per_year_resample_reports(tmp_path):
    from nlp.labels import read_labels
    from nlp.report import CAVEAT_CLUSTERED

    folder = tmp_path / "corpus"
    folder.mkdir()
    rows = ["report_id,agency,region,year,title,file"]
    for src, year, agency in (("baoshan_2021", 2021, "宝山区教育局"),
                              ("tieshan_2024", 2024, "开发区·铁山区教育局")):
        for copy in ("a", "b"):
            name = f"{src}_{copy}.txt"
            shutil.copy(CORPUS / "reports" / f"{src}.txt", folder / name)
            rows.append(f"{src}_{copy},{agency},x,{year},{src},{name}")
    (folder / "reports.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    by_text = tmp_path / "labels.csv"
    gold = read_labels(CORPUS / "labels" / "seed_units.csv")
    pd.DataFrame({"text": gold["text"], "labels": [";".join(t) for t in gold["labels"]]}).to_csv(
        by_text, index=False)
    study = run_study(folder, labels=by_text, n_boot=200, progress=False)
    assert study.notes["caveat"] == CAVEAT_CLUSTERED
    assert (study.tables["theme_shares_year"]["resampled"] == "report_id").all()
    assert "not a trend" not in study.notes["emphasis_change"]
    # identical copies: resampling reports gives zero-width year intervals
    year = study.tables["theme_shares_year"]
    assert (year["ci_high"] - year["ci_low"]).abs().max() < 1e-12
