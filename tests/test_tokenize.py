"""The tokenizer: policy dictionary, filters, private jieba state, pickling."""

from __future__ import annotations

import pickle

import pytest

from nlp import Tokenizer
from nlp.tokenize import bundled_resource, load_stopwords, load_userdict

ENTRIES = load_userdict(bundled_resource("userdict.txt"))


def test_dictionary_is_large_and_well_formed():
    words = [w for w, _, _ in ENTRIES]
    assert len(words) >= 300
    assert len(set(words)) == len(words)
    for must in ["放管服", "一网通办", "双随机一公开", "法治副校长", "校外培训机构", "谁执法谁普法",
                 "证照分离", "告知承诺制", "执法全过程记录", "重大行政决策", "规范性文件",
                 "八五普法", "民法典", "平安校园", "防溺水", "校园欺凌", "习近平法治思想"]:
        assert must in words, must
    assert all(freq and freq > 0 for _, freq, _ in ENTRIES)


def test_every_dictionary_term_stays_whole(tokenizer):
    broken = [w for w, _, _ in ENTRIES if tokenizer.cut(w) != [w]]
    assert broken == []
    in_context = [w for w, _, _ in ENTRIES if w not in tokenizer.cut(f"我局深入推进{w}工作。")]
    assert in_context == []


def test_cut_is_lossless(tokenizer, tieshan_path):
    text = tieshan_path.read_text(encoding="utf-8")
    assert "".join(tokenizer.cut(text)) == text


def test_filters_are_switchable():
    text = "2021年,我局开展了12次“双随机一公开”检查 和 普法。"
    full = Tokenizer()(text)
    assert "双随机一公开" in full and "检查" in full
    assert not {"2021", ",", "“", " ", "了", "的"} & set(full)
    kept = Tokenizer(drop_numbers=False, drop_punct=False, drop_single=False,
                     drop_stopwords=False)(text)
    assert "2021" in kept and "," in kept and "了" in kept


def test_stopword_file_is_documented():
    raw = bundled_resource("stopwords.txt").read_text(encoding="utf-8")
    assert raw.lstrip().startswith("#")
    stop = load_stopwords(bundled_resource("stopwords.txt"))
    assert "的" in stop and "执法" not in stop and "普法" not in stop


def test_user_files_extend_the_bundled_ones(tmp_path):
    d = tmp_path / "my.txt"
    d.write_text("# my terms\n蒲公英计划 5000 nz\n", encoding="utf-8")
    s = tmp_path / "stop.txt"
    s.write_text("检查\n", encoding="utf-8")
    tok = Tokenizer(userdict=d, stopwords=s)
    assert "蒲公英计划" in tok.cut("开展蒲公英计划活动")
    assert "检查" not in tok("开展执法检查")
    assert "检查" not in Tokenizer(stopwords={"检查"})("开展执法检查")


def test_private_state_leaves_jieba_module_untouched():
    import jieba

    Tokenizer(userdict=None).cut("推行双随机一公开")
    assert not jieba.dt.initialized or "双随机一公开" not in jieba.dt.FREQ


def test_pickles_and_gives_the_same_tokens(tokenizer):
    tokenizer("先初始化")
    blob = pickle.dumps(tokenizer)
    assert len(blob) < 10_000  # the dictionary does not travel
    clone = pickle.loads(blob)
    text = "深化放管服改革,全面推行证照分离和告知承诺制。"
    assert clone(text) == tokenizer(text)
    assert clone.fingerprint == tokenizer.fingerprint


def test_pipe(tokenizer):
    texts = ["推进一网通办", "开展宪法宣传周活动"] * 3
    assert tokenizer.pipe(texts, progress=False) == [tokenizer(t) for t in texts]
    with pytest.raises(TypeError, match="single str"):
        tokenizer.pipe("推进一网通办")
    with pytest.raises(TypeError):
        tokenizer.cut(None)


def test_pipe_in_worker_processes():
    tok = Tokenizer()
    texts = [f"第{i}次开展双随机一公开抽查和普法宣传" for i in range(600)]
    assert tok.pipe(texts, n_jobs=2, chunksize=100, progress=False) == [tok(t) for t in texts]


def test_bad_backend_and_dictionary(tmp_path):
    with pytest.raises(ValueError, match="backend"):
        Tokenizer(backend="nope")
    bad = tmp_path / "bad.txt"
    bad.write_text("词语 many\n", encoding="utf-8")
    from nlp import InputError

    with pytest.raises(InputError, match=r"bad.txt:1"):
        Tokenizer(userdict=bad).cut("词语")
