from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from conftest import CORPUS
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

import nlp
from nlp.classify import LexiconClassifier, ThemeClassifier, classify_units, sample_units
from nlp.labels import THEMES, read_labels

SEED = CORPUS / "labels" / "seed_units.csv"

TOY_TEXTS = [
    "组织开展宪法宣传周活动,邀请法治副校长进校园开展法治讲座",
    "举办民法典宣传月活动,开展青少年法治知识竞赛和模拟法庭",
    "排查校园消防安全隐患,开展防溺水安全教育和应急疏散演练",
    "加强校车安全管理和校园周边环境治理,落实防欺凌工作",
    "全面推行双随机一公开监管,开展校外培训机构执法检查",
    "落实行政执法公示制度和重大执法决定法制审核制度",
    "深化放管服改革,推进一网通办和政务服务窗口建设",
    "推行证照分离和告知承诺制,优化审批服务流程",
    "召开党组理论学习中心组会议,开展党纪学习教育",
    "现将本年度工作情况报告如下",
]
TOY_LABELS = [("普法宣传",), ("普法宣传",), ("校园安全",), ("校园安全",), ("行政执法",),
              ("行政执法",), ("放管服",), ("放管服",), (), ()]


@pytest.fixture(scope="module")
def seed():
    return read_labels(SEED)


@pytest.fixture(scope="module")
def fitted(seed):
    return ThemeClassifier(random_state=0).fit(seed["text"].tolist(), seed["labels"].tolist(),
                                               groups=seed["report_id"].tolist())


# -- lexicon baseline ----------------------------------------------------------

def test_lexicon_predicts_clear_units():
    clf = LexiconClassifier()
    pred = clf.predict(["组织开展宪法宣传周活动,开展法治讲座和普法宣传",
                        "全面推行双随机一公开监管,开展行政检查",
                        "深化放管服改革,推进一网通办",
                        "召开会议"])
    assert pred == [("普法宣传",), ("行政执法",), ("放管服",), ()]


def test_lexicon_api(seed):
    clf = LexiconClassifier()
    proba = clf.predict_proba(seed["text"][:3])
    assert list(proba.columns) == list(THEMES) and proba.shape == (3, 4)
    assert ((proba >= 0) & (proba <= 1)).all().all()
    why = clf.explain("推进一网通办和证照分离改革")
    assert {"一网通办", "证照分离"} <= set(why["term"])
    top = clf.top_terms(3)
    assert top.groupby("theme").size().to_dict() == {t: 3 for t in THEMES}
    table = clf.evaluate(seed["text"], seed["labels"])
    assert table["theme"].tolist() == [*THEMES, "micro", "macro"]
    with pytest.raises(TypeError, match="single str"):
        clf.predict("开展普法宣传")


def test_lexicon_threshold_validated():
    with pytest.raises(TypeError, match="threshold must be an instance of"):
        LexiconClassifier(threshold="high").predict(["开展普法宣传"])
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        LexiconClassifier(threshold=float("inf")).predict(["开展普法宣传"])


def test_lexicon_custom_file(tmp_path):
    lex = tmp_path / "themes.toml"
    lex.write_text('[themes."放管服"]\ndescription = "x"\n[themes."放管服".terms]\n'
                   '"营商环境" = 3.0\n', encoding="utf-8")
    clf = LexiconClassifier(codebook=lex)
    assert clf.predict(["优化营商环境"]) == [("放管服",)]
    assert clf.theme_names() == ("放管服",)
    lex.write_text('[themes."体育".terms]\n"足" = 3.0\n', encoding="utf-8")
    with pytest.raises(nlp.InputError, match="shorter than 2 characters") as err:
        LexiconClassifier(codebook=lex).fit()
    assert err.value.line == 2


# -- the trained classifier ----------------------------------------------------

def test_not_fitted_and_bad_inputs():
    clf = ThemeClassifier()
    with pytest.raises(NotFittedError):
        clf.predict(["开展普法宣传"])
    with pytest.raises(TypeError, match="single str"):
        clf.fit("开展普法宣传", [("普法宣传",)])
    with pytest.raises(TypeError, match="one-shot"):
        clf.fit((t for t in TOY_TEXTS), TOY_LABELS)
    with pytest.raises(ValueError, match="unknown theme"):
        clf.fit(TOY_TEXTS, [("普法",)] + TOY_LABELS[1:])
    with pytest.raises(ValueError, match="labels has 2 entries but there are 10 texts"):
        clf.fit(TOY_TEXTS, TOY_LABELS[:2])


@pytest.mark.parametrize("params,message", [
    ({"C": -1}, r"C == -1, must be >= 1e-06"),
    ({"min_df": 0}, "min_df == 0, must be >= 1"),
    ({"class_weight": "auto"}, "class_weight must be 'balanced' or None, got 'auto'"),
    ({"char_ngrams": (3, 2)}, "char_ngrams must be a pair"),
    ({"lexicon_blend": 1.5}, r"lexicon_blend == 1.5, must be <= 1.0"),
    ({"word_weight": 0, "char_weight": 0, "lexicon_weight": 0}, "at least one feature"),
    ({"agency_holdout": "yes"}, "agency_holdout must be True or False, got 'yes'"),
    ({"threshold": 1.0}, r"threshold == 1.0, must be < 1.0"),
    ({"threshold": 0}, r"threshold == 0, must be > 0.0"),
    ({"threshold": "best"}, "threshold must be a number in \\(0, 1\\), 'auto' or 'fitted', "
                            "got 'best'"),
])
def test_parameter_errors_name_the_parameter(params, message):
    with pytest.raises(ValueError, match=message):
        ThemeClassifier(**params).fit(TOY_TEXTS, TOY_LABELS)


def test_fit_predict_api(fitted, seed):
    proba = fitted.predict_proba(seed["text"])
    assert isinstance(proba, pd.DataFrame) and list(proba.columns) == list(THEMES)
    assert proba.shape == (len(seed), 4)
    assert np.all((proba.to_numpy() >= 0) & (proba.to_numpy() <= 1))
    pred = fitted.predict(seed["text"].tolist())
    assert isinstance(pred, list) and all(isinstance(p, tuple) for p in pred)
    assert all(set(p) <= set(THEMES) for p in pred)
    # in-sample the model must recover most training labels
    assert fitted.evaluate(seed["text"], seed["labels"]).set_index("theme").loc["micro", "f1"] > 0.8
    assert fitted.predict_proba([]).shape == (0, 4)


def test_learns_toy_themes():
    clf = ThemeClassifier(random_state=0, threshold_cv=2).fit(TOY_TEXTS * 2, TOY_LABELS * 2)
    assert clf.predict(["开展宪法宣传周和法治讲座", "推进一网通办政务服务"]) == [
        ("普法宣传",), ("放管服",)]


def test_lexicon_blend_mixes_in_the_lexicon_vote():
    texts = ["组织开展宪法宣传周活动", "推进一网通办政务服务", "召开会议"]
    model = ThemeClassifier(random_state=0, threshold_cv=2, lexicon_blend=0.0).fit(
        TOY_TEXTS * 2, TOY_LABELS * 2)
    alone = model.predict_proba(texts).to_numpy()
    vote = LexiconClassifier().predict_proba(texts).to_numpy()
    for w in (0.5, 1.0):
        blended = model.set_params(lexicon_blend=w).predict_proba(texts).to_numpy()
        np.testing.assert_allclose(blended, (1 - w) * alone + w * vote)
    assert not np.allclose(vote, alone)


def test_threshold_is_fixed_below_100_units_and_fitted_above(monkeypatch):
    from nlp.classify import model as model_module

    chosen = []
    original = model_module.choose_threshold

    def spy(proba, y, **kw):
        chosen.append(original(proba, y, **kw))
        return chosen[-1]

    monkeypatch.setattr(model_module, "choose_threshold", spy)
    few = ThemeClassifier(random_state=0, threshold_cv=2).fit(TOY_TEXTS * 2, TOY_LABELS * 2)
    assert few.threshold == "auto" and chosen == []
    np.testing.assert_array_equal(few.thresholds_, [ThemeClassifier.FIXED_THRESHOLD] * 4)
    given = ThemeClassifier(random_state=0, threshold_cv=2, threshold=0.6).fit(
        TOY_TEXTS * 2, TOY_LABELS * 2)
    np.testing.assert_array_equal(given.thresholds_, [0.6] * 4)
    assert given.predict(["开展宪法宣传周和法治讲座"]) == [
        tuple(t for t, p in zip(THEMES, given.predict_proba(["开展宪法宣传周和法治讲座"])
                                .to_numpy()[0]) if p >= 0.6)]
    # "fitted": each theme's own threshold from the inner cross-validation
    fitted = ThemeClassifier(random_state=0, threshold_cv=2, threshold="fitted").fit(
        TOY_TEXTS * 2, TOY_LABELS * 2)
    # (fitted on all inner predictions first, then once per fold to score the setting)
    assert len(chosen) == 4 * 3
    np.testing.assert_array_equal(fitted.thresholds_, chosen[:4])
    assert fitted.thresholds_fitted_ and not few.thresholds_fitted_
    # the fixed cut-off belongs to the fixed blend: a blend set by hand fits them
    chosen.clear()
    ThemeClassifier(random_state=0, threshold_cv=2, lexicon_blend=0.5).fit(
        TOY_TEXTS * 2, TOY_LABELS * 2)
    assert len(chosen) == 4 * 3
    # with 100 or more real units "auto" fits them
    chosen.clear()
    n = ThemeClassifier.AUTO_MIN_UNITS
    many = ThemeClassifier(random_state=0, threshold_cv=2, C=1.0, lexicon_blend=0.25).fit(
        (TOY_TEXTS * 10)[:n], (TOY_LABELS * 10)[:n])
    np.testing.assert_array_equal(many.thresholds_, chosen[:4])


def test_threshold_modes_tried_with_each_setting():
    n = ThemeClassifier.AUTO_MIN_UNITS
    fixed = ThemeClassifier.FIXED_THRESHOLD
    auto = ThemeClassifier()
    assert auto._threshold_modes(n - 1, True) == [fixed]
    # from 100 units the defaults with the fixed cut-off compete with fitted thresholds
    assert auto._threshold_modes(n, True) == [fixed, None]
    assert auto._threshold_modes(n, False) == [None]
    assert ThemeClassifier(lexicon_blend=0.5)._threshold_modes(10, True) == [None]
    assert ThemeClassifier(threshold="fitted")._threshold_modes(10, True) == [None]
    assert ThemeClassifier(threshold=0.6)._threshold_modes(n, False) == [0.6]


def test_settings_other_than_the_defaults_need_to_win_by_one_standard_error():
    Y = np.tile([[1, 0], [0, 1], [1, 1], [0, 0]], (5, 1))  # 20 units, 4 per fold
    folds = [(None, np.arange(k * 4, k * 4 + 4)) for k in range(5)]
    default = Y.copy()
    default[[0, 4, 8, 12, 16], 0] = 0  # one miss in every fold
    better = Y.copy()  # right everywhere: better in every fold
    lucky = default.copy()
    lucky[0, 0] = 1  # better in the first fold
    lucky[5, 0] = 1  # a false positive in the second, tied elsewhere: better pooled
    preds = [default, lucky]
    pick, scores = ThemeClassifier._one_standard_error(Y, preds, folds)
    assert scores[1] > scores[0] and pick == 0
    preds.append(better)
    pick, scores = ThemeClassifier._one_standard_error(Y, preds, folds)
    assert pick == 2 and scores[2] == 1.0


def test_the_defaults_are_the_reference_and_word_weight_one_must_beat_them(monkeypatch):
    """From 100 real units the first candidate, the one the others must beat by one
    standard error, is the defaults (word weight 0.5, C 1, blend 0.25, one cut-off of
    0.35); the same settings at word weight 1 are one of the others."""
    picked, seen = [0], []

    def rule(Y, preds, folds):
        seen.append(len(preds))
        return picked[0], np.zeros(len(preds))

    monkeypatch.setattr(ThemeClassifier, "_one_standard_error", staticmethod(rule))
    n = ThemeClassifier.AUTO_MIN_UNITS
    texts, labels = (TOY_TEXTS * 10)[:n], (TOY_LABELS * 10)[:n]
    m = ThemeClassifier(random_state=0, threshold_cv=2).fit(texts, labels)
    assert (m.word_weight_, m.C_, m.lexicon_blend_, m.thresholds_fitted_) == (0.5, 1.0, 0.25,
                                                                              False)
    assert np.all(m.thresholds_ == ThemeClassifier.FIXED_THRESHOLD)
    assert seen == [26]  # 13 candidates at each word weight
    picked[0] = 13  # the first candidate at word weight 1
    m = ThemeClassifier(random_state=0, threshold_cv=2).fit(texts, labels)
    assert (m.word_weight_, m.C_, m.lexicon_blend_, m.thresholds_fitted_) == (1.0, 1.0, 0.25,
                                                                              False)


def test_word_weight_auto_is_half_and_competes_with_one_from_100_units(monkeypatch):
    seen = []
    original = ThemeClassifier._train_core

    def spy(self, texts, tokens, Y, weights, C, word_weight):
        seen.append(word_weight)
        return original(self, texts, tokens, Y, weights, C, word_weight)

    monkeypatch.setattr(ThemeClassifier, "_train_core", spy)
    few = ThemeClassifier(random_state=0, threshold_cv=2).fit(TOY_TEXTS * 2, TOY_LABELS * 2)
    assert set(seen) == {0.5} and few.word_weight_ == 0.5
    assert few.features_.word_weight == 0.5
    seen.clear()
    n = ThemeClassifier.AUTO_MIN_UNITS
    many = ThemeClassifier(random_state=0, threshold_cv=2, C=1.0, lexicon_blend=0.25).fit(
        (TOY_TEXTS * 10)[:n], (TOY_LABELS * 10)[:n])
    assert set(seen) == {0.5, 1.0} and many.word_weight_ in (0.5, 1.0)
    assert many.features_.word_weight == many.word_weight_  # the final model uses it
    seen.clear()
    given = ThemeClassifier(random_state=0, threshold_cv=2, word_weight=1.0).fit(
        (TOY_TEXTS * 10)[:n], (TOY_LABELS * 10)[:n])
    assert set(seen) == {1.0} and given.word_weight_ == 1.0
    with pytest.raises(TypeError, match="word_weight"):
        ThemeClassifier(word_weight="half").fit(TOY_TEXTS, TOY_LABELS)


def _saved_without(model, key):
    """The model as loaded from a state saved before ``key`` existed."""
    state = dict(model.__getstate__())
    del state[key]
    old = ThemeClassifier.__new__(ThemeClassifier)
    old.__setstate__(state)
    return old


def test_model_saved_before_word_weight_auto_keeps_its_weight():
    model = ThemeClassifier(random_state=0, threshold_cv=2, word_weight=1.0).fit(
        TOY_TEXTS * 2, TOY_LABELS * 2)
    old = _saved_without(model, "word_weight_")
    assert old.word_weight_ == 1.0
    pd.testing.assert_frame_equal(old.predict_proba(TOY_TEXTS), model.predict_proba(TOY_TEXTS))


def test_model_saved_without_threshold_keeps_fitted_thresholds():
    model = ThemeClassifier(random_state=0, threshold_cv=2, threshold="fitted").fit(
        TOY_TEXTS * 2, TOY_LABELS * 2)
    old = _saved_without(model, "threshold")
    assert old.get_params()["threshold"] == "fitted"
    pd.testing.assert_frame_equal(old.predict_proba(TOY_TEXTS), model.predict_proba(TOY_TEXTS))


def test_model_saved_without_lexicon_blend_keeps_its_behaviour():
    model = ThemeClassifier(random_state=0, threshold_cv=2, lexicon_blend=0.0).fit(
        TOY_TEXTS * 2, TOY_LABELS * 2)
    old = _saved_without(model, "lexicon_blend")
    assert old.get_params()["lexicon_blend"] == 0.0
    pd.testing.assert_frame_equal(old.predict_proba(TOY_TEXTS), model.predict_proba(TOY_TEXTS))


def test_deterministic(seed):
    texts, labels = seed["text"].tolist(), seed["labels"].tolist()
    a = ThemeClassifier(random_state=3).fit(texts, labels).predict_proba(texts)
    b = ThemeClassifier(random_state=3).fit(texts, labels).predict_proba(texts)
    pd.testing.assert_frame_equal(a, b)


def test_top_terms_and_explain(fitted):
    top = fitted.top_terms(5)
    assert list(top.columns) == ["theme", "rank", "term", "kind", "weight"]
    assert top.groupby("theme").size().to_dict() == {t: 5 for t in THEMES}
    assert (top["weight"] > 0).all()
    words = fitted.top_terms(3, kind="word")
    assert set(words["kind"]) == {"word"}
    why = fitted.explain("全面推行双随机一公开监管,开展校外培训机构执法检查")
    assert {"theme", "term", "contribution", "direction", "probability"} <= set(why.columns)
    assert set(why["direction"]) <= {"up", "down"}
    enf = why[why["theme"] == "行政执法"]
    assert (enf["direction"] == "up").any()
    with pytest.raises(TypeError, match="single str"):
        fitted.explain(["两个", "文本"])


def test_evaluate_table(fitted):
    table = fitted.evaluate(["开展宪法宣传周活动", "召开会议"], [("普法宣传",), ()])
    assert table["theme"].tolist() == [*THEMES, "micro", "macro"]
    assert {"precision", "recall", "f1", "support", "tp", "fp", "fn", "tn"} <= set(table.columns)
    row = table.set_index("theme").loc["普法宣传"]
    assert row["support"] == 1 and row["tp"] + row["fn"] == 1


def test_cross_validate_grouped_with_fewer_groups_than_folds(seed, caplog):
    texts, labels, groups = seed["text"], seed["labels"], seed["report_id"]
    ex = pd.DataFrame({"text": TOY_TEXTS, "labels": TOY_LABELS})
    with caplog.at_level(logging.WARNING):
        table, oof = ThemeClassifier(random_state=0, threshold_cv=3).cross_validate(
            texts, labels, groups, cv=5, exemplars=ex, return_predictions=True)
    assert "using 2 folds" in caplog.text
    assert table["folds"].iloc[0] == 2
    # exemplars are never tested: predictions cover the real units only
    assert len(oof) == len(seed)
    # each report is tested by a model that never saw it
    assert oof.groupby("group")["fold"].nunique().eq(1).all()
    assert oof.groupby("fold")["group"].nunique().eq(1).all()
    with pytest.raises(ValueError, match="one group per text"):
        ThemeClassifier().cross_validate(texts, labels, groups[:3])


def test_exemplars_used_for_training_only(seed):
    texts, labels = seed["text"].tolist()[:20], seed["labels"].tolist()[:20]
    ex = pd.DataFrame({"text": TOY_TEXTS, "labels": TOY_LABELS})
    clf = ThemeClassifier(random_state=0, threshold_cv=2).fit(texts, labels, exemplars=ex)
    assert clf.n_real_units_ == 20 and clf.n_exemplars_ == len(TOY_TEXTS)
    with pytest.raises(TypeError, match="exemplars must be"):
        ThemeClassifier().fit(texts, labels, exemplars=["一段文本"])



def test_inner_folds_leave_out_exemplars_of_the_held_out_agency_type(monkeypatch):
    """With agency types, an inner fold trains without the exemplars written for the kind
    of agency it holds out; the final model still learns from every exemplar."""
    texts = TOY_TEXTS * 2
    labels = TOY_LABELS * 2
    groups = ["a"] * 10 + ["b"] * 10
    domains = ["县教育局"] * 10 + ["市公安局"] * 10
    ex_texts = ["开展校园安全隐患排查", "开展禁毒法治宣传进校园", "开展治安行政执法检查"]
    ex = pd.DataFrame({"text": ex_texts, "labels": [("校园安全",), ("普法宣传",), ("行政执法",)],
                       "agency_type": ["教育", "教育", "公安"]})
    seen = []
    original = ThemeClassifier._train_core

    def spy(self, texts, tokens, Y, weights, *args):
        seen.append({t for t in texts if t in ex_texts})
        return original(self, texts, tokens, Y, weights, *args)

    monkeypatch.setattr(ThemeClassifier, "_train_core", spy)
    clf = ThemeClassifier(random_state=0, exemplar_mixing=0.0, threshold_cv=2)
    clf.fit(texts, labels, groups=groups, exemplars=ex, domains=domains)
    inner, final = seen[:-1], seen[-1]
    # fold holding out the education report: no education exemplar; and the other way round
    assert sorted(map(sorted, inner)) == sorted([["开展治安行政执法检查"],
                                                sorted(["开展校园安全隐患排查",
                                                        "开展禁毒法治宣传进校园"])])
    assert final == set(ex_texts)
    assert clf.calibration_holdout_ == ["公安", "教育"]
    # without agency types, or with agency_holdout=False, every fold gets every exemplar
    for params, kw in (({}, {}), ({"agency_holdout": False}, {"domains": domains})):
        seen.clear()
        model = ThemeClassifier(random_state=0, exemplar_mixing=0.0, threshold_cv=2, **params)
        model.fit(texts, labels, groups=groups, exemplars=ex, **kw)
        assert all(s == set(ex_texts) for s in seen) and model.calibration_holdout_ == []
    # with 100 or more real units the folds of the researcher's own reports do that
    n = ThemeClassifier.AUTO_MIN_UNITS
    seen.clear()
    many = ThemeClassifier(random_state=0, exemplar_mixing=0.0, threshold_cv=2, C=1.0,
                           lexicon_blend=0.25)
    many.fit((texts * 5)[:n], (labels * 5)[:n], groups=(groups * 5)[:n], exemplars=ex,
             domains=(domains * 5)[:n])
    assert all(s == set(ex_texts) for s in seen) and many.calibration_holdout_ == []
    with pytest.raises(ValueError, match="one agency type per text"):
        ThemeClassifier().fit(texts, labels, exemplars=ex, domains=["教育"])

# -- scikit-learn conventions --------------------------------------------------

@pytest.mark.parametrize("check", [
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
])
@pytest.mark.parametrize("cls", [ThemeClassifier, LexiconClassifier])
def test_sklearn_estimator_checks(cls, check):
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check)(cls.__name__, cls())


def test_fit_does_not_change_parameters():
    clf = ThemeClassifier(random_state=0, threshold_cv=2)
    before = clf.get_params()
    clf.fit(TOY_TEXTS, TOY_LABELS)
    assert clf.get_params() == before
    public = {k for k in vars(clf) if not k.startswith("_") and not k.endswith("_")}
    assert public == set(before)
    assert clone(clf).get_params() == before


# -- table helpers -------------------------------------------------------------

def test_classify_units(fitted, seed):
    units = seed[["report_id", "unit_id", "text"]].head(5)
    out = classify_units(units, fitted)
    assert list(out.columns) == ["report_id", "unit_id", "text",
                                 *[f"p_{t}" for t in THEMES], "labels"]
    assert out["labels"].tolist() == [";".join(p) for p in fitted.predict(units["text"].tolist())]
    assert units.shape == (5, 3)  # input untouched
    empty = classify_units(units.iloc[:0], fitted)
    assert len(empty) == 0 and "labels" in empty.columns
    with pytest.raises(ValueError, match="no 'body' column"):
        classify_units(units, fitted, text_column="body")


def test_sample_units(fitted, seed):
    units = seed[["report_id", "unit_id", "text"]]
    unsure = sample_units(units, fitted, n=5, strategy="uncertain", random_state=0)
    assert len(unsure) == 5 and (unsure["labels"] == "").all()
    assert unsure["margin"].is_monotonic_increasing
    rand = sample_units(units, n=5, strategy="random", random_state=0)
    assert rand["unit_id"].tolist() == sample_units(units, n=5, strategy="random",
                                                    random_state=0)["unit_id"].tolist()
    with pytest.raises(ValueError, match="strategy must be one of"):
        sample_units(units, fitted, strategy="best")
    with pytest.raises(ValueError, match="needs a model"):
        sample_units(units, None, strategy="uncertain")


def test_theme_summary():
    from nlp.classify import theme_summary

    classified = pd.DataFrame({
        "report_id": ["a", "a", "a", "b"],
        "labels": ["普法宣传", "普法宣传;放管服", "", "行政执法"],
        **{f"p_{t}": [0.9, 0.8, 0.1, 0.2] for t in THEMES},
    })
    out = theme_summary(classified).set_index(["report_id", "theme"])
    assert out.loc[("a", "普法宣传"), "units"] == 2
    assert out.loc[("a", "普法宣传"), "share"] == pytest.approx(2 / 3)
    assert out.loc[("a", "其他"), "units"] == 1
    assert out.loc[("b", "行政执法"), "total"] == 1
    assert len(out) == 2 * 5
    with pytest.raises(ValueError, match="run classify_units first"):
        theme_summary(classified.drop(columns="labels"))


@parametrize_with_checks([ThemeClassifier(random_state=0), LexiconClassifier()])
def test_scikit_learn_estimator_checks(estimator, check):
    """The checks scikit-learn runs for estimators that take text (its own choice: the checks
    that feed 2-d numeric arrays are skipped for ``input_tags.string``)."""
    check(estimator)
