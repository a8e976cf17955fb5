"""Tests of nlp.compare: theme shares, bootstrap intervals, change, section profile, keyness."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import CORPUS
from scipy import stats

from nlp import compare
from nlp.compare import emphasis_change, keyness, section_profile, theme_matrix, theme_shares

THEMES = ("普法宣传", "校园安全", "行政执法", "放管服")


@pytest.fixture()
def toy() -> pd.DataFrame:
    return pd.DataFrame({
        "report_id": ["r1"] * 4 + ["r2"] * 5,
        "year": [2021] * 4 + [2024] * 5,
        "agency": ["甲局"] * 4 + ["乙局"] * 5,
        "role": ["measures", "measures", "problems", "plans",
                 "measures", "measures", "measures", "problems", "plans"],
        "text": ["开展宪法宣传周", "排查校园安全隐患并整改", "普法形式单一", "推进一网通办",
                 "开展法治讲座", "开展双随机抽查", "举办模拟法庭活动", "执法队伍不足", "召开会议"],
        "labels": ["普法宣传", "校园安全", "普法宣传", "放管服",
                   "普法宣传", "行政执法;放管服", "普法宣传", "行政执法", ""],
    })


@pytest.fixture(scope="module")
def seed_units() -> pd.DataFrame:
    """The bundled units with their hand labels (corpus/labels/seed_units.csv)."""
    path = CORPUS / "labels" / "seed_units.csv"
    if not path.exists():
        pytest.skip(f"hand labels not found at {path}")
    import nlp

    units = nlp.load_corpus(CORPUS / "reports").units(progress=False)
    gold = nlp.read_labels(path)[["unit_id", "labels"]]
    return units.merge(gold, on="unit_id", how="inner", validate="one_to_one")


def test_theme_matrix_accepts_labels_strings_tuples_and_boolean_columns(toy):
    from_strings = theme_matrix(toy, THEMES)
    tuples = toy.assign(labels=[tuple(s.split(";")) if s else () for s in toy["labels"]])
    from_tuples = theme_matrix(tuples, THEMES)
    booleans = toy.drop(columns="labels").join(from_strings[list(THEMES)])
    from_bools = theme_matrix(booleans, THEMES)
    pd.testing.assert_frame_equal(from_strings, from_tuples)
    pd.testing.assert_frame_equal(from_strings, from_bools)
    assert list(from_strings.columns) == [*THEMES, "其他"]
    assert from_strings["其他"].tolist() == [False] * 8 + [True]


def test_theme_matrix_missing_labels_are_other():
    df = pd.DataFrame({"labels": pd.array(["普法宣传", pd.NA, ""], dtype="string")})
    mat = theme_matrix(df, THEMES)
    assert mat["其他"].tolist() == [False, True, True]
    df = pd.DataFrame({"labels": [("普法宣传",), None, np.nan]})
    assert theme_matrix(df, THEMES)["其他"].tolist() == [False, True, True]
    with pytest.raises(TypeError, match="labels"):
        theme_matrix(pd.DataFrame({"labels": [3]}), THEMES)


def test_theme_matrix_names_missing_columns():
    with pytest.raises(ValueError, match="missing columns"):
        theme_matrix(pd.DataFrame({"text": ["x"], "普法宣传": [True]}), THEMES)
    with pytest.raises(TypeError, match="DataFrame"):
        theme_matrix(["普法宣传"], THEMES)


def test_theme_shares_point_estimates(toy):
    s = theme_shares(toy, by="report", n_boot=0, themes=THEMES)
    got = s.set_index(["report_id", "theme"])["share"]
    assert got[("r1", "普法宣传")] == pytest.approx(2 / 4)
    assert got[("r2", "行政执法")] == pytest.approx(2 / 5)
    assert got[("r2", "其他")] == pytest.approx(1 / 5)
    assert s["ci_low"].isna().all()
    assert set(s.columns) >= {"report_id", "theme", "share", "ci_low", "ci_high", "se",
                              "n_theme", "n_units", "weight"}
    assert len(s) == 2 * 5  # tidy: one row per group and theme


def test_theme_shares_by_aliases_and_lists(toy):
    a = theme_shares(toy, by="year", n_boot=0, themes=THEMES)
    b = theme_shares(toy, by="agency", n_boot=0, themes=THEMES)
    c = theme_shares(toy, by="report", n_boot=0, themes=THEMES)
    year_of = {"甲局": 2021, "乙局": 2024}
    by_year = a.set_index(["year", "theme"])["share"]
    for _, row in b.iterrows():
        assert by_year[(year_of[row["agency"]], row["theme"])] == pytest.approx(row["share"])
    assert "report_id" in c.columns
    multi = theme_shares(toy, by=["year", "role"], n_boot=0, themes=THEMES)
    assert {"year", "role"} <= set(multi.columns)
    with pytest.raises(ValueError, match="by: column"):
        theme_shares(toy, by="province")


def test_theme_shares_char_weight(toy):
    s = theme_shares(toy, by="report", weight="chars", n_boot=0, themes=THEMES)
    r1 = toy[toy.report_id == "r1"]
    lens = r1["text"].str.len()
    expected = lens[r1["labels"].str.contains("普法宣传")].sum() / lens.sum()
    got = s.set_index(["report_id", "theme"]).loc[("r1", "普法宣传"), "share"]
    assert got == pytest.approx(expected)
    assert (s["weight"] == "chars").all()
    with pytest.raises(ValueError, match="weight"):
        theme_shares(toy, weight="tokens")


def test_bootstrap_is_seeded_and_brackets_the_estimate(toy):
    s1 = theme_shares(toy, by="year", n_boot=300, random_state=7)
    s2 = theme_shares(toy, by="year", n_boot=300, random_state=7)
    s3 = theme_shares(toy, by="year", n_boot=300, random_state=8)
    pd.testing.assert_frame_equal(s1, s2)
    assert not np.allclose(s1["se"], s3["se"])
    assert (s1["ci_low"] <= s1["share"] + 1e-12).all()
    assert (s1["share"] <= s1["ci_high"] + 1e-12).all()
    assert ((s1["ci_low"] >= 0) & (s1["ci_high"] <= 1)).all()


def test_bootstrap_interval_coverage_close_to_nominal():
    rng = np.random.default_rng(0)
    p, n, hits, reps = 0.3, 120, 0, 200
    for i in range(reps):
        units = pd.DataFrame({"report_id": "r", "普法宣传": rng.random(n) < p,
                              "校园安全": False, "行政执法": False, "放管服": False})
        s = theme_shares(units, n_boot=400, random_state=i, themes=THEMES)
        row = s[s.theme == "普法宣传"].iloc[0]
        hits += row["ci_low"] <= p <= row["ci_high"]
    assert 0.88 <= hits / reps <= 0.99


def test_cluster_bootstrap_resamples_reports(toy, caplog):
    many = pd.concat([toy.assign(report_id=toy["report_id"] + f"-{i}") for i in range(4)],
                     ignore_index=True)
    # report r*-3 of each year says nothing about 普法宣传: reports now differ
    many.loc[many["report_id"].str.endswith("-3"), "labels"] = ""
    units = theme_shares(many, by="year", n_boot=400, random_state=0, themes=THEMES)
    reports = theme_shares(many, by="year", n_boot=400, random_state=0, themes=THEMES,
                           cluster="report")
    pd.testing.assert_series_equal(units["share"], reports["share"])
    assert (reports["resampled"] == "report_id").all() and (units["resampled"] == "units").all()
    law = reports[reports.theme == "普法宣传"]
    assert ((law["ci_low"] <= law["share"]) & (law["share"] <= law["ci_high"])).all()
    assert (law["ci_high"] > law["ci_low"]).all()
    # identical reports: resampling reports cannot move the share
    same = theme_shares(many[~many["report_id"].str.endswith("-3")], by="year", n_boot=200,
                        random_state=0, themes=THEMES, cluster="report_id")
    assert np.allclose(same["ci_low"], same["share"]) and np.allclose(same["ci_high"],
                                                                        same["share"])
    with caplog.at_level("WARNING", logger="nlp.compare"):
        single = theme_shares(toy, by="year", n_boot=50, random_state=0, cluster="report_id")
    assert "single report_id" in caplog.text
    assert np.allclose(single["ci_low"], single["ci_high"])
    with pytest.raises(ValueError, match="cluster: .*bureau"):
        theme_shares(toy, cluster="bureau")


def test_theme_shares_checks_parameters(toy):
    with pytest.raises(ValueError, match="n_boot"):
        theme_shares(toy, n_boot=-1)
    with pytest.raises(ValueError, match="ci"):
        theme_shares(toy, ci=95)


def test_emphasis_change_difference_and_interval(toy):
    shares = theme_shares(toy, by="year", n_boot=500, random_state=0, themes=THEMES)
    ch = emphasis_change(shares, group="year", a=2021, b=2024).set_index("theme")
    assert ch.loc["普法宣传", "diff"] == pytest.approx(2 / 5 - 2 / 4)
    assert ch.loc["行政执法", "diff"] == pytest.approx(2 / 5)
    assert (ch["ci_low"] <= ch["diff"] + 1e-12).all() and (ch["diff"] <= ch["ci_high"] + 1e-12).all()
    assert (ch["interval"] == "bootstrap percentile").all()
    # a table that lost its replicates (e.g. read back from CSV) falls back to a normal interval
    plain = pd.DataFrame(shares.to_dict("list"))
    ch2 = emphasis_change(plain, group="year", a=2021, b=2024).set_index("theme")
    assert (ch2["interval"] == "normal from bootstrap se").all()
    assert ch2.loc["行政执法", "ci_high"] > ch2.loc["行政执法", "diff"]


def test_emphasis_change_errors(toy):
    shares = theme_shares(toy, by="year", n_boot=10, random_state=0)
    with pytest.raises(ValueError, match="2022"):
        emphasis_change(shares, a=2022, b=2024)
    with pytest.raises(ValueError, match="columns"):
        emphasis_change(shares.drop(columns="share"))
    multi = theme_shares(toy, by=["year", "role"], n_boot=0)
    with pytest.raises(ValueError, match="alone"):
        emphasis_change(multi)


def test_section_profile(toy):
    p = section_profile(toy, by=None, n_boot=0, themes=THEMES)
    assert list(p["role"].cat.categories) == ["measures", "problems", "plans"]
    law = p[p.theme == "普法宣传"].set_index("role")
    assert law.loc["measures", "share"] == pytest.approx(3 / 5)
    assert law.loc["problems", "share"] == pytest.approx(1 / 2)
    assert law["role_share"].sum() == pytest.approx(1.0)
    per_report = section_profile(toy, n_boot=50, random_state=0, themes=THEMES)
    assert "report_id" in per_report.columns
    with pytest.raises(ValueError, match="role"):
        section_profile(toy.drop(columns="role"))


def test_keyness_matches_scipy_log_likelihood():
    a = [["普法", "宣传", "普法"]] * 10 + [["校园", "安全"]] * 2
    b = [["一网通办", "普法"]] * 10 + [["校园"]] * 5
    k = keyness(a, b, min_count=1, names=("2021", "2024")).set_index("term")
    na, nb = 3 * 10 + 4, 2 * 10 + 5
    for term in k.index:
        ca, cb = int(k.loc[term, "count_a"]), int(k.loc[term, "count_b"])
        table = np.array([[ca, cb], [na - ca, nb - cb]])
        if (table == 0).any():
            continue
        g, p, *_ = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
        assert k.loc[term, "g2"] == pytest.approx(g)
        assert k.loc[term, "p_value"] == pytest.approx(p)
    assert k.loc["一网通办", "overused_in"] == "2024" and k.loc["一网通办", "log_ratio"] < 0
    assert k.loc["宣传", "overused_in"] == "2021" and k.loc["宣传", "log_ratio"] > 0
    assert (k["p_bonferroni"] >= k["p_bh"] - 1e-12).all() and (k["p_bh"] >= k["p_value"]).all()
    assert k.attrs["n_tests"] == len(k)
    assert k["g2"].is_monotonic_decreasing


def test_keyness_g2_by_hand():
    k = keyness(["甲"] * 10 + ["乙"] * 90, ["甲"] * 30 + ["乙"] * 70, min_count=1)
    row = k.set_index("term").loc["甲"]
    obs = [10, 30, 90, 70]
    exp = [20, 20, 80, 80]
    g2 = 2 * sum(o * math.log(o / e) for o, e in zip(obs, exp))
    assert row["g2"] == pytest.approx(g2)
    assert row["log_ratio"] == pytest.approx(math.log2((10 / 100) / (30 / 100)))


def test_keyness_benjamini_hochberg_by_hand():
    k = keyness([["x"] * 20 + ["y"] * 12 + ["z"] * 10], [["x"] * 2 + ["y"] * 8 + ["z"] * 10],
                min_count=1)
    p = k["p_value"].to_numpy()
    order = np.argsort(p)
    m = len(p)
    raw = p[order] * m / np.arange(1, m + 1)
    expected = np.minimum.accumulate(raw[::-1])[::-1]
    assert np.allclose(k["p_bh"].to_numpy()[order], np.minimum(expected, 1))


def test_keyness_inputs():
    with pytest.raises(TypeError, match="str"):
        keyness("普法宣传", [["普法"]])
    with pytest.raises(ValueError, match="min_count"):
        keyness([["a"]], [["b"]], min_count=0)
    with pytest.raises(ValueError, match="tokens"):
        keyness([], [["b"]])
    empty = keyness([["a"]], [["b"]], min_count=5)
    assert empty.empty and "g2" in empty.columns
    assert len(keyness(pd.Series([["甲", "乙"]] * 3), [["甲"]] * 3, min_count=3)) == 2


def test_on_bundled_units_with_hand_labels(seed_units):
    shares = theme_shares(seed_units, by="report", n_boot=500, random_state=0)
    counts = shares.groupby("report_id")["n_units"].first().to_dict()
    assert counts == seed_units.groupby("report_id").size().to_dict()
    law = seed_units["labels"].map(lambda t: "普法宣传" in t)
    got = shares.set_index(["report_id", "theme"]).loc[("baoshan_2021", "普法宣传"), "n_theme"]
    assert got == int(law[seed_units.report_id == "baoshan_2021"].sum())
    change = emphasis_change(theme_shares(seed_units, by="year", n_boot=500, random_state=0))
    assert list(change["theme"]) == [*THEMES, compare.OTHER]
    assert change[["ci_low", "ci_high"]].notna().all().all()
    prof = section_profile(seed_units, n_boot=0)
    assert set(prof["role"].astype(str)) <= set(compare.ROLE_ORDER)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_shares_properties():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    label_sets = st.lists(st.sets(st.sampled_from(THEMES)), min_size=1, max_size=30)

    @settings(max_examples=40, deadline=None)
    @given(a=label_sets, b=label_sets, seed=st.integers(0, 2**16))
    def check(a, b, seed):
        units = pd.DataFrame({"report_id": ["a"] * len(a) + ["b"] * len(b),
                              "text": ["开展活动"] * (len(a) + len(b)),
                              "labels": [tuple(s) for s in a + b]})
        s = theme_shares(units, n_boot=50, random_state=seed, themes=THEMES)
        assert ((s["share"] >= 0) & (s["share"] <= 1)).all()
        assert ((s["ci_low"] <= s["share"] + 1e-9) & (s["share"] <= s["ci_high"] + 1e-9)).all()
        for rid, sets in (("a", a), ("b", b)):
            got = s[s.report_id == rid].set_index("theme")["share"]
            for t in THEMES:
                assert got[t] == pytest.approx(sum(t in x for x in sets) / len(sets))
            assert got["其他"] == pytest.approx(sum(not x for x in sets) / len(sets))
        shuffled = theme_shares(units.sample(frac=1, random_state=seed), n_boot=0, themes=THEMES)
        assert np.allclose(shuffled["share"], s["share"])
        ch = emphasis_change(s, group="report", a="a", b="b")
        assert np.allclose(ch["diff"], ch["share_b"] - ch["share_a"])

    check()
