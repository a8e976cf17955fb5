"""The tokenizer: policy dictionary, filters, private segmenter state, pickling.

Behaviour tests run on both backends (``fast``: rjieba; ``jieba``: pure Python).
"""

from __future__ import annotations

import pickle

import pytest

from nlp import Tokenizer
from nlp.tokenize import bundled_resource, fast_available, load_stopwords, load_userdict

ENTRIES = load_userdict(bundled_resource("userdict.txt"))

BACKENDS = [pytest.param("fast", marks=pytest.mark.skipif(not fast_available(),
                                                          reason="rjieba is not installed")),
            "jieba"]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def tok(backend) -> Tokenizer:
    return Tokenizer(backend=backend)


def test_dictionary_is_large_and_well_formed():
    words = [w for w, _, _ in ENTRIES]
    assert len(words) >= 300
    assert len(set(words)) == len(words)
    for must in ["放管服", "一网通办", "双随机一公开", "法治副校长", "校外培训机构", "谁执法谁普法",
                 "证照分离", "告知承诺制", "执法全过程记录", "重大行政决策", "规范性文件",
                 "八五普法", "民法典", "平安校园", "防溺水", "校园欺凌", "习近平法治思想"]:
        assert must in words, must
    assert all(freq and freq > 0 for _, freq, _ in ENTRIES)


def test_every_dictionary_term_stays_whole(tok):
    broken = [w for w, _, _ in ENTRIES if tok.cut(w) != [w]]
    assert broken == []
    in_context = [w for w, _, _ in ENTRIES if w not in tok.cut(f"我局深入推进{w}工作。")]
    assert in_context == []


def test_cut_is_lossless(tok, tieshan_path):
    text = tieshan_path.read_text(encoding="utf-8")
    assert "".join(tok.cut(text)) == text
    odd = "a\r\nb  c\t中文\n\n2011-2020年Ａ股１２３\x00"
    assert "".join(tok.cut(odd)) == odd
    assert tok.cut("") == [] and tok("") == []


def test_filters_are_switchable(backend):
    text = "2021年,我局开展了12次“双随机一公开”检查 和 普法。"
    full = Tokenizer(backend=backend)(text)
    assert "双随机一公开" in full and "检查" in full
    assert not {"2021", ",", "“", " ", "了", "的"} & set(full)
    kept = Tokenizer(backend=backend, drop_numbers=False, drop_punct=False, drop_single=False,
                     drop_stopwords=False)(text)
    assert "2021" in kept and "," in kept and "了" in kept


def test_changing_a_filter_after_use_takes_effect(backend):
    tok = Tokenizer(backend=backend)
    assert "了" not in tok("我局开展了检查")
    tok.drop_single = tok.drop_stopwords = False
    assert "了" in tok("我局开展了检查")


def test_stopword_file_is_documented():
    raw = bundled_resource("stopwords.txt").read_text(encoding="utf-8")
    assert raw.lstrip().startswith("#")
    stop = load_stopwords(bundled_resource("stopwords.txt"))
    assert "的" in stop and "执法" not in stop and "普法" not in stop


def test_user_files_extend_the_bundled_ones(tmp_path, backend):
    d = tmp_path / "my.txt"
    d.write_text("# my terms\n蒲公英计划 5000 nz\n青苗护航行动\n", encoding="utf-8")
    s = tmp_path / "stop.txt"
    s.write_text("检查\n", encoding="utf-8")
    tok = Tokenizer(backend=backend, userdict=d, stopwords=s)
    assert "蒲公英计划" in tok.cut("开展蒲公英计划活动")
    assert "青苗护航行动" in tok.cut("开展青苗护航行动")  # no frequency: jieba suggests one
    assert "检查" not in tok("开展执法检查")
    assert "检查" not in Tokenizer(backend=backend, stopwords={"检查"})("开展执法检查")
    assert "蒲公英计划" not in Tokenizer(backend=backend).cut("开展蒲公英计划活动")


def test_private_state_leaves_jieba_module_untouched(backend):
    import jieba

    Tokenizer(backend=backend, userdict=None).cut("推行双随机一公开")
    assert not jieba.dt.initialized or "双随机一公开" not in jieba.dt.FREQ


def test_pickles_and_gives_the_same_tokens(tok):
    tok("先初始化")
    blob = pickle.dumps(tok)
    assert len(blob) < 10_000  # the dictionary does not travel
    clone = pickle.loads(blob)
    text = "深化放管服改革,全面推行证照分离和告知承诺制。"
    assert clone(text) == tok(text)
    assert clone.fingerprint == tok.fingerprint


def test_pipe(tok):
    texts = ["推进一网通办", "开展宪法宣传周活动"] * 3
    assert tok.pipe(texts, progress=False, cache=False) == [tok(t) for t in texts]
    assert tok.pipe(iter(texts), progress=False, cache=False) == [tok(t) for t in texts]
    with pytest.raises(TypeError, match="single str"):
        tok.pipe("推进一网通办")
    with pytest.raises(TypeError, match="str"):
        tok.pipe(["推进", None], cache=False)
    with pytest.raises(TypeError):
        tok.cut(None)


# Run in a fresh interpreter: forking is refused while other threads run (earlier
# tests leave Dask and tqdm threads behind), and the fork path must be tested too.
WORKER_SCRIPT = """
import json, logging, os, sys
import nlp.tokenize
from nlp import Tokenizer

backend, start, mode = sys.argv[1:]
if start == "spawn":
    nlp.tokenize._can_fork = lambda: False
seen = []
class Note(logging.Handler):
    def emit(self, record):
        seen.append(record.getMessage())
logging.getLogger("nlp.tokenize").addHandler(Note())
logging.getLogger("nlp.tokenize").setLevel(logging.DEBUG)
tok = Tokenizer(backend=backend, drop_single=False)
texts = [f"第{i}次开展双随机一公开抽查和普法宣传" for i in range(600)]
texts[450] = "推进一网通办\\x1f和\\x1e证照分离"  # the separators of the packed results
texts[451] = ""
if mode == "auto":
    os.cpu_count = lambda: 2
    small = tok.pipe(texts, progress=False, cache=False)
    before = list(seen)
    nlp.tokenize._AUTO_CHARS_PER_WORKER[tok.backend_] = 1000
    out = tok.pipe(texts, progress=False, cache=False)
    ok = out == small == [tok(t) for t in texts]
else:
    before = []
    out = tok.pipe(texts, n_jobs=2, chunksize=100, progress=False, cache=False)
    ok = out == [tok(t) for t in texts]
print(json.dumps({"same": ok, "before": before, "log": seen[len(before):],
                  "can_fork": nlp.tokenize._can_fork()}))
"""


def _workers_run(backend: str, start: str, mode: str) -> dict:
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", WORKER_SCRIPT, backend, start, mode],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("start", ["fork", "spawn"])
@pytest.mark.parametrize("backend", ["auto", "jieba"])
def test_pipe_in_worker_processes(backend, start):
    import sys

    if start == "fork" and not sys.platform.startswith("linux"):
        pytest.skip("worker processes are forked on Linux only")
    result = _workers_run(backend, start, "explicit")
    assert result["same"]
    assert any(f"in 2 {start} processes" in m for m in result["log"]), result["log"]


def test_pipe_n_jobs_is_checked(tok):
    for bad in (0, -2, 1.5, "2", True):
        with pytest.raises(ValueError, match="n_jobs"):
            tok.pipe(["推进一网通办"] * 600, n_jobs=bad, progress=False, cache=False)


@pytest.mark.slow
def test_default_pipe_uses_processes_only_for_large_inputs():
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("the default forks workers on Linux only")
    result = _workers_run("auto", "fork", "auto")
    assert result["can_fork"] and result["same"]
    assert not any("processes" in m for m in result["before"])  # far below the threshold
    assert any("in 2 fork processes" in m for m in result["log"]), result["log"]


def test_bad_backend_and_dictionary(tmp_path, backend):
    with pytest.raises(ValueError, match="backend"):
        Tokenizer(backend="nope")
    bad = tmp_path / "bad.txt"
    bad.write_text("词语 many\n", encoding="utf-8")
    from nlp import InputError

    with pytest.raises(InputError, match=r"bad.txt:1"):
        Tokenizer(backend=backend, userdict=bad).cut("词语")


# --------------------------------------------------------------------------- fast backend

needs_fast = pytest.mark.skipif(not fast_available(), reason="rjieba is not installed")


def _spans(tokens):
    out, i = set(), 0
    for t in tokens:
        out.add((i, i + len(t)))
        i += len(t)
    return out


def _span_f1(texts, a: Tokenizer, b: Tokenizer) -> float:
    tp = fp = fn = 0
    for text in texts:
        sa, sb = _spans(a.cut(text)), _spans(b.cut(text))
        tp, fp, fn = tp + len(sa & sb), fp + len(sb - sa), fn + len(sa - sb)
    return 2 * tp / (2 * tp + fp + fn)


@needs_fast
def test_default_backend_is_fast_when_rjieba_imports():
    tok = Tokenizer()
    assert tok.backend == "auto" and tok.backend_ == "fast"
    assert tok.fingerprint == Tokenizer(backend="fast").fingerprint
    assert tok.fingerprint != Tokenizer(backend="jieba").fingerprint


def test_auto_falls_back_to_jieba_with_a_notice(monkeypatch, caplog):
    import sys

    import nlp.tokenize as nt

    monkeypatch.setitem(sys.modules, "rjieba", None)  # import rjieba now fails
    monkeypatch.setitem(sys.modules, "rjieba.rjieba", None)
    monkeypatch.setattr(nt, "_NOTICE_GIVEN", False)
    with caplog.at_level("WARNING", logger="nlp.tokenize"):
        tok = Tokenizer()
        assert tok.cut("推行证照分离改革") == ["推行", "证照分离", "改革"]
    assert tok.backend_ == "jieba"
    assert "rjieba is not installed" in caplog.text
    with pytest.raises(ImportError, match="pip install rjieba"):
        Tokenizer(backend="fast").cut("推行")


@needs_fast
def test_fast_backend_keeps_to_its_own_instance(tmp_path):
    import rjieba

    d = tmp_path / "mine.txt"
    d.write_text("蒲公英护苗计划 9000 nz\n", encoding="utf-8")
    tok = Tokenizer(backend="fast", userdict=d)
    assert "蒲公英护苗计划" in tok.cut("开展蒲公英护苗计划")
    assert not rjieba.has_word("蒲公英护苗计划")
    assert tok._segmenter() is Tokenizer(backend="fast", userdict=d)._segmenter()
    assert tok._segmenter() is not Tokenizer(backend="fast")._segmenter()


@needs_fast
def test_backends_cut_alike_on_the_bundled_reports(baoshan_path, tieshan_path):
    texts = [p.read_text(encoding="utf-8") for p in (baoshan_path, tieshan_path)]
    assert _span_f1(texts, Tokenizer(backend="jieba"), Tokenizer(backend="fast")) >= 0.995


@needs_fast
def test_backends_cut_alike_on_the_shared_corpus():
    import json

    from conftest import GOV_REPORTS

    if not GOV_REPORTS.is_file():
        pytest.skip(f"shared corpus {GOV_REPORTS} is not there")
    with open(GOV_REPORTS, encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    paras = [p for r in records[::12] for p in r["content"].split("\n") if p.strip()]
    assert len(paras) > 200
    assert _span_f1(paras, Tokenizer(backend="jieba"), Tokenizer(backend="fast")) >= 0.995
