"""The catalogue of bad inputs: one row per case, each with its documented outcome.

Three tables:

* ``FILE_CASES`` - report files.  Each row is read with :func:`nlp.read_report`
  (the documented exception, its message naming the file and, when known,
  the line) and with ``fazhi segment`` after a good report (exit code 2, the
  file named on stderr, no output and no temporary file left behind).
* ``LABEL_CASES`` - labels tables read with :func:`nlp.read_labels`.
* ``API_CASES`` - misuse of the Python API (wrong types, one-shot
  generators, ``predict`` before ``fit``, out-of-range parameters).

Large inputs (a huge line, zip and PDF bombs) are built small at test time
and meet lowered :class:`nlp.Limits`.
"""

from __future__ import annotations

import dataclasses
import io
import os
import random
import re
import stat
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from sklearn.exceptions import NotFittedError

import nlp
from nlp import InputError, Limits, ResourceLimitError
from nlp.cli import main

ROOT = Path(__file__).resolve().parents[1]
GOOD_REPORT = ROOT / "corpus" / "reports" / "tieshan_2024.txt"
TEXT = GOOD_REPORT.read_text(encoding="utf-8")
SENTENCE = "某区教育局坚持依法行政,深入推进法治政府建设,一是加强普法宣传;二是规范行政执法。\n"


# --------------------------------------------------------------------------- builders

def _docx_bytes(paragraphs=("某区教育局2023年法治政府建设情况报告", "一、主要举措",
                            "一是推行一网通办;二是落实证照分离。")) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _rezip(data: bytes, *, replace: dict | None = None, add: dict | None = None,
           method=zipfile.ZIP_DEFLATED) -> bytes:
    """Copy a zip archive, replacing or adding members."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", method) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, content in add.items():
            dst.writestr(name, content)
    return out.getvalue()


def _understate_size(data: bytes, member: str, size: int) -> bytes:
    """Patch the local and central headers of ``member`` to claim ``size`` bytes."""
    buf = bytearray(data)
    name = member.encode()
    for sig, field in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = buf.find(sig)
        while pos != -1:
            name_len = int.from_bytes(buf[pos + (26 if sig == b"PK\x03\x04" else 28):][:2],
                                      "little")
            start = pos + (30 if sig == b"PK\x03\x04" else 46)
            if bytes(buf[start:start + name_len]) == name:
                buf[pos + field:pos + field + 4] = size.to_bytes(4, "little")
            pos = buf.find(sig, pos + 4)
    return bytes(buf)


def docx_zip_bomb() -> bytes:
    """A real docx with one member of 20 MB of zeros (about 20 KB packed)."""
    return _rezip(_docx_bytes(), add={"word/media/image1.bin": bytes(20_000_000)})


def docx_large_member() -> bytes:
    """A docx holding 300 KB of text that packs only a few times (a low-ratio bomb)."""
    rng = random.Random(0)
    han = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(100_000))
    return _rezip(_docx_bytes(), add={"word/media/notes.txt": han.encode("utf-8")})


def docx_xxe(secret: Path) -> bytes:
    """A docx whose document.xml pulls in a local file through an external entity."""
    data = _docx_bytes(paragraphs=("某区教育局2023年法治政府建设情况报告", "PLACEHOLDER"))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("word/document.xml").decode("utf-8")
    decl_end = xml.index("?>") + 2
    xml = (xml[:decl_end] + f'\n<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
           + xml[decl_end:]).replace("PLACEHOLDER", "&xxe;")
    return _rezip(data, replace={"word/document.xml": xml.encode("utf-8")})


def pdf_bytes(stream: bytes, *, flate: bool = True) -> bytes:
    """A one-page PDF whose content stream is ``stream`` (Flate-packed if ``flate``)."""
    body = zlib.compress(stream) if flate else stream
    filt = b" /Filter /FlateDecode" if flate else b""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
            b"<< /Length %d%s >>\nstream\n" % (len(body), filt) + body + b"\nendstream"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1,
                                                                              xref)
    return bytes(out)


# --------------------------------------------------------------------------- file cases

@dataclasses.dataclass(frozen=True)
class FileCase:
    """One bad report file: how to build it and what reading it must raise."""

    id: str
    build: Callable[[Path], Path]
    error: type[Exception]
    match: str
    line: int | None = None
    limits: Limits = nlp.ingest.DEFAULT_LIMITS


def _write(name: str, data: bytes | Callable[[], bytes]):
    def build(tmp: Path) -> Path:
        f = tmp / name
        f.write_bytes(data() if callable(data) else data)
        return f
    return build


def _dir(tmp: Path) -> Path:
    d = tmp / "reports.txt"
    d.mkdir()
    return d


def _symlink_loop(tmp: Path) -> Path:
    a, b = tmp / "a.txt", tmp / "b.txt"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def _broken_symlink(tmp: Path) -> Path:
    a = tmp / "moved.txt"
    a.symlink_to(tmp / "gone.txt")
    return a


def _fifo(tmp: Path) -> Path:
    f = tmp / "pipe.txt"
    os.mkfifo(f)
    return f


def _unreadable(tmp: Path) -> Path:
    f = tmp / "secret.txt"
    f.write_text(TEXT, encoding="utf-8")
    f.chmod(0)
    return f


def _xxe(tmp: Path) -> Path:
    secret = tmp / "secret.txt"
    secret.write_text("机密:不应出现在报告里", encoding="utf-8")
    f = tmp / "xxe.docx"
    f.write_bytes(docx_xxe(secret))
    return f


def _mixed() -> bytes:
    head = ("一、工作开展情况\n" + SENTENCE * 3).encode("utf-8")   # lines 1-4 UTF-8
    return head + SENTENCE.encode("gbk") * 2                      # line 5 on GBK


def _truncated() -> bytes:
    data = ("一、工作开展情况\n" + SENTENCE * 3).encode("utf-8")
    return data[:-2]  # drop the final newline and the last byte of "。" (line 4)


def _pdf_no_text() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig = plt.figure(figsize=(2, 2))
    fig.figimage(np.random.default_rng(0).random((50, 50)))  # a "scan": pixels only
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf")
    plt.close(fig)
    return buf.getvalue()


FILE_CASES = [
    FileCase("empty", _write("empty.txt", b""), InputError, "empty file"),
    FileCase("whitespace-only", _write("blank.txt", " \n\t\r\n\u3000\n".encode()), InputError,
             "no Chinese body text"),
    FileCase("binary", _write("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50),
             InputError, "binary file"),
    FileCase("truncated-utf8", _write("cut.txt", _truncated), InputError, "truncated UTF-8",
             line=4),
    FileCase("mixed-encodings", _write("mixed.txt", _mixed), InputError,
             "mixed or corrupt encoding", line=5),
    FileCase("claims-utf8-holds-gb18030", _write("bom.txt", b"\xef\xbb\xbf"
                                                 + (SENTENCE * 3).encode("gb18030")),
             InputError, "UTF-8 byte-order mark but holds another", line=1),
    FileCase("utf16-claim-odd-bytes", _write("u16.txt", b"\xff\xfe" + "法治".encode("utf-16-le")
                                             + b"\x00\xd8\x00"), InputError, "binary file"),
    FileCase("huge-single-line-bytes", _write("line.txt", ("一是普法," * 40_000).encode()),
             ResourceLimitError, "max_bytes=100000", limits=Limits(max_bytes=100_000)),
    FileCase("huge-single-line-chars", _write("line.txt", ("一是普法," * 40_000).encode()),
             ResourceLimitError, "max_chars=50000", limits=Limits(max_chars=50_000)),
    FileCase("html-navigation-only", _write("nav.html", (
        "<html><head><title>首页_某区人民政府</title></head><body>"
        "<div><a href='/'>首页</a> | <a href='/zw'>政务公开</a> | <a href='/bs'>办事服务</a></div>"
        "<ul><li><a href='/a'>机构概况</a></li><li><span><a href='/b'>领导信息</a></span></li></ul>"
        "<div>当前位置: <a href='/'>首页</a> &gt; <a>法治政府</a></div>"
        "<footer>版权所有 某区人民政府</footer></body></html>").encode()),
        InputError, "no Chinese body text"),
    FileCase("html-scripts-only", _write("app.html", (
        "<html><body><script>document.write('某区教育局法治政府建设情况报告')</script>"
        "<noscript>请启用脚本</noscript><iframe src='http://example.invalid/r.html'></iframe>"
        "</body></html>").encode()), InputError, "no Chinese body text"),
    FileCase("docx-zip-bomb", _write("bomb.docx", docx_zip_bomb), ResourceLimitError,
             "zip bomb"),
    FileCase("docx-over-unpacked-limit", _write("big.docx", docx_large_member),
             ResourceLimitError, "max_unpacked_bytes=200000",
             limits=Limits(max_unpacked_bytes=200_000)),
    FileCase("docx-understated-sizes", _write("liar.docx", lambda: _understate_size(
        _docx_bytes(), "word/document.xml", 100)), InputError, "broken zip archive"),
    FileCase("docx-xxe", _xxe, InputError, "declares a DTD or entities"),
    FileCase("docx-not-a-zip", _write("fake.docx", b"PK\x03\x04" + "报告".encode() * 30),
             InputError, "not a valid .docx"),
    FileCase("docx-bzip2-member", _write("bz.docx", lambda: _rezip(
        _docx_bytes(), method=zipfile.ZIP_BZIP2)), InputError, "Word never writes"),
    FileCase("pdf-no-text-layer", _write("scan.pdf", _pdf_no_text), InputError,
             "no text layer"),
    FileCase("pdf-decompression-bomb", _write("bomb.pdf", lambda: pdf_bytes(bytes(5_000_000))),
             ResourceLimitError, "max_unpacked_bytes=1000000",
             limits=Limits(max_unpacked_bytes=1_000_000)),
    FileCase("pdf-garbage", _write("junk.pdf", b"%PDF-1.7\n1 0 obj <<"
                                   + b"/Kids [" * 50), InputError, "PDF"),
    FileCase("too-many-units", _write("many.txt", ("\n".join(f"第{i}段:加强普法宣传。"
                                                           for i in range(60))).encode()),
             ResourceLimitError, "max_units=50", limits=Limits(max_units=50)),
    FileCase("directory", _dir, InputError, "is a directory"),
    FileCase("symlink-loop", _symlink_loop, InputError, "symbolic link loop"),
    FileCase("broken-symlink", _broken_symlink, InputError, "broken symbolic link"),
    FileCase("missing", lambda tmp: tmp / "missing.txt", InputError, "no such file"),
    FileCase("fifo", _fifo, InputError, "not a regular file"),
    FileCase("no-read-permission", _unreadable, InputError, "permission denied"),
    FileCase("unsupported-type", _write("report.rtf", SENTENCE.encode()), InputError,
             "unsupported file type"),
]


@pytest.fixture
def as_unprivileged(monkeypatch):
    """Make ``chmod 0`` bite even when the tests run as root (as in containers)."""
    if os.geteuid() != 0:
        return
    import builtins

    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if isinstance(file, (str, Path)) and Path(file).exists() \
                and not stat.S_IMODE(Path(file).stat().st_mode) & 0o444:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)


def _units(report, limits):
    return nlp.segment(report, max_units=limits.max_units)


@pytest.mark.parametrize("case", FILE_CASES, ids=lambda c: c.id)
def test_file_case_library(case, tmp_path, as_unprivileged):
    path = case.build(tmp_path)
    with pytest.raises(case.error, match=re.escape(case.match)) as info:
        _units(nlp.read_report(path, limits=case.limits), case.limits)
    err = info.value
    assert isinstance(err, InputError)  # every file problem is an InputError (CLI exit 2)
    assert err.path == str(path) and str(path) in str(err)
    if case.line is not None:
        assert err.line == case.line and f"{path}:{case.line}:" in str(err)


def _limit_args(limits: Limits) -> list[str]:
    default = nlp.ingest.DEFAULT_LIMITS
    return [arg for name in ("max_bytes", "max_unpacked_bytes", "max_chars", "max_units")
            if getattr(limits, name) != getattr(default, name)
            for arg in (f"--{name.replace('_', '-')}", str(getattr(limits, name)))]


@pytest.mark.parametrize("case", FILE_CASES, ids=lambda c: c.id)
def test_file_case_cli(case, tmp_path, as_unprivileged, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    path = case.build(inputs)
    out_dir = tmp_path / "out"
    out = out_dir / "units.csv"
    code = main(["segment", str(GOOD_REPORT), str(path), "-o", str(out), "-q",
                 *_limit_args(case.limits)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(path) in err and "error:" in err
    assert not out.exists()
    assert not out_dir.exists() or os.listdir(out_dir) == []  # no temporary file either


def test_xxe_payload_is_never_resolved_by_the_docx_parser(tmp_path):
    """Even below our DTD check, python-docx's lxml parser leaves the entity unresolved."""
    import docx

    f = _xxe(tmp_path)
    try:
        paragraphs = [p.text for p in docx.Document(str(f)).paragraphs]
    except Exception:  # noqa: BLE001 - refusing the document is also safe
        return
    assert not any("机密" in p for p in paragraphs)


def test_limits_reach_load_corpus(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    corpus = nlp.load_corpus(tmp_path, limits=Limits(max_units=5))
    with pytest.raises(ResourceLimitError, match="max_units=5") as info:
        corpus.units(progress=False)
    assert str(tmp_path / "a.txt") in str(info.value)
    with pytest.raises(ResourceLimitError, match="max_bytes=1000"):
        list(nlp.load_corpus(tmp_path, limits=Limits(max_bytes=1000)))


def test_charset_declaration_does_not_decide(tmp_path):
    """A page that claims GBK but holds UTF-8 is read by its bytes, not its claim."""
    page = ("<html><head><meta charset='gbk'></head><body><p>" + SENTENCE
            + "</p></body></html>")
    f = tmp_path / "claims-gbk.html"
    f.write_bytes(page.encode("utf-8"))
    assert "深入推进法治政府建设" in nlp.read_report(f).text


# --------------------------------------------------------------------------- labels files

@dataclasses.dataclass(frozen=True)
class LabelCase:
    """One labels table: how to build it and what :func:`nlp.read_labels` must do.

    ``error=None`` marks an input that is documented to be read as-is (its
    texts and labels equal those of the same table saved as UTF-8).
    """

    id: str
    build: Callable[[Path], Path]
    error: type[Exception] | None
    match: str = ""
    line: int | None = None


ROWS = [("开展宪法宣传周活动,组织干部学法。", "普法宣传"),
        ("推行证照分离改革,压缩审批时限。", "放管服"),
        ("开展校园安全隐患排查整治。", "校园安全;行政执法"),
        ("召开年度工作会议。", "其他")]


def _csv(rows, header="text,labels") -> str:
    lines = [header] + [f'"{t}","{lab}"' for t, lab in rows]
    return "\n".join(lines) + "\n"


def _labels_file(name: str, content: Callable[[], bytes]):
    def build(tmp: Path) -> Path:
        f = tmp / name
        f.write_bytes(content())
        return f
    return build


def _xlsx(tmp: Path, sheets: dict) -> Path:
    import pandas as pd

    f = tmp / "labels.xlsx"
    with pd.ExcelWriter(f, engine="openpyxl") as w:
        for name, rows in sheets.items():
            pd.DataFrame(rows, columns=["text", "labels"]).to_excel(w, sheet_name=name,
                                                                    index=False)
    return f


LABEL_CASES = [
    LabelCase("missing-text-column", _labels_file("a.csv", lambda: _csv(
        ROWS, header="文本,labels").encode()), InputError, "no 'text' column", line=1),
    LabelCase("missing-labels-column", _labels_file("b.csv", lambda: (
        "text,note\n" + "".join(f"{t},x\n" for t, _ in ROWS)).encode()), InputError,
        "no labels"),
    LabelCase("unknown-theme", _labels_file("c.csv", lambda: _csv(
        ROWS[:2] + [("加强执法监督。", "行政执法;法治宣传")]).encode()), InputError,
        "法治宣传", line=4),
    LabelCase("empty-text", _labels_file("d.csv", lambda: _csv(
        ROWS[:1] + [("   ", "普法宣传")] + ROWS[1:]).encode()), InputError, "empty text",
        line=3),
    LabelCase("conflicting-duplicates", _labels_file("e.csv", lambda: _csv(
        ROWS + [(ROWS[0][0], "放管服")]).encode()), InputError, "on line 2", line=6),
    LabelCase("bad-0-1-cell", _labels_file("f.csv", lambda: (
        "text,普法宣传\n" + ROWS[0][0] + ",1\n" + ROWS[1][0] + ",maybe\n").encode()),
        InputError, "must hold 0 or 1", line=3),
    LabelCase("xlsx-several-sheets", lambda tmp: _xlsx(tmp, {"第一批": ROWS[:2],
                                                             "第二批": ROWS[2:]}),
              InputError, "has 2 sheets"),
    LabelCase("xlsx-broken", _labels_file("g.xlsx", lambda: b"PK\x03\x04" + b"\x00" * 64),
              InputError, "not a readable .xlsx"),
    LabelCase("csv-gb18030", _labels_file("h.csv", lambda: _csv(ROWS).encode("gb18030")),
              None),
    LabelCase("csv-gb18030-with-utf8-bom", _labels_file("i.csv", lambda: b"\xef\xbb\xbf"
                                                        + _csv(ROWS).encode("gb18030")),
              InputError, "byte-order mark but holds another encoding"),
    LabelCase("csv-mixed-utf8-gb18030", _labels_file("j.csv", lambda: _csv(ROWS[:3]).encode()
                                                     + _csv(ROWS[3:], header="")[1:]
                                                     .encode("gb18030")),
              InputError, "mixed or corrupt encoding", line=5),
    LabelCase("jsonl-bad-line", _labels_file("k.jsonl", lambda: (
        '{"text": "开展普法。", "labels": "普法宣传"}\n{"text": "执法\n').encode()),
        InputError, "not valid JSON", line=2),
    LabelCase("unsupported-format", _labels_file("l.xls", lambda: b"\xd0\xcf\x11\xe0"),
              InputError, "unsupported labels format"),
]


@pytest.mark.parametrize("case", LABEL_CASES, ids=lambda c: c.id)
def test_label_case_library(case, tmp_path):
    from nlp.labels import read_labels

    path = case.build(tmp_path)
    if case.error is None:
        got = read_labels(path)
        utf8 = tmp_path / "utf8.csv"
        utf8.write_text(_csv(ROWS), encoding="utf-8")
        want = read_labels(utf8)
        assert got["text"].tolist() == want["text"].tolist() == [t for t, _ in ROWS]
        assert got["labels"].tolist() == want["labels"].tolist()
        return
    with pytest.raises(case.error, match=re.escape(case.match)) as info:
        read_labels(path)
    assert info.value.path == str(path) and str(path) in str(info.value)
    if case.line is not None:
        assert info.value.line == case.line and f"{path}:{case.line}:" in str(info.value)


@pytest.mark.parametrize("case", [c for c in LABEL_CASES if c.error], ids=lambda c: c.id)
def test_label_case_cli(case, tmp_path, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    path = case.build(inputs)
    out = tmp_path / "out" / "model"
    assert main(["train", str(path), "-o", str(out), "--cv", "0", "-q"]) == 2
    assert str(path) in capsys.readouterr().err
    assert not out.exists()
    assert not out.parent.exists() or os.listdir(out.parent) == []


# --------------------------------------------------------------------------- API misuse

def _gen():
    yield from (t for t, _ in ROWS)


def _fitted_lexicon():
    from nlp.classify import LexiconClassifier

    return LexiconClassifier().fit()


def _theme(**kw):
    from nlp.classify import ThemeClassifier

    return ThemeClassifier(random_state=0, **kw)


def _topics(**kw):
    from nlp.topics import TopicModel

    return TopicModel(random_state=0, **kw)


DOCS = [["普法", "宣传", "宪法"], ["证照", "分离", "改革"], ["校园", "安全", "排查"]] * 3
TEXTS = [t for t, _ in ROWS]
LABELS = [lab for _, lab in ROWS]

API_CASES = [
    ("tokenizer-pipe-bare-str", lambda tok: tok.pipe("开展普法宣传", progress=False),
     TypeError, "not a single str"),
    ("tokenizer-cut-bytes", lambda tok: tok.cut("普法".encode()), TypeError, "must be a str"),
    ("segment-bare-str", lambda tok: nlp.segment("一、工作开展情况\n一是普法;二是执法。"),
     TypeError, "takes a Report"),
    ("segment-max-units-zero", lambda tok: nlp.segment(
        nlp.read_report(GOOD_REPORT), max_units=0), ValueError, "max_units"),
    ("limits-zero", lambda tok: Limits(max_bytes=0), ValueError, "Limits.max_bytes"),
    ("limits-not-int", lambda tok: Limits(max_chars="1000"), TypeError, "Limits.max_chars"),
    ("read-report-limits-dict", lambda tok: nlp.read_report(GOOD_REPORT, limits={"max_bytes": 1}),
     TypeError, "limits must be an nlp.Limits"),
    ("read-report-bad-year", lambda tok: nlp.read_report(GOOD_REPORT, year="二〇二一"),
     InputError, "year must be a whole number"),
    ("read-report-nul-in-path", lambda tok: nlp.read_report("报告\x00.txt"), InputError,
     "NUL character"),
    ("read-report-unknown-override", lambda tok: nlp.read_report(GOOD_REPORT, agnecy="某局"),
     TypeError, "unknown override"),
    ("classifier-fit-bare-str", lambda tok: _theme().fit("开展普法宣传", ["普法宣传"]),
     TypeError, "not a single str"),
    ("classifier-fit-generator", lambda tok: _theme().fit(_gen(), LABELS), TypeError,
     "one-shot iterator"),
    ("classifier-predict-before-fit", lambda tok: _theme().predict_proba(TEXTS),
     NotFittedError, "not fitted"),
    ("lexicon-predict-bare-str", lambda tok: _fitted_lexicon().scores("开展普法"), TypeError,
     "not a single str"),
    ("classifier-predict-bare-str", lambda tok: _fitted_lexicon().predict_proba("开展普法"),
     TypeError, "not a single str"),
    ("classifier-labels-length", lambda tok: _theme().fit(TEXTS, LABELS[:2]), ValueError,
     "entries but there are 4 texts"),
    ("classifier-bad-C", lambda tok: _theme(C=-1).fit(TEXTS, LABELS), ValueError, "C"),
    ("topics-n-topics-zero", lambda tok: _topics(n_topics=0, no_below=1).fit(DOCS), ValueError,
     "n_topics"),
    ("topics-fit-generator", lambda tok: _topics(n_topics=2, no_below=1).fit(iter(DOCS)),
     TypeError, "one-shot"),
    ("topics-fit-bare-str", lambda tok: _topics(n_topics=2).fit("普法 宣传"), TypeError,
     "not a single str"),
    ("topics-docs-are-strings", lambda tok: _topics(n_topics=2).fit(["普法 宣传", "执法"]),
     TypeError, "token_lists\\[0\\]"),
    ("topics-transform-before-fit", lambda tok: _topics(n_topics=2).transform(DOCS),
     ValueError, "not fitted"),
]


@pytest.mark.parametrize("case", API_CASES, ids=lambda c: c[0])
def test_api_misuse(case, tokenizer):
    _, call, error, match = case
    with pytest.raises(error, match=match):
        call(tokenizer)


def test_catalogue_ids_are_unique():
    """Each case is reported under its own id, so a failure names one case."""
    ids = [c.id for c in FILE_CASES] + [c.id for c in LABEL_CASES] + [c[0] for c in API_CASES]
    assert len(ids) == len(set(ids))


def test_limits_reach_the_report_command(tmp_path, capsys):
    corpus = tmp_path / "reports"
    corpus.mkdir()
    (corpus / "tieshan_2024.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["report", str(corpus), "-o", str(out), "-q", "--no-cache",
                 "--max-units", "5"]) == 2
    err = capsys.readouterr().err
    assert "max_units=5" in err and "tieshan_2024.txt" in err
    assert not out.exists()
