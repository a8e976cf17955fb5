"""nlp.topics: the LDA estimator contract, determinism, saving, select_k, prevalence, CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import nlp
from nlp.compare import prevalence
from nlp.errors import InputError, ModelIntegrityError
from nlp.topics import TopicModel, select_k, vocabulary_filter

VOCAB = {
    "普法": ["普法", "宣传", "法治", "讲座", "学生", "教育", "活动", "课堂"],
    "执法": ["执法", "检查", "监督", "处罚", "案件", "规范", "行政", "程序"],
    "安全": ["安全", "校园", "隐患", "排查", "消防", "食品", "演练", "防控"],
}


def _synthetic(n_docs=120, seed=0):
    """Documents drawn mostly from one of three disjoint word groups."""
    rng = np.random.RandomState(seed)
    groups = list(VOCAB.values())
    docs, truth = [], []
    for i in range(n_docs):
        g = i % 3
        words = list(rng.choice(groups[g], size=12))
        words += list(rng.choice(groups[(g + 1) % 3], size=2))
        docs.append([str(w) for w in words])
        truth.append(g)
    return docs, truth


@pytest.fixture(scope="module")
def docs():
    return _synthetic()[0]


@pytest.fixture(scope="module")
def fitted(docs):
    return TopicModel(3, random_state=0, no_below=2, no_above=0.5, passes=5).fit(
        docs, doc_ids=[f"u{i}" for i in range(len(docs))])


@pytest.fixture(scope="module")
def units_tokens():
    units = nlp.load_corpus(nlp.__path__[0] + "/../corpus").units()
    units = units[units["agency"].notna()].reset_index(drop=True)  # the two real reports
    tokens = nlp.Tokenizer().pipe(units["text"].tolist(), progress=False)
    return units, tokens


# ------------------------------------------------------------------ input contract

def test_generator_is_refused(docs):
    with pytest.raises(TypeError, match="more than once.*list"):
        TopicModel(3).fit(d for d in docs)
    with pytest.raises(TypeError, match="more than once"):
        TopicModel(3).fit(iter(docs))


def test_bare_string_raises_type_error(fitted):
    with pytest.raises(TypeError, match="not a single str"):
        TopicModel(3).fit("全面推进依法治校")
    with pytest.raises(TypeError, match="not a single str"):
        fitted.transform("全面推进依法治校")
    with pytest.raises(TypeError, match=r"token_lists\[1\].*list of tokens"):
        fitted.transform([["普法"], "普法宣传"])


def test_transform_before_fit_raises_not_fitted(docs):
    with pytest.raises(NotFittedError):
        TopicModel(3).transform(docs)
    with pytest.raises(NotFittedError):
        TopicModel(3).top_words()


@pytest.mark.parametrize("params, name", [
    ({"n_topics": 0}, "n_topics"), ({"n_topics": 2.5}, "n_topics"),
    ({"passes": 0}, "passes"), ({"no_above": 1.5}, "no_above"), ({"no_below": 0}, "no_below"),
    ({"no_below": 1.5}, "no_below"), ({"no_below": "many"}, "no_below"),
    ({"no_above": "auto-ish"}, "no_above"), ({"no_above": 0}, "no_above"),
    ({"alpha": "bogus"}, "alpha"), ({"alpha": -1.0}, "alpha"), ({"eta": "asymmetric"}, "eta"),
    ({"init": "kmeans"}, "init"), ({"engine": "mallet"}, "engine"), ({"decay": 0.1}, "decay"), ({"offset": 0}, "offset"),
])
def test_bad_parameters_name_the_parameter(docs, params, name):
    model = TopicModel(**params)  # the constructor only stores
    assert model.get_params()[name] == params[name]
    with pytest.raises(ValueError, match=f"^{name} must be .*got"):
        model.fit(docs)


def test_empty_vocabulary_is_an_input_error():
    with pytest.raises(InputError, match="no_below"):
        TopicModel(2, no_below=50).fit([["普法", "宣传"]] * 3)
    with pytest.raises(InputError, match="empty"):
        TopicModel(2).fit([])


# ------------------------------------------------------------------ the vocabulary filter

@pytest.mark.parametrize("n, no_below, no_above", [
    (40, 2, 0.5), (45, 2, 0.5), (200, 2, 0.5), (400, 2, 0.354), (999, 2, 0.224),
    (1000, 5, 0.224), (2000, 5, 0.158), (5000, 8, 0.1), (6460, 10, 0.1), (40_000, 60, 0.1),
    (400_000, 600, 0.1)])
def test_default_filter_scales_with_the_number_of_documents(n, no_below, no_above):
    f = vocabulary_filter(n)
    assert (f["no_below"], f["no_above"]) == (no_below, no_above)
    assert f["auto"] == ["no_below", "no_above"] and str(n) in f["summary"]


def test_filter_takes_counts_shares_and_fixed_values():
    assert vocabulary_filter(1000, no_below=0.01)["no_below"] == 10
    assert vocabulary_filter(10, no_below=0.01)["no_below"] == 1
    f = vocabulary_filter(1000, no_below=3, no_above=0.4)
    assert (f["no_below"], f["no_above"], f["auto"]) == (3, 0.4, [])
    assert "as given" in f["summary"]
    assert vocabulary_filter(1000, no_above=0.4)["auto"] == ["no_below"]
    with pytest.raises(ValueError, match="no_below"):
        vocabulary_filter(10, no_below="lots")


def test_defaults_fit_the_bundled_corpus_and_say_which_filter(units_tokens, tmp_path):
    _, tokens = units_tokens
    model = TopicModel(8, random_state=0).fit(tokens)  # failed with fixed 10 / 0.1
    assert model.get_params()["no_below"] == "auto"
    assert model.filter_["no_below"] == 2 and model.filter_["no_above"] == 0.5
    assert model.filter_["n_docs"] == len(tokens)
    assert model.filter_["n_terms"] == len(model.vocabulary_) >= 5 * 8
    loaded = TopicModel.load(model.save(tmp_path / "lda"))
    assert loaded.filter_ == model.filter_
    assert model.filter_["summary"] in (tmp_path / "lda" / "card.md").read_text(encoding="utf-8")
    table = select_k(tokens, ks=[4, 6], seeds=(0, 1), progress=False)
    assert table["no_below"].tolist() == [2, 2] and (table["n_terms"] > 0).all()


def test_the_filter_is_used_as_reported(docs):
    model = TopicModel(3, random_state=0, no_below=0.3, no_above=1.0, passes=1).fit(docs)
    df = model.dictionary_.dfs
    assert model.filter_["no_below"] == 36  # 30 % of 120 documents
    assert min(df.values()) >= 36 and len(df) == model.filter_["n_terms"] > 0


def test_estimator_contract(docs):
    model = TopicModel(4, random_state=1, passes=2, alpha="auto", no_below=2, no_above=0.5)
    twin = clone(model)
    assert twin.get_params() == model.get_params()
    assert model.fit(docs) is model
    assert not hasattr(twin, "model_")


# ------------------------------------------------------------------ results

def test_same_seed_gives_identical_topics(docs, fitted):
    again = TopicModel(3, random_state=0, no_below=2, no_above=0.5, passes=5).fit(docs)
    assert again.top_words(8) == fitted.top_words(8)
    np.testing.assert_array_equal(again.components_, fitted.components_)
    np.testing.assert_array_equal(fitted.transform(docs), fitted.transform(docs))


def test_recovers_planted_topics(fitted):
    found = {frozenset(words) for words in fitted.top_words(8)}
    assert found == {frozenset(v) for v in VOCAB.values()}


def test_transform_gives_proportions(fitted, docs):
    theta = fitted.transform(docs[:5] + [[], ["未知词"]])
    assert theta.shape == (7, 3)
    np.testing.assert_allclose(theta.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(theta[-1], theta[-2])  # no known word: the prior mean
    truth = _synthetic()[1][:5]
    top = [fitted.top_words(1)[k][0] for k in theta[:5].argmax(axis=1)]
    assert [next(g for g, v in enumerate(VOCAB.values()) if w in v) for w in top] == truth


def test_topic_table_ranks_by_relevance(fitted):
    table = fitted.topic_table(n=5, relevance=0.6)
    assert list(table.columns) == ["topic", "label", "share", "rank", "term", "weight",
                                   "lift", "relevance"]
    assert len(table) == 15 and table["label"].nunique() == 3
    for _, grp in table.groupby("topic"):
        assert grp["relevance"].is_monotonic_decreasing
    by_prob = fitted.topic_table(n=3, relevance=1.0)
    for k, grp in by_prob.groupby("topic"):
        assert grp["term"].tolist() == fitted.top_words(3)[k]
    with pytest.raises(ValueError, match="relevance"):
        fitted.topic_table(relevance=2)


def test_coherence(fitted, docs):
    npmi = fitted.coherence(docs, measure="c_npmi", topn=8)
    assert 0 < npmi <= 1
    per = fitted.coherence(docs, measure="c_v", topn=8, per_topic=True)
    assert per.shape == (3,) and np.all(per > 0)
    with pytest.raises(ValueError, match="measure"):
        fitted.coherence(docs, measure="c_bogus")


def test_representative_units(fitted):
    top = fitted.representative_units(1, n=4)
    assert list(top.columns) == ["doc", "doc_id", "share"]
    assert top["share"].is_monotonic_decreasing and len(top) == 4
    assert top["doc_id"].tolist() == [f"u{i}" for i in top["doc"]]
    with pytest.raises(ValueError, match="k must be"):
        fitted.representative_units(3)


def test_tomotopy_engine_is_deterministic_and_saves(docs, tmp_path):
    pytest.importorskip("tomotopy")
    params = dict(random_state=0, no_below=2, no_above=0.5, engine="tomotopy")
    model = TopicModel(3, **params).fit(docs)
    assert {frozenset(w) for w in model.top_words(8)} == {frozenset(v) for v in VOCAB.values()}
    np.testing.assert_array_equal(TopicModel(3, **params).fit(docs).components_,
                                  model.components_)
    loaded = TopicModel.load(model.save(tmp_path / "tp"))
    np.testing.assert_allclose(loaded.transform(docs), model.transform(docs), rtol=1e-6)


def test_pyldavis_html(fitted, tmp_path):
    pytest.importorskip("pyLDAvis")
    out = fitted.to_pyldavis(tmp_path / "lda.html")
    assert out.exists() and "LDAvis" in out.read_text(encoding="utf-8")


# ------------------------------------------------------------------ saving

def test_save_load_round_trip(fitted, docs, tmp_path):
    folder = fitted.save(tmp_path / "lda")
    names = sorted(p.name for p in folder.iterdir())
    assert "manifest.json" in names and "card.md" in names
    assert not any(n.endswith((".pkl", ".pickle")) for n in names)
    loaded = TopicModel.load(folder)
    assert loaded.get_params() == fitted.get_params()
    assert loaded.top_words(8) == fitted.top_words(8)
    assert loaded.labels_ == fitted.labels_
    np.testing.assert_allclose(loaded.transform(docs), fitted.transform(docs), rtol=1e-6)
    pd.testing.assert_frame_equal(loaded.representative_units(0), fitted.representative_units(0))


def test_tampered_or_missing_model_is_refused(fitted, tmp_path):
    folder = fitted.save(tmp_path / "lda")
    with open(folder / "sstats.npy", "r+b") as f:
        f.seek(-4, 2)
        f.write(b"\x00\x00\x80\x7f")
    with pytest.raises(ModelIntegrityError, match="sstats.npy"):
        TopicModel.load(folder)
    with pytest.raises(ModelIntegrityError, match="does not exist"):
        TopicModel.load(tmp_path / "nothing")


def test_resigned_foreign_params_are_refused(fitted, tmp_path):
    from nlp.persist import write_manifest

    folder = fitted.save(tmp_path / "lda")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "params.json").write_text('{"n_topics": 3, "evil": 1}', encoding="utf-8")
    write_manifest(folder, {k: v for k, v in manifest.items() if k != "files"})
    with pytest.raises(ModelIntegrityError, match="inconsistent"):
        TopicModel.load(folder)


# ------------------------------------------------------------------ choosing k, prevalence

def test_select_k_table(docs):
    table = select_k(docs, ks=[2, 3], seeds=(0, 1), passes=3, no_below=2, no_above=0.5,
                     progress=False)
    assert list(table.columns) == ["k", "coherence_mean", "coherence_std", "stability_mean",
                                   "stability_std", "n_seeds", "seconds", "no_below",
                                   "no_above", "n_terms"]
    assert table["no_below"].tolist() == [2, 2] and table["no_above"].tolist() == [0.5, 0.5]
    assert table["k"].tolist() == [2, 3]
    assert table["stability_mean"].between(0, 1).all()
    assert table.loc[1, "coherence_mean"] > table.loc[0, "coherence_mean"]
    with pytest.raises(ValueError, match="n_topics"):
        select_k(docs, ks=[2], n_topics=3)
    with pytest.raises(TypeError, match="more than once"):
        select_k(iter(docs), ks=[2])


def test_prevalence_table():
    rng = np.random.RandomState(0)
    theta = rng.dirichlet([1, 1, 1], size=60)
    meta = pd.DataFrame({"agency": ["宝山区教育局", "铁山区教育局"] * 30,
                         "year": [2021] * 30 + [2024] * 30})
    table = prevalence(theta, meta, by=["agency", "year"], labels=["甲", "乙", "丙"],
                       n_boot=300, random_state=0)
    assert list(table.columns) == ["agency", "year", "topic", "label", "share", "ci_low",
                                   "ci_high", "n_docs"]
    assert len(table) == 4 * 3 and (table["n_docs"] == 15).all()
    sums = table.groupby(["agency", "year"])["share"].sum()
    np.testing.assert_allclose(sums, 1.0)
    assert (table["ci_low"] <= table["share"]).all() and (table["share"] <= table["ci_high"]).all()
    again = prevalence(theta, meta, by=["agency", "year"], n_boot=300, random_state=0)
    np.testing.assert_array_equal(again["ci_low"], table["ci_low"])
    with pytest.raises(InputError, match="region"):
        prevalence(theta, meta, by="region")
    with pytest.raises(ValueError, match="one row per document"):
        prevalence(theta, meta.iloc[:10], by="agency")


def test_bundled_corpus_topics_per_agency(units_tokens):
    units, tokens = units_tokens
    model = TopicModel(4, random_state=0, no_below=2, no_above=0.5).fit(tokens)
    theta = model.transform(tokens)
    table = prevalence(theta, units, by="agency", labels=model.labels_, n_boot=200)
    assert set(table["agency"]) == set(units["agency"])
    assert len(table) == 4 * units["agency"].nunique()


def test_shipped_model_loads_and_reads_bundled_units(units_tokens):
    from nlp.resources import shipped_model_dir

    if not (shipped_model_dir("lda") / "manifest.json").exists():
        pytest.skip("models/lda not built yet")
    model = TopicModel.load()
    _, tokens = units_tokens
    theta = model.transform(tokens)
    assert theta.shape == (len(tokens), model.n_topics)
    assert model.topic_table(n=5)["label"].nunique() == model.n_topics


# ------------------------------------------------------------------ CLI

def test_cli_topics_writes_its_files(tmp_path, corpus_dir):
    from nlp.cli import main

    pytest.importorskip("pyLDAvis")
    out = tmp_path / "topics"
    assert main(["topics", str(corpus_dir), "-k", "3", "-o", str(out), "-q",
                 "--no-below", "2", "--no-above", "0.5"]) == 0
    table = pd.read_csv(out / "topic_table.csv", encoding="utf-8-sig")
    assert {"topic", "label", "term", "relevance"} <= set(table.columns)
    doc_topic = pd.read_csv(out / "doc_topics.csv", encoding="utf-8-sig")
    assert {"report_id", "unit_id", "topic_0", "topic_2"} <= set(doc_topic.columns)
    assert (out / "topics.html").exists()
    summary = json.loads((out / "topic_model.json").read_text(encoding="utf-8"))
    assert summary["filter"]["no_below"] == 2 and summary["filter"]["auto"] == []
    assert len(summary["labels"]) == 3


def test_cli_topics_defaults_fit_a_small_corpus_and_log_the_filter(tmp_path, corpus_dir,
                                                                    caplog):
    import logging

    from nlp.cli import main

    out = tmp_path / "topics"
    with caplog.at_level(logging.INFO, logger="nlp"):
        assert main(["topics", str(corpus_dir), "-k", "4", "-o", str(out)]) == 0
    assert "vocabulary filter: words in at least 2 and at most 50% of 45" in caplog.text
    summary = json.loads((out / "topic_model.json").read_text(encoding="utf-8"))
    assert summary["filter"]["auto"] == ["no_below", "no_above"]


def test_cli_select_k(tmp_path, corpus_dir, capsys):
    from nlp.cli import main

    out = tmp_path / "sel"
    assert main(["topics", str(corpus_dir), "--select-k", "2:4:2", "--seeds", "0,1",
                 "-o", str(out), "-q", "--no-below", "2", "--no-above", "0.5"]) == 0
    assert "coherence_mean" in capsys.readouterr().out
    assert pd.read_csv(out / "select_k.csv", encoding="utf-8-sig")["k"].tolist() == [2, 4]
    assert main(["topics", str(corpus_dir), "--select-k", "4:2", "-o", str(out), "-q"]) == 2
