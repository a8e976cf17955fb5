"""Reading reports: formats, encodings, clutter, metadata, bad input."""

from __future__ import annotations

import pytest

import nlp
from nlp import InputError, read_report
from nlp.ingest import decode_bytes, normalize_text, strip_clutter


def test_bundled_reports_metadata_inferred(baoshan_path, tieshan_path):
    b = read_report(baoshan_path)
    # the title names the agency, the signature its full name; the title gives the year
    assert (b.agency, b.year, b.region) == ("上海市宝山区教育局", 2021, "上海市宝山区")
    assert (b.metadata_source["agency"], b.metadata_source["year"]) == ("signature", "title")
    assert (b.published, b.agency_type, b.body_found) == ("2022-02-14", "教育", True)
    assert b.title == "宝山区教育局2021年度法治政府建设情况报告"
    t = read_report(tieshan_path)
    assert (t.agency, t.year) == ("开发区·铁山区教育局", 2024)
    assert t.text.startswith("开发区·铁山区教育局坚持")


def test_saved_page_clutter_and_metadata_removed(baoshan_path):
    text = read_report(baoshan_path).text
    for clutter in ("文件预览", "附件下载", "相关文章", "当前页二维码", "字号", "所属类目",
                    "发布日期", "人民政府门户网站", "信息来源"):
        assert clutter not in text, clutter
    assert text.startswith("2021年,我局在区委、区政府的领导下")
    assert text.endswith("推动教育优质均衡发展。")


def test_overrides_win(tieshan_path):
    r = read_report(tieshan_path, agency="某局", year=2023, region="湖北省黄石市", report_id="x")
    assert (r.agency, r.year, r.region, r.report_id) == ("某局", 2023, "湖北省黄石市", "x")
    with pytest.raises(TypeError, match="unknown override"):
        read_report(tieshan_path, agenc="typo")


def test_year_from_publication_date_when_text_has_none(tmp_path):
    f = tmp_path / "r.txt"
    f.write_text("发布日期: 2023-03-01\n我局坚持依法行政,深入推进法治政府建设。", encoding="utf-8")
    assert read_report(f).year == 2022


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_encodings_round_trip(tmp_path, tieshan_path, encoding):
    original = read_report(tieshan_path)
    raw = tieshan_path.read_text(encoding="utf-8").replace("\n", "\r\n")
    f = tmp_path / "r.txt"
    f.write_bytes(raw.encode(encoding))
    assert read_report(f).text == original.text


def test_big5_traditional_is_read_and_simplified(tmp_path, tieshan_path):
    from opencc import OpenCC

    simplified = read_report(tieshan_path).text
    trad = OpenCC("s2tw").convert(tieshan_path.read_text(encoding="utf-8"))
    f = tmp_path / "big5.txt"
    f.write_bytes(trad.encode("big5", errors="replace"))
    got = read_report(f).text
    same = sum(a == b for a, b in zip(got, simplified))
    assert same / len(simplified) > 0.97
    assert "健全依法行政工作机制" in got and "依法治教" in got


def test_normalisation():
    assert normalize_text("建設(shè)法治政府２０２１年ＡＢ\r\n") == "建设法治政府2021年AB\n"
    assert normalize_text("推进(2021 版)目录(PDF)") == "推进(2021 版)目录(PDF)"


def test_strip_clutter_reads_metadata():
    body, meta = strip_clutter("当前位置: 首页 > 政务公开\n索引号: 123\n发文机关: 某区教育局\n正文内容。")
    assert body.strip() == "正文内容。"
    # the breadcrumb is kept as "页面": it often names the site, and so the place
    assert meta == {"索引号": "123", "发文机关": "某区教育局", "页面": "当前位置: 首页 > 政务公开"}


def test_html_page(tmp_path):
    page = """<html><head><title>某县教育局2022年法治政府建设情况报告_某县人民政府</title>
    <script>alert('x')</script><style>p{}</style></head><body>
    <nav>首页 | 政务公开</nav><div class="crumb">当前位置:首页 &gt; 法治政府</div>
    <table><tr><td>索引号: 001</td></tr><tr><td>发布日期: 2023-01-20</td></tr></table>
    <p>2022年,某县教育局坚持依法治教,建設(shè)法治政府。</p>
    <p>一、主要举措</p><p>一是加强普法宣传;二是规范行政执法。</p>
    <footer>版权所有 某县人民政府 鄂ICP备12345号</footer></body></html>"""
    f = tmp_path / "page.html"
    f.write_text(page, encoding="gb18030")
    r = read_report(f)
    assert r.title == "某县教育局2022年法治政府建设情况报告"
    assert r.year == 2022 and r.agency == "某县教育局"
    assert "alert" not in r.text and "版权所有" not in r.text and "当前位置" not in r.text
    assert "建设法治政府" in r.text and "(shè)" not in r.text
    assert len(nlp.segment(r)) == 3


def test_docx(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("某区教育局2023年法治政府建设情况报告")
    d.add_paragraph("一、主要举措和成效")
    d.add_paragraph("(一)深化放管服改革。一是推行一网通办;二是落实证照分离。")
    f = tmp_path / "r.docx"
    d.save(f)
    r = read_report(f)
    assert r.year == 2023 and r.agency == "某区教育局"
    units = nlp.segment(r)
    assert units["text"].tolist() == ["一是推行一网通办;", "二是落实证照分离。"]


def test_pdf(tmp_path):
    import os

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplfonts
    from matplotlib.font_manager import FontProperties

    font = os.path.join(os.path.dirname(mplfonts.__file__), "fonts", "SimHei.ttf")
    with plt.rc_context({"pdf.fonttype": 42}):
        fig = plt.figure()
        fig.text(0.05, 0.5, "某局2024年法治政府建设情况报告\n一、工作开展情况\n我局深入推进\n法治政府建设。",
                 fontproperties=FontProperties(fname=font))
        f = tmp_path / "r.pdf"
        fig.savefig(f)
        plt.close(fig)
    r = read_report(f)
    assert "我局深入推进法治政府建设。" in r.text  # broken PDF lines are re-joined
    assert r.year == 2024


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n ", "no Chinese body text"),
        ("bin.txt", b"\x00\x01\x02binary\x00" * 20, "binary file"),
        ("bad.rtf", "报告".encode(), "unsupported file type"),
        ("nav.html", "<html><body><nav>首页</nav></body></html>".encode(), "no Chinese body"),
        ("garbage.txt", bytes(range(128, 256)) * 40, "cannot decode"),
        ("broken.docx", b"PK\x03\x04not a zip", "not a valid .docx"),
        ("broken.pdf", b"%PDF-1.4 garbage", "PDF"),
    ],
)
def test_bad_files_name_the_file(tmp_path, name, content, message):
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        read_report(f)
    assert str(f) in str(info.value)


def test_missing_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_report(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="directory"):
        read_report(tmp_path)


def test_decode_bytes_prefers_plausible_chinese():
    text = "深入推进依法治教,全面加强法治宣传教育和校园安全管理工作。" * 5
    assert decode_bytes(text.encode("gb18030")) == text


def test_load_corpus_is_restartable(corpus_dir):
    corpus = nlp.load_corpus(corpus_dir / "reports")
    assert len(corpus) == 2
    first = [r.report_id for r in corpus]
    assert first == [r.report_id for r in corpus] == ["baoshan_2021", "tieshan_2024"]
    reports = {r.report_id: r for r in corpus}
    assert reports["tieshan_2024"].region == "湖北省黄石市"  # from reports.csv
    units = corpus.units(progress=False)
    assert {"agency", "year", "region"} <= set(units.columns)
    assert units.groupby("report_id").size().to_dict() == {"baoshan_2021": 24, "tieshan_2024": 21}


def test_load_corpus_without_csv(tmp_path, tieshan_path):
    (tmp_path / "a.txt").write_bytes(tieshan_path.read_bytes())
    corpus = nlp.load_corpus(tmp_path)
    (r,) = list(corpus)
    assert r.report_id == "a" and r.year == 2024
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no report files"):
        nlp.load_corpus(empty)
    with pytest.raises(InputError, match="not a folder"):
        nlp.load_corpus(tmp_path / "missing")


def test_reports_csv_says_which_files_are_reports(tmp_path, tieshan_path):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "a.txt").write_bytes(tieshan_path.read_bytes())
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "NOTES.md").write_text("说明:这些是标注文件,不是报告。", encoding="utf-8")
    (tmp_path / "reports.csv").write_text("report_id,file\nts,a.txt\n", encoding="utf-8")
    assert [r.report_id for r in nlp.load_corpus(tmp_path)] == ["ts"]
    from nlp.corpus import expand_paths

    assert [f.name for f, _ in expand_paths([tmp_path])] == ["a.txt"]
