"""Direct tests of the classifier's parts: calibration, thresholds, metrics, exemplars,
the lexicon blend, and the traditional-text detection the readers and models share."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from nlp.classify import (
    blend_lexicon,
    choose_threshold,
    evaluation_table,
    fit_platt,
    grouped_folds,
    load_lexicon,
)
from nlp.classify.exemplars import exemplar_parts, mix_exemplars
from nlp.codebook import THEMES
from nlp.ingest import is_traditional, normalize_text


def test_platt_recovers_a_known_logistic_curve():
    rng = np.random.default_rng(0)
    scores = rng.normal(0, 2, 20000)
    y = (rng.random(20000) < expit(1.5 * scores - 0.7)).astype(int)
    a, b = fit_platt(scores, y)
    assert a == pytest.approx(1.5, abs=0.06) and b == pytest.approx(-0.7, abs=0.06)


def test_platt_falls_back_to_identity_with_too_few_positives():
    assert fit_platt(np.array([0.1, 2.0, -1.0, 0.5]), np.array([0, 1, 0, 0])) == (1.0, 0.0)


def test_threshold_separates_separable_classes_and_defaults_without_positives():
    proba = np.array([0.1, 0.2, 0.3, 0.62, 0.7, 0.9])
    y = np.array([0, 0, 0, 1, 1, 1])
    t = choose_threshold(proba, y, random_state=0)
    assert 0.3 < t <= 0.62
    assert choose_threshold(proba, np.zeros(6, dtype=int), default=0.45) == 0.45


def test_threshold_is_deterministic_for_a_seed():
    rng = np.random.default_rng(1)
    proba, y = rng.random(50), (rng.random(50) < 0.4).astype(int)
    assert choose_threshold(proba, y, random_state=3) == choose_threshold(proba, y,
                                                                          random_state=3)


def test_micro_pools_counts_and_macro_averages_themes_with_support():
    y_true = np.array([[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]])
    y_pred = np.array([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 1], [0, 0, 0, 0]])
    t = evaluation_table(y_true, y_pred).set_index("theme")
    assert t.loc["普法宣传", ["precision", "recall"]].tolist() == [1.0, 0.5]
    assert t.loc["普法宣传", "f1"] == pytest.approx(2 / 3)
    assert t.loc["放管服", ["tp", "fp", "fn", "tn"]].tolist() == [0, 1, 0, 3]
    # micro: tp=2, fp=1, fn=1
    assert t.loc["micro", "f1"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
    # macro over 普法宣传 and 行政执法 (校园安全 and 放管服 have no support)
    assert t.loc["macro", "f1"] == pytest.approx((2 / 3 + 1.0) / 2)


def test_grouped_folds_keep_each_group_in_one_fold():
    groups = ["a", "a", "b", "b", "c", "c", "d"]
    for train, test in grouped_folds(groups, 3):
        assert not {groups[i] for i in train} & {groups[i] for i in test}


def test_exemplar_mixing_joins_pairs_with_the_union_of_their_labels():
    texts = ["开展宪法宣传", "推进一网通办", "排查校园隐患"]
    tokens = [["宪法", "宣传"], ["一网通办"], ["校园", "隐患"]]
    labels = [("普法宣传",), ("放管服",), ("校园安全",)]
    t, tok, lab = mix_exemplars(texts, tokens, labels, ratio=2.0, random_state=0,
                                themes=THEMES)
    assert t[:3] == texts and lab[:3] == labels
    for text, toks, lb in zip(t[3:], tok[3:], lab[3:]):
        (a, b), = [(i, j) for i in range(3) for j in range(3) if texts[i] + texts[j] == text]
        assert toks == tokens[a] + tokens[b]
        assert set(lb) == set(labels[a]) | set(labels[b])
        assert list(lb) == [x for x in THEMES if x in lb]  # codebook order
    assert mix_exemplars(texts, tokens, labels, ratio=0.0) == (texts, tokens, labels)


def test_exemplar_parts_refuse_a_table_without_labels():
    import pandas as pd

    with pytest.raises(ValueError, match="'text' and 'labels'"):
        exemplar_parts(pd.DataFrame({"text": ["开展普法"]}))


def test_lexicon_blend_is_a_weighted_average_with_the_lexicon_vote():
    lex = load_lexicon()
    texts = ["开展宪法宣传周活动"]
    vote = expit(lex.scores(texts) - 3.0)
    p = np.full((1, 4), 0.2)
    assert np.allclose(blend_lexicon(p, lex, texts, 0.0, 3.0), p)
    assert np.allclose(blend_lexicon(p, lex, texts, 0.5, 3.0), 0.5 * p + 0.5 * vote)
    assert np.allclose(blend_lexicon(p, lex, texts, 1.0, 3.0), vote)


@pytest.mark.parametrize("text,expected", [
    ("深入開展法治宣傳教育，推進依法行政", True),
    ("深入开展法治宣传教育，推进依法行政", False),
    ("推进依法行政，" * 10 + "建設法治政府", False),  # a stray character: fixed one by one
    ("", False),
])
def test_traditional_detection(text, expected):
    assert is_traditional(text) is expected


def test_normalisation_of_traditional_text_with_pinyin_glosses():
    written = "建設(shè)法治政府，開展學(xué)法活動２０２３年"
    assert normalize_text(written) == "建设法治政府，开展学法活动2023年"


def test_classifiers_normalise_traditional_text_with_pinyin_glosses():
    """A unit from a mirror page in traditional script with glosses is seen as its simplified
    original, by the model and the lexicon, in predictions and explanations alike."""
    from nlp.classify import LexiconClassifier, ThemeClassifier

    simplified = ["组织开展宪法宣传周活动,邀请法治副校长进校园授课", "全面推行双随机一公开监管"]
    written = ["組(zǔ)織開展憲(xiàn)法宣傳周活動,邀請法治副校長進校園授課",
               "全面推行雙(shuāng)隨機一公開監管"]
    for clf in (ThemeClassifier.load(), LexiconClassifier()):
        a = clf.predict_proba(simplified).to_numpy()
        b = clf.predict_proba(written).to_numpy()
        assert np.allclose(a, b)
        assert clf.explain(written[1]).equals(clf.explain(simplified[1]))


# texts written for these tests: sentence ends, white space runs at passage boundaries,
# one-passage units, a unit whose passages do not spell it (a white-space-only sentence)
_S1 = "全面推行行政执法公示制度，执法全过程记录覆盖全部执法单位和执法人员，重大执法决定法制审核率达到百分之百。"
_S2 = "推进一网通办改革，政务服务事项全部网上可办，实现证照分离改革全覆盖，企业开办时间压缩至一天以内。"
_S3 = "排查校园安全隐患，组织防溺水专题教育，覆盖全体学生和家长，开展消防疏散演练两次以上并及时总结。"
POOL_TEXTS = [
    _S1 + "  " + _S2 + "\n\n  " + _S3,  # white space runs at passage boundaries
    "开展宪法宣传周活动",  # one passage
    _S2 + " 。" + _S3 + "  \n",  # trailing white space: the passages do not spell the unit
    ("A  B C\tD 1 2；" * 8) + _S1,
]


# a private-use code point beyond U+7FFFF, which the numpy counter hands to scikit-learn
_BEYOND = "\U000F0001"


@pytest.mark.parametrize("ngrams", [(1, 3), (2, 4)])
@pytest.mark.parametrize("extra", ["", _BEYOND])
def test_pooled_features_are_the_direct_features(tokenizer, ngrams, extra):
    from nlp.classify.features import FeatureSpace
    from nlp.classify.lexicon import load_lexicon

    texts = [POOL_TEXTS[0] + extra, *POOL_TEXTS[1:]]
    tokens = tokenizer.pipe(texts, progress=False)
    fs = FeatureSpace(char_ngrams=ngrams, lexicon=load_lexicon()).fit(texts, tokens)
    from nlp.classify import ThemeClassifier

    pieces, owner, spelled = ThemeClassifier._passages(texts)
    assert spelled == [True, False, False, True]
    piece_tokens = tokenizer.pipe(pieces, progress=False)
    X, X_pieces = fs.transform_pooled(texts, tokens, pieces, piece_tokens, owner, spelled)
    assert (X != fs.transform(texts, tokens)).nnz == 0
    assert (X_pieces != fs.transform(pieces, piece_tokens)).nnz == 0


@pytest.mark.parametrize("ngrams", [(2, 3), (2, 4)])
@pytest.mark.parametrize("extra", ["", _BEYOND])
def test_ngram_counts_are_counts_also_when_scikit_learn_counts(ngrams, extra):
    # the counter is given the fitted TfidfVectorizer; where it falls back to
    # scikit-learn (n > 3, or a code point beyond U+7FFFF) it must still return counts
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    from nlp.classify.features import NgramCounter

    texts = [t + extra for t in POOL_TEXTS] + ["依法行政依法行政"]
    tfidf = TfidfVectorizer(analyzer="char", ngram_range=ngrams, lowercase=False).fit(texts)
    counts = CountVectorizer(analyzer="char", ngram_range=ngrams, lowercase=False).fit(texts)
    X = NgramCounter(tfidf).transform(texts)
    assert X.dtype.kind == "i"
    assert (X != counts.transform(texts)).nnz == 0


def test_lexicon_scores_sum_the_distinct_matched_terms():
    from nlp.classify.lexicon import load_lexicon

    lex = load_lexicon()
    texts = ["开展民法典宣传月活动，民法典宣传月覆盖全区", "", "法", "𠀀全面推行双随机一公开监管",
             "開展憲法宣傳"]
    found = [[i for i, term in enumerate(lex.terms) if term in t] for t in texts]  # by brute force
    expected = np.array([lex.weights[f].sum(axis=0) if f else np.zeros(len(lex.themes))
                         for f in found])
    assert np.array_equal(lex.scores(texts), expected)
    assert [lex.matches(t) for t in texts] == found
