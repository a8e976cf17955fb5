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
    s1 = theme_shares(toy, by="report", n_boot=300, random_state=7)
    s2 = theme_shares(toy, by="report", n_boot=300, random_state=7)
    s3 = theme_shares(toy, by="report", n_boot=300, random_state=8)
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
    units = theme_shares(many, by="year", n_boot=400, random_state=0, themes=THEMES,
                         cluster=None)
    reports = theme_shares(many, by="year", n_boot=400, random_state=0, themes=THEMES)
    pd.testing.assert_series_equal(units["share"], reports["share"])
    assert (reports["resampled"] == "report_id").all() and (units["resampled"] == "units").all()
    assert (reports["interval"] == "t").all() and (units["interval"] == "percentile").all()
    assert (reports["n_reports"] == 4).all()
    law = reports[reports.theme == "普法宣传"]
    assert ((law["ci_low"] <= law["share"]) & (law["share"] <= law["ci_high"])).all()
    assert (law["ci_high"] > law["ci_low"]).all()
    # identical reports: resampling reports cannot move the share
    same = theme_shares(many[~many["report_id"].str.endswith("-3")], by="year", n_boot=200,
                        random_state=0, themes=THEMES)
    assert np.allclose(same["ci_low"], same["share"]) and np.allclose(same["ci_high"],
                                                                        same["share"])
    # one report per group: no interval at all, never a zero-width one
    with caplog.at_level("WARNING", logger="nlp.compare"):
        single = theme_shares(toy, by="year", n_boot=50, random_state=0)
    assert "single report" in caplog.text
    assert single[["ci_low", "ci_high", "se"]].isna().all().all()
    assert (single["interval"] == "none").all()
    change = emphasis_change(single)
    assert change[["ci_low", "ci_high"]].isna().all().all()
    # groups that are reports resample their units
    per_report = theme_shares(many, by="report", n_boot=50, random_state=0)
    assert (per_report["resampled"] == "units").all()
    with pytest.raises(ValueError, match="cluster: .*bureau"):
        theme_shares(toy, cluster="bureau")


def _clustered(rng, g, means, *, units=20, icc=0.2, year=2021, agencies=None):
    a = np.asarray(means) * (1 - icc) / icc
    b = (1 - np.asarray(means)) * (1 - icc) / icc
    p = rng.beta(a, b, size=(g, len(means)))
    rows = []
    for i in range(g):
        hit = rng.random((units, len(means))) < p[i]
        for r in hit:
            rows.append({"report_id": f"{year}-{i}", "year": year,
                         "agency": agencies[i] if agencies else f"{year}-{i}",
                         **{t: bool(v) for t, v in zip(THEMES, r)}})
    return pd.DataFrame(rows)


def test_t_interval_is_the_cr1_cluster_interval():
    """Bootstrap SE × √(G/(G−1)) with t(G−1) equals the analytic cluster-robust interval."""
    rng = np.random.default_rng(3)
    units = _clustered(rng, 10, [0.3, 0.1, 0.2, 0.2])
    s = theme_shares(units, by="year", n_boot=20000, random_state=0, themes=THEMES)
    row = s[s.theme == "普法宣传"].iloc[0]
    tot = units.groupby("report_id")["普法宣传"].agg(["sum", "size"])
    r = tot["sum"].sum() / tot["size"].sum()
    g = len(tot)
    se = np.sqrt(g / (g - 1) * np.sum((tot["sum"] - r * tot["size"]) ** 2)) / tot["size"].sum()
    assert row["share"] == pytest.approx(r)
    assert row["se"] == pytest.approx(se, rel=0.03)
    half = stats.t.ppf(0.975, g - 1) * row["se"]
    assert row["ci_high"] == pytest.approx(min(1, r + half), rel=1e-9)


@pytest.mark.slow
def test_cluster_t_interval_covers_at_ten_reports():
    rng = np.random.default_rng(11)
    hits = []
    for i in range(150):
        units = pd.concat([_clustered(rng, 10, [0.3, 0.1, 0.25, 0.15], year=2021),
                           _clustered(rng, 10, [0.4, 0.12, 0.2, 0.15], year=2024)])
        ch = emphasis_change(theme_shares(units, by="year", n_boot=500, random_state=i,
                                          themes=THEMES)).set_index("theme")
        truth = {"普法宣传": 0.1, "校园安全": 0.02, "行政执法": -0.05, "放管服": 0.0}
        hits += [ch.loc[t, "ci_low"] <= d <= ch.loc[t, "ci_high"] for t, d in truth.items()]
    assert np.mean(hits) >= 0.91


def test_paired_resampling_uses_the_same_agencies():
    rng = np.random.default_rng(5)
    agencies = [f"ag{i}" for i in range(12)]
    a = _clustered(rng, 12, [0.3, 0.1, 0.2, 0.2], year=2021, agencies=agencies)
    same = a.assign(year=2024, report_id=a["report_id"].str.replace("2021", "2024"))
    units = pd.concat([a, same], ignore_index=True)
    paired = emphasis_change(theme_shares(units, by="year", paired="agency", n_boot=300,
                                          random_state=0, themes=THEMES))
    independent = emphasis_change(theme_shares(units, by="year", n_boot=300, random_state=0,
                                               themes=THEMES))
    # identical years: a paired draw moves both years together, so the difference is exactly 0
    assert np.allclose(paired[["ci_low", "ci_high"]], 0)
    assert (independent["ci_high"] - independent["ci_low"] > 0.05).all()
    s = theme_shares(units, by="year", paired="agency", n_boot=50, random_state=0)
    assert (s["resampled"] == "agency").all()


def test_probabilities_are_never_cast_to_labels():
    units = pd.DataFrame({"report_id": ["a", "a", "b", "b"], "year": [2021] * 4,
                          "普法宣传": [0.9, 0.2, 0.4, 0.1], "校园安全": 0.0, "行政执法": 0.0,
                          "放管服": 0.0})
    with pytest.raises(ValueError, match="estimator='pcc'"):
        theme_shares(units, by="year", n_boot=0, themes=THEMES)
    pcc = theme_shares(units, by="year", n_boot=0, themes=THEMES, estimator="pcc")
    got = pcc.set_index("theme")["share"]
    assert got["普法宣传"] == pytest.approx(0.4)
    assert got["其他"] == pytest.approx(np.mean([0.1, 0.8, 0.6, 0.9]))
    assert (pcc["estimator"] == "pcc").all()
    p_cols = units.rename(columns={t: f"p_{t}" for t in THEMES}).assign(labels="")
    via_p = theme_shares(p_cols, by="year", n_boot=0, themes=THEMES, estimator="pcc")
    assert np.allclose(via_p["share"], pcc["share"])
    bad = units.assign(普法宣传=[1.2, 0, 0, 0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        theme_shares(bad, n_boot=0, themes=THEMES, estimator="pcc")


def test_misclassification_rates_by_hand():
    truth = ["普法宣传", "普法宣传", "普法宣传", "", "", "", "", "放管服"]
    pred = ["普法宣传", "普法宣传", "", "普法宣传", "", "", "", "放管服"]
    r = compare.misclassification_rates(truth, pred, n_boot=0).set_index("theme")
    assert r.loc["普法宣传", "tpr"] == pytest.approx(2 / 3)
    assert r.loc["普法宣传", "fpr"] == pytest.approx(1 / 5)
    assert r.loc["普法宣传", "n_positive"] == 3 and r.loc["普法宣传", "n_negative"] == 5
    assert r.loc["其他", "tpr"] == pytest.approx(3 / 4)  # 4 truly none, 3 predicted none
    # weights of a stratified sample: the first unit counts three times
    w = compare.misclassification_rates(truth, pred, weights=[1, 1, 3, 1, 1, 1, 1, 1],
                                        n_boot=0).set_index("theme")
    assert w.loc["普法宣传", "tpr"] == pytest.approx(2 / 5)
    groups = ["a", "a", "b", "b", "c", "c", "d", "d"]
    boot = compare.misclassification_rates(truth, pred, groups=groups, n_boot=200,
                                           random_state=0)
    draws = boot.attrs["bootstrap"]
    assert draws.tpr.shape == (200, 5) and draws.n_clusters == 4
    assert (boot["n_groups"] == 4).all()
    with pytest.raises(ValueError, match="predicted_labels"):
        compare.misclassification_rates(truth, pred[:-1])
    with pytest.raises(ValueError, match="weights"):
        compare.misclassification_rates(truth, pred, weights=[0] * 8)


def test_corrected_shares_undo_classifier_error():
    rng = np.random.default_rng(7)
    n = 4000
    true = rng.random((n, 4)) < [0.4, 0.1, 0.3, 0.2]
    tpr, fpr = np.array([0.67, 0.85, 0.75, 0.8]), np.array([0.04, 0.02, 0.06, 0.03])
    r = rng.random(true.shape)
    pred = np.where(true, r < tpr, r < fpr)
    units = pd.DataFrame(pred, columns=list(THEMES)).assign(
        report_id=[f"r{i % 40}" for i in range(n)], year=2021)

    def lab(m):
        return [";".join(t for t, v in zip(THEMES, row) if v) for row in m]

    val = rng.choice(n, 600, replace=False)
    rates = compare.misclassification_rates(lab(true[val]), lab(pred[val]),
                                            groups=units["report_id"].iloc[val], n_boot=500,
                                            random_state=0, themes=THEMES)
    raw = theme_shares(units, by="year", n_boot=500, random_state=0, themes=THEMES)
    fixed = theme_shares(units, by="year", n_boot=500, random_state=0, themes=THEMES,
                         validation=rates)
    got = fixed.set_index("theme")
    rr = rates.set_index("theme")
    expect = np.clip((raw.set_index("theme")["share"] - rr["fpr"]) / (rr["tpr"] - rr["fpr"]),
                     0, 1)
    assert np.allclose(got["share"], expect.loc[got.index])
    assert np.allclose(got["raw_share"], raw.set_index("theme")["share"])
    assert got.loc["普法宣传", "share"] == pytest.approx(0.4, abs=0.05)
    assert raw.set_index("theme").loc["普法宣传", "share"] < 0.33  # the bias it removes
    assert (fixed["estimator"] == "acc").all() and (fixed["n_validation"] == 600).all()
    # the interval carries the validation uncertainty too: wider than the raw one
    assert ((got["ci_high"] - got["ci_low"]) > (raw["ci_high"] - raw["ci_low"]).to_numpy()).all()
    # rates read back from a file have lost their draws: refused, not silently fixed
    with pytest.raises(ValueError, match="bootstrap replicates"):
        theme_shares(units, by="year", n_boot=50, themes=THEMES,
                     validation=pd.DataFrame(rates.to_dict("list")))
    with pytest.raises(ValueError, match="per unit"):
        theme_shares(units, by="year", n_boot=0, themes=THEMES, validation=rates,
                     weight="chars")


def test_corrected_change_shares_one_validation_draw():
    rng = np.random.default_rng(8)
    rows = []
    for year, p in ((2021, 0.3), (2024, 0.4)):
        for i in range(15):
            for _ in range(20):
                rows.append({"report_id": f"{year}-{i}", "year": year,
                             "labels": "普法宣传" if rng.random() < p * 0.7 + 0.04 else ""})
    units = pd.DataFrame(rows)
    truth = ["普法宣传"] * 30 + [""] * 70
    pred = ["普法宣传"] * 21 + [""] * 9 + ["普法宣传"] * 3 + [""] * 67
    rates = compare.misclassification_rates(truth, pred, groups=[f"g{i % 10}" for i in range(100)],
                                            n_boot=400, random_state=0, themes=["普法宣传"])
    shares = theme_shares(units, by="year", n_boot=400, random_state=0, themes=["普法宣传"],
                          validation=rates)
    ch = emphasis_change(shares).set_index("theme")
    draws = shares.attrs["bootstrap"]
    assert draws.validation is not None and draws.n_validation_clusters == 10
    assert ch.loc["普法宣传", "diff"] == pytest.approx(
        shares.set_index(["year", "theme"]).loc[(2024, "普法宣传"), "share"]
        - shares.set_index(["year", "theme"]).loc[(2021, "普法宣传"), "share"])
    assert ch.loc["普法宣传", "ci_low"] < ch.loc["普法宣传", "diff"] < ch.loc["普法宣传", "ci_high"]
    assert ch.loc["普法宣传", "estimator"] == "acc"


def test_rate_differences_warn(caplog):
    truth = ["普法宣传"] * 40 + [""] * 40
    pred = ["普法宣传"] * 20 + [""] * 20 + [""] * 40
    by = ["甲"] * 20 + ["乙"] * 20 + ["甲"] * 20 + ["乙"] * 20
    with caplog.at_level("WARNING", logger="nlp.compare"):
        d = compare.rate_differences(truth, pred, by, themes=["普法宣传"])
    assert "differ between groups" in caplog.text and "普法宣传 TPR" in caplog.text
    tpr = d[(d.theme == "普法宣传") & (d.rate == "tpr")].set_index("group")["value"]
    assert tpr["甲"] == 1.0 and tpr["乙"] == 0.0


def test_theme_shares_checks_parameters(toy):
    with pytest.raises(ValueError, match="n_boot"):
        theme_shares(toy, n_boot=-1)
    with pytest.raises(ValueError, match="ci"):
        theme_shares(toy, ci=95)


def test_emphasis_change_difference_and_interval(toy):
    shares = theme_shares(toy, by="year", n_boot=500, random_state=0, themes=THEMES,
                          cluster=None)
    ch = emphasis_change(shares, group="year", a=2021, b=2024).set_index("theme")
    assert ch.loc["普法宣传", "diff"] == pytest.approx(2 / 5 - 2 / 4)
    assert ch.loc["行政执法", "diff"] == pytest.approx(2 / 5)
    assert (ch["ci_low"] <= ch["diff"] + 1e-12).all() and (ch["diff"] <= ch["ci_high"] + 1e-12).all()
    assert (ch["interval"] == "percentile").all() and (ch["n_reports_a"] == 1).all()
    # a table that lost its replicates (e.g. read back from CSV) falls back to a normal interval
    plain = pd.DataFrame(shares.to_dict("list"))
    ch2 = emphasis_change(plain, group="year", a=2021, b=2024).set_index("theme")
    assert (ch2["interval"] == "normal from se").all()
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
    change = emphasis_change(theme_shares(seed_units, by="year", n_boot=500, random_state=0,
                                          cluster=None))
    assert list(change["theme"]) == [*THEMES, compare.OTHER]
    assert change[["ci_low", "ci_high"]].notna().all().all()
    # by default two single reports get no interval: two cases, not a trend
    honest = emphasis_change(theme_shares(seed_units, by="year", n_boot=100, random_state=0))
    assert honest[["ci_low", "ci_high"]].isna().all().all()
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
        has = s["n_units"] >= 2  # one unit says nothing about variation: no interval
        assert s.loc[~has, "ci_low"].isna().all()
        inside = (s["ci_low"] <= s["share"] + 1e-9) & (s["share"] <= s["ci_high"] + 1e-9)
        assert inside[has].all()
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


def test_prevalence_resamples_reports_and_keeps_missing_groups(caplog):
    rng = np.random.default_rng(2)
    meta = pd.DataFrame({"report_id": np.repeat([f"r{i}" for i in range(6)], 5),
                         "agency": np.repeat(["甲局", "甲局", "乙局", "乙局", None, "丙局"], 5)})
    dt = rng.dirichlet([1, 1, 1], size=len(meta))
    p = compare.prevalence(dt, meta, by="agency", n_boot=300, random_state=0)
    assert set(p["agency"].astype(object).where(p["agency"].notna(), None)) == \
        {"甲局", "乙局", "丙局", None}
    assert p["n_docs"].sum() == 3 * len(meta)
    known = p[p["agency"] == "甲局"]
    assert (known["resampled"] == "report_id").all() and (known["interval"] == "t").all()
    assert (known["n_reports"] == 2).all() and known["ci_low"].notna().all()
    single = p[p["agency"] == "丙局"]
    assert single[["ci_low", "ci_high"]].isna().all().all()
    units = compare.prevalence(dt, meta.drop(columns="report_id"), by="agency", n_boot=100)
    assert "resampled" not in units.columns and units["ci_low"].notna().any()
    sel = meta["agency"].eq("甲局").to_numpy()
    assert known.sort_values("topic")["share"].tolist() == pytest.approx(
        dt[sel].mean(axis=0).tolist())


def test_section_profile_pools_reports_with_paired_parts():
    rng = np.random.default_rng(4)
    rows = []
    for i in range(8):
        for role in ("measures", "problems", "plans"):
            for _ in range(6):
                rows.append({"report_id": f"r{i}", "role": role, "year": 2021 + i % 2,
                             "labels": "普法宣传" if rng.random() < 0.4 else ""})
    units = pd.DataFrame(rows)
    pooled = section_profile(units, by=None, n_boot=200, random_state=0, themes=THEMES)
    assert "report_id" not in pooled.columns
    assert (pooled["resampled"] == "report_id").all() and pooled["ci_low"].notna().all()
    law = pooled[pooled.theme == "普法宣传"].set_index("role")
    assert law.loc["measures", "n_units"] == 48
    per_year = section_profile(units, by="year", n_boot=100, random_state=0, themes=THEMES)
    assert set(per_year["year"]) == {2021, 2022} and (per_year["n_reports"] == 4).all()


def test_prevalence_regression_ame_is_the_difference_in_shares():
    rng = np.random.default_rng(6)
    rows = []
    for year, p in ((2021, 0.3), (2024, 0.45)):
        for i in range(12):
            pr = rng.beta(p * 4, (1 - p) * 4)
            for _ in range(15):
                rows.append({"report_id": f"{year}-{i}", "year": year,
                             "labels": "普法宣传" if rng.random() < pr else ""})
    units = pd.DataFrame(rows)
    fx = compare.prevalence_regression(units, "theme ~ C(year)", themes=["普法宣传"])
    row = fx[fx.theme == "普法宣传"].iloc[0]
    shares = units.assign(hit=units["labels"] == "普法宣传").groupby("year")["hit"].mean()
    # a saturated logit reproduces the shares: the AME is their difference
    assert row["ame"] == pytest.approx(shares[2024] - shares[2021], abs=1e-6)
    assert row["contrast"] == "2024 vs 2021" and row["df"] == 23 and row["n_clusters"] == 24
    # the delta-method SE equals the cluster-robust SE of the difference in shares
    tot = units.assign(hit=units["labels"] == "普法宣传").groupby(["year", "report_id"])["hit"]
    var = 0
    for year in (2021, 2024):
        g = tot.agg(["sum", "size"]).loc[year]
        r = g["sum"].sum() / g["size"].sum()
        var += np.sum((g["sum"] - r * g["size"]) ** 2) / g["size"].sum() ** 2
    assert row["se"] == pytest.approx(np.sqrt(var * 24 / 23), rel=0.02)
    assert "cluster" in row["estimator"] and row["ci_low"] < row["ame"] < row["ci_high"]
    with pytest.raises(ValueError, match="theme ~"):
        compare.prevalence_regression(units, "y ~ C(year)")
    with pytest.raises(ValueError, match="cluster"):
        compare.prevalence_regression(units.drop(columns="report_id"))


def test_prevalence_regression_corrected_for_classifier_error():
    rng = np.random.default_rng(9)
    rows, truth, pred = [], [], []
    for year, p in ((2021, 0.3), (2024, 0.5)):
        for i in range(30):
            for _ in range(30):
                t = rng.random() < p
                hit = rng.random() < (0.7 if t else 0.05)
                rows.append({"report_id": f"{year}-{i}", "year": year,
                             "labels": "普法宣传" if hit else ""})
                truth.append("普法宣传" if t else "")
                pred.append(rows[-1]["labels"])
    units = pd.DataFrame(rows)
    idx = rng.choice(len(units), 300, replace=False)
    rates = compare.misclassification_rates([truth[i] for i in idx], [pred[i] for i in idx],
                                            groups=units["report_id"].iloc[idx], n_boot=200,
                                            random_state=0, themes=["普法宣传"])
    raw = compare.prevalence_regression(units, themes=["普法宣传"])
    fixed = compare.prevalence_regression(units, themes=["普法宣传"], validation=rates,
                                          n_validation_draws=30, random_state=0)
    r0 = raw[raw.theme == "普法宣传"].iloc[0]
    r1 = fixed[fixed.theme == "普法宣传"].iloc[0]
    assert r0["ame"] == pytest.approx(0.2 * 0.65, abs=0.04)  # attenuated by TPR − FPR
    assert r1["ame"] == pytest.approx(0.2, abs=0.05)
    assert r1["se"] > r0["se"] and "misclassification" in r1["estimator"]


def test_design_effects_icc():
    same = pd.DataFrame({"report_id": list("aaaabbbbcccc"),
                         "labels": ["普法宣传"] * 4 + [""] * 4 + ["普法宣传"] * 4})
    d = compare.design_effects(same, themes=["普法宣传"]).set_index("theme")
    assert d.loc["普法宣传", "icc"] == pytest.approx(1.0)
    assert d.loc["普法宣传", "design_effect"] == pytest.approx(4.0)
    mixed = pd.DataFrame({"report_id": list("aaaabbbb"),
                          "labels": ["普法宣传", ""] * 4})
    assert compare.design_effects(mixed, themes=["普法宣传"]).loc[0, "icc"] == 0.0
