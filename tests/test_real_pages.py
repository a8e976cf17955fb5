"""Saved pages as researchers meet them: metadata in many places, headings of many
conventions, link-broken lines, pages with no report, Windows and old Mac files.

Every text here is written for the test, modelled on the conventions of real
pages (site names, breadcrumbs, disclosure blocks, split titles, signatures).
"""

from __future__ import annotations

import pytest

import nlp
from nlp.ingest.clutter import parse_meta_line
from nlp.ingest.divisions import find_region
from nlp.ingest.layout import join_fragments
from nlp.ingest.metadata import agency_type_of
from nlp.segment import segment_spans

BODY = ("一、{year}年度推进法治政府建设的主要举措和成效\n"
        "一是健全依法决策机制,全年审查规范性文件12件。二是深化普法宣传,开展宪法宣传周活动8场。\n"
        "二、存在的不足和原因\n"
        "执法人员专业能力有待提升,行政复议应诉工作还有短板。\n"
        "三、{next}年工作计划\n"
        "下一步,我们将持续推进严格规范公正文明执法,深化“放管服”改革。\n")


def _read(tmp_path, text: str, name: str = "page.txt", encoding: str = "utf-8"):
    f = tmp_path / name
    f.write_bytes(text.encode(encoding))
    return nlp.read_report(f)


def test_title_after_site_name_breadcrumb_and_disclosure_block(tmp_path):
    page = ("某省人民政府门户网站 | 无障碍 | 简体\n"
            "您现在所在的位置:首页 > 政务公开 > 法治政府建设年度报告\n"
            "[ 索引号 ] 11330000/2024-00012 [ 主题分类 ] 司法\n"
            "[ 发布机构 ] 嘉兴市南湖区司法局 [ 成文日期 ] 2024-02-20\n"
            "嘉兴市南湖区司法局关于2023年度法治政府建设情况的报告\n"
            "区委、区政府:\n"
            "2023年,在区委、区政府的坚强领导下,我局坚持以习近平法治思想为指导。\n"
            + BODY.format(year=2023, next=2024))
    r = _read(tmp_path, page)
    assert r.title == "嘉兴市南湖区司法局关于2023年度法治政府建设情况的报告"
    assert (r.agency, r.year, r.region) == ("嘉兴市南湖区司法局", 2023, "浙江省嘉兴市南湖区")
    assert (r.agency_type, r.published) == ("司法", "2024-02-20")
    assert r.metadata_source["agency"] == "title" and r.metadata_source["year"] == "title"
    assert r.metadata_source["published"] == "disclosure field"
    for furniture in ("门户网站", "索引号", "您现在所在的位置", "区委、区政府:"):
        assert furniture not in r.text


def test_title_split_over_two_lines(tmp_path):
    r = _read(tmp_path, "桐乡市农业农村局\n关于2022年度法治政府建设工作情况的报告\n"
                        "2022年,我局深入推进依法行政,严格规范执法。\n" + BODY.format(year=2022,
                                                                           next=2023))
    assert r.title == "桐乡市农业农村局关于2022年度法治政府建设工作情况的报告"
    assert (r.agency, r.year, r.agency_type) == ("桐乡市农业农村局", 2022, "农业农村")


@pytest.mark.parametrize("opening,agency,source", [
    ("2023年,在县委、县政府的坚强领导下,德清县教育局深入开展法治政府建设。",
     "德清县教育局", "opening sentence"),
    ("2023年,在市委市政府领导下和省厅指导下,县市场监管局以依法行政为基本要求,扎实开展工作。",
     "县市场监管局", "opening sentence"),
    ("2023年,民政部党组坚持以习近平法治思想为指导,推动法治政府建设取得新成效。",
     "民政部", "opening sentence"),
    ("根据有关要求,现将市人社局2023年法治政府建设情况报告如下。",
     "市人社局", "opening sentence"),
    ("按照有关要求,市发展改革委对2023年法治政府建设情况进行了认真总结。",
     "市发展改革委", "opening sentence"),
    ("2023年,我局依法履职。全年印发《临海市卫生健康局2023年普法工作要点》,推动工作落实。",
     "临海市卫生健康局", "body"),
])
def test_agency_from_the_opening_sentence(tmp_path, opening, agency, source):
    r = _read(tmp_path, opening + "\n" + BODY.format(year=2023, next=2024))
    assert (r.agency, r.metadata_source.get("agency")) == (agency, source)


def test_agency_from_disclosure_field_and_signature(tmp_path):
    r = _read(tmp_path, "发文单位:临海市卫生健康局\n"
                        "2023年,我局认真落实法治政府建设各项任务,成效明显。\n"
                        + BODY.format(year=2023, next=2024) + "临海市卫生健康局\n2024年1月15日\n")
    assert r.agency == "临海市卫生健康局"
    assert r.region == "浙江省台州市临海市"
    assert not r.text.rstrip().endswith("2024年1月15日")


def test_a_government_report_names_its_place(tmp_path):
    r = _read(tmp_path, "2023年萧山区法治政府建设情况报告\n"
                        "2023年,萧山区坚持以习近平法治思想为指导,全面建设法治政府。\n")
    assert (r.agency, r.agency_type, r.region) == ("萧山区人民政府", "人民政府", "浙江省杭州市萧山区")


@pytest.mark.parametrize("opening,year", [
    ("2019年以来,我局持续推进依法行政。现将2023年度工作情况报告如下:", 2023),  # not …以来
    ("今年以来,我局深入推进法治建设。", None),
    ("我局对2021年度法治政府建设工作情况进行了认真总结,现报告如下:", 2021),
])
def test_covered_year_from_the_opening_never_from_yilai(tmp_path, opening, year):
    r = _read(tmp_path, opening + "\n" + BODY.format(year=2020, next=2099).replace(
        "一、2020年度", "一、").replace("三、2099年", "三、明年"))
    assert r.year == year


def test_covered_year_never_from_a_plans_heading(tmp_path):
    r = _read(tmp_path, "我局法治政府建设工作开展情况如下:\n" + BODY.format(year="", next=2024)
              .replace("一、年度", "一、"))
    assert r.year is None


def test_work_report_title_covers_the_year_before():
    from nlp.ingest.metadata import infer_metadata

    m = infer_metadata("2007年国务院政府工作报告", "各位代表:现在,我代表国务院作政府工作报告。", {})
    assert (m.year, m.source["year"]) == (2006, "title")


def test_year_from_publication_date_is_marked_weak(tmp_path):
    r = _read(tmp_path, "发布日期:2023-03-10\n我局扎实推进法治政府建设,依法履行职责,成效明显。\n")
    assert (r.year, r.metadata_source["year"]) == (2022, "publication date")


def test_reports_csv_wins_and_says_so(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text("2023年,德清县教育局深入开展普法宣传,成效明显。\n", encoding="utf-8")
    (folder / "reports.csv").write_text("file,agency,year\na.txt,德清县教育局(更正),2022\n",
                                        encoding="utf-8")
    (r,) = list(nlp.load_corpus(folder))
    assert (r.agency, r.year) == ("德清县教育局(更正)", 2022)
    assert r.metadata_source["agency"] == r.metadata_source["year"] == "reports.csv"
    assert r.metadata_source["region"] == "agency"


@pytest.mark.parametrize("line,fields", [
    ("[ 发布机构 ] 市卫生健康委 [ 成文日期 ] 2021-01-11", {"发布机构": "市卫生健康委",
                                                      "成文日期": "2021-01-11"}),
    ("某县人民政府网站 发布时间:2025-12-31 16:33", {"站点": "某县人民政府网站",
                                                 "发布时间": "2025-12-31 16:33"}),
    ("信息来源:某县司法局 | 浏览次数:", {"信息来源": "某县司法局", "浏览次数": ""}),
])
def test_disclosure_lines(line, fields):
    assert parse_meta_line(line) == fields


def test_no_disclosure_line_inside_prose():
    assert parse_meta_line("来源:群众来信反映的问题,我们逐件办理。") is None


def test_regions_are_checked_against_the_division_list():
    assert find_region(["重庆市武隆区交通局"]).name == "重庆市武隆区"
    assert find_region(["广州市公安局增城区分局"]).name == "广东省广州市增城区"
    assert find_region(["宝山区教育局"], ["上海市宝山区人民政府网站"]).name == "上海市宝山区"
    assert find_region(["宝山区教育局"]) is None  # two 宝山区: ambiguous without context
    assert find_region(["某某局"]) is None


@pytest.mark.parametrize("name,kind", [("德清县教育局", "教育"), ("市场监督管理局", "市场监管"),
                                       ("退役军人事务局", "退役军人"), ("萧山区人民政府", "人民政府"),
                                       ("国家档案局", "其他")])
def test_agency_types(name, kind):
    assert agency_type_of(name) == kind


# --------------------------------------------------------------------------- roles

@pytest.mark.parametrize("heading,role", [
    ("一、2022年度推进法治政府建设的主要举措和成效", "measures"),
    ("一、2022年法治政府建设工作开展情况", "measures"),
    ("一、2022年工作回顾", "measures"),
    ("一、主要做法", "measures"),
    ("二、存在的不足和原因", "problems"),
    ("二、存在问题及下一步打算", "problems"),
    ("三、2023年工作计划", "plans"),
    ("三、下一步工作安排", "plans"),
    ("四、2024年推进法治政府建设的主要安排", "plans"),
    ("三、党政主要负责人履行推进法治建设第一责任人职责情况", "leadership"),
])
def test_roles_follow_the_headings_meaning(heading, role):
    r = nlp.Report("r", None, None, None, 2022, f"{heading}\n全年组织培训3次,提升依法行政能力。",
                   "r.txt")
    assert nlp.segment(r)["role"].tolist() == [role]


def test_thematic_sections_before_the_problems_are_measures():
    text = ("一、深入学习贯彻习近平法治思想\n组织专题学习6次。\n"
            "二、严格规范公正文明执法\n开展执法检查20次。\n"
            "三、存在的问题\n执法力量不足。\n"
            "四、其他事项\n无。\n")
    units = nlp.segment(nlp.Report("r", None, None, None, 2022, text, "r.txt"))
    assert units["role"].tolist() == ["measures", "measures", "problems", "other"]


# --------------------------------------------------------------------------- fragments

LINK_BROKEN = ("一、主要举措\n依据《\n行政处罚法\n》、《\n行政许可法\n》等规定,全年办理案件\n"
               "12\n件,罚没款\n3.5\n万元。\n二是开展普法宣传。")


def test_link_broken_lines_are_joined():
    joined = join_fragments(LINK_BROKEN)
    assert "依据《行政处罚法》、《行政许可法》等规定,全年办理案件12件,罚没款3.5万元。" in joined
    assert joined.replace("\n", "") == LINK_BROKEN.replace("\n", "")  # nothing lost


def test_no_unit_is_a_fragment(tmp_path):
    r = _read(tmp_path, LINK_BROKEN)
    units = nlp.segment(r)
    assert (units["text"].str.len() >= 8).all(), units["text"].tolist()
    spans = segment_spans(r.text)
    assert "".join(s.text for s in spans).replace(" ", "") == r.text.replace("\n", "").replace(
        " ", "")


def test_headings_and_dates_are_not_fragments():
    text = "一、总体情况\n全年办案12件。\n2024年1月5日"
    assert join_fragments(text) == text


# --------------------------------------------------------------------------- bad input

def test_a_page_of_links_has_no_body_and_no_units(tmp_path, caplog):
    page = "某区政务公开\n法治政府建设年度报告\n2023年法治政府建设情况报告\n2022年法治政府建设情况报告\n下一页\n"
    with caplog.at_level("WARNING", logger="nlp"):
        r = _read(tmp_path, page, name="list.txt")
    assert r.body_found is False
    assert nlp.segment(r).empty
    assert "list.txt" in caplog.text and "no report body" in caplog.text


def test_corpus_summary_flags_missing_fields_and_bodies(tmp_path, caplog):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "good.txt").write_text("2023年,德清县教育局深入开展普法宣传,成效明显。\n", encoding="utf-8")
    (folder / "links.txt").write_text("首页\n政务公开\n法治政府建设年度报告\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="nlp"):
        summary = nlp.load_corpus(folder).summary()
    rows = summary.set_index("report_id")
    assert rows.loc["good", "agency"] == "德清县教育局" and bool(rows.loc["good", "body_found"])
    assert not bool(rows.loc["links", "body_found"])
    assert "agency" in rows.loc["links", "missing"]
    assert rows.loc["good", "year_source"] == "opening sentence"
    assert "links.txt" in caplog.text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_windows_unicode_export_reads_like_utf8(tmp_path, encoding):
    text = "2023年,德清县教育局深入开展普法宣传,成效明显。\n一是加强领导;二是健全制度。\n"
    original = _read(tmp_path, text, name="a.txt")
    if encoding == "utf-16":
        data = text.encode("utf-16")
    else:
        codec = "utf-16-le" if "le" in encoding else "utf-16-be"
        bom = b"\xff\xfe" if "le" in encoding else b"\xfe\xff"
        data = bom + text.encode(codec)
    f = tmp_path / "b.txt"
    f.write_bytes(data)
    r = nlp.read_report(f)
    assert (r.text, r.agency, r.year) == (original.text, original.agency, original.year)


def test_old_mac_cr_only_file_reads_like_its_original(tmp_path):
    text = "2023年,德清县教育局深入开展普法宣传,成效明显。\n一、主要举措\n一是加强领导;二是健全制度。\n"
    original = _read(tmp_path, text, name="a.txt")
    r = _read(tmp_path, text.replace("\n", "\r"), name="b.txt")
    assert r.text == original.text
    assert nlp.segment(r)["text"].tolist() == nlp.segment(original)["text"].tolist()


def test_cli_corpus_init_writes_reports_csv_with_sources(tmp_path, capsys):
    from nlp.cli import main

    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text("德清县教育局关于2023年度法治政府建设情况的报告\n"
                                  "2023年,我局深入开展普法宣传,成效明显。\n", encoding="utf-8")
    (folder / "links.txt").write_text("首页\n政务公开\n法治政府建设年度报告\n", encoding="utf-8")
    assert main(["corpus", "init", str(folder), "-q"]) == 0
    import pandas as pd

    table = pd.read_csv(folder / "reports.csv", encoding="utf-8-sig", keep_default_na=False)
    row = table.set_index("file").loc["a.txt"]
    assert (row["agency"], int(row["year"]), row["agency_source"]) == ("德清县教育局", 2023, "title")
    assert main(["corpus", "init", str(folder), "-q"]) == 2  # never overwrites a corrected table
    assert "never overwritten" in capsys.readouterr().err
    # the corrected table wins, its note columns are ignored
    table.loc[table["file"] == "a.txt", "agency"] = "德清县教育局(核)"
    table.to_csv(folder / "reports.csv", index=False, encoding="utf-8-sig")
    (r,) = [r for r in nlp.load_corpus(folder) if r.report_id == "a"]
    assert (r.agency, r.metadata_source["agency"]) == ("德清县教育局(核)", "reports.csv")
    assert main(["corpus", "summary", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "links" in out and "1 with a missing or weak field or no body" in out
