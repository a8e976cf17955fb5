"""Fuzz the readers with random and mutated bytes for a set time.

Every input is written to a temporary file and given to a reader
(:func:`nlp.read_report` for .txt/.md/.html/.htm/.docx/.pdf, then
:func:`nlp.segment` on what it returns; :func:`nlp.read_labels` for
.csv/.tsv/.jsonl/.xlsx).  A reader may return a result or raise
:class:`nlp.InputError` (which includes :class:`nlp.ResourceLimitError`);
anything else is an *undocumented exception* and is reported with the input
saved for replay.  The target is 0.

Seeds are the bundled reports in every supported format and encoding, and a
labels table built from their units; mutations flip bits, overwrite, delete,
duplicate and insert ranges, splice seeds together, inject markers (BOMs,
DTDs, scripts, heading numbers, zip and PDF keywords) and, for .docx/.xlsx,
mutate the XML inside a well-formed archive.

Usage::

    python bench/fuzz.py --seconds 60 [--seed 0] [--save-failures DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like standard modules (tokenize.py): never import from it
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import zipfile  # noqa: E402
from collections import Counter  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nlp  # noqa: E402
from nlp import InputError  # noqa: E402

REPORT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")
LABEL_SUFFIXES = (".csv", ".tsv", ".jsonl", ".xlsx")
TOKENS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"\r\n", b"\n\n", "一、".encode(),
          "(一)".encode(), "一是".encode(), "①".encode(), b"1.", "。".encode(),
          "普法宣传".encode(), "其他".encode(), b";", b",", b"\t", b'"', b"<!DOCTYPE x [<!ENTITY e "
          b"SYSTEM 'file:///etc/passwd'>]>", b"&e;", b"<script>", b"</p>", b"<a href='/'>", b"<br>",
          b"PK\x03\x04", b"stream\n", b"endstream", b"/FlateDecode", b"obj", b"<<", b">>",
          "發展".encode("big5"), "发展".encode("gb18030"), b"\xe4\xb8", b"\x80", b"\xff"]


class Slow(Exception):
    """An input took longer than the per-input time limit."""


def _on_alarm(signum, frame):
    raise Slow()


# --------------------------------------------------------------------------- seeds

def _docx(paragraphs: list[str]) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _pdf(lines: list[str]) -> bytes:
    import os

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplfonts
    from matplotlib.font_manager import FontProperties

    font = FontProperties(fname=os.path.join(os.path.dirname(mplfonts.__file__), "fonts",
                                             "SimHei.ttf"))
    buf = io.BytesIO()
    import warnings

    warnings.filterwarnings("ignore", message="Glyph .* missing from font")
    with plt.rc_context({"pdf.fonttype": 42}):
        fig = plt.figure(figsize=(4, 3))
        fig.text(0.02, 0.5, "\n".join(lines), fontproperties=font, fontsize=8)
        fig.savefig(buf, format="pdf")
        plt.close(fig)
    return buf.getvalue()


def _xlsx(rows: list[dict]) -> bytes:
    import pandas as pd

    buf = io.BytesIO()
    pd.DataFrame(rows).to_excel(buf, index=False, engine="openpyxl")
    return buf.getvalue()


def make_seeds() -> dict[str, list[bytes]]:
    """Seed inputs per suffix, all built from the bundled corpus."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "reports")
                                                          .glob("*.txt"))]
    short = [t[:3000] for t in texts]
    paras = [line for line in short[0].splitlines() if line.strip()][:30]
    html = ("<html><head><meta charset='utf-8'><title>某区教育局法治政府建设情况报告_某区人民政府"
            "</title><script>var a=1;</script></head><body><nav><a href='/'>首页</a></nav>"
            + "".join(f"<p>{p}</p>" for p in paras) + "<footer>版权所有</footer></body></html>")
    seeds = {
        ".txt": [t.encode("utf-8") for t in short] + [short[1].encode("gb18030"),
                                                      b"\xef\xbb\xbf" + short[0].encode()],
        ".md": [("# " + short[1]).encode("utf-8")],
        ".html": [html.encode("utf-8"), html.encode("gb18030")],
        ".docx": [_docx(paras)],
        ".pdf": [_pdf(paras[:8])],
    }
    seeds[".htm"] = seeds[".html"]
    units = nlp.segment(nlp.read_report(ROOT / "corpus" / "reports" / "tieshan_2024.txt"))
    themes = ["普法宣传", "校园安全", "行政执法", "放管服", "", "普法宣传;放管服"]
    rows = [{"text": t[:200], "labels": themes[i % len(themes)]}
            for i, t in enumerate(units["text"][:12])]
    import pandas as pd

    df = pd.DataFrame(rows)
    seeds[".csv"] = [df.to_csv(index=False).encode("utf-8-sig"),
                     df.to_csv(index=False).encode("gb18030")]
    seeds[".tsv"] = [df.to_csv(index=False, sep="\t").encode("utf-8")]
    seeds[".jsonl"] = [df.to_json(orient="records", lines=True, force_ascii=False)
                       .encode("utf-8")]
    seeds[".xlsx"] = [_xlsx(rows)]
    return seeds


# --------------------------------------------------------------------------- mutations

def mutate(data: bytes, rng: random.Random, pool: list[bytes]) -> bytes:
    """Apply one to four random byte-level mutations."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        n = len(buf)
        op = rng.randrange(9)
        i = rng.randrange(n + 1)
        j = min(n, i + rng.choice([1, 2, 4, 16, 256, 4096]))
        if op == 0 and n:  # flip bits
            for _ in range(rng.randint(1, 8)):
                k = rng.randrange(n)
                buf[k] ^= 1 << rng.randrange(8)
        elif op == 1:  # overwrite with a token
            tok = rng.choice(TOKENS)
            buf[i:i + len(tok)] = tok
        elif op == 2:  # insert a token
            buf[i:i] = rng.choice(TOKENS)
        elif op == 3:  # delete a range
            del buf[i:j]
        elif op == 4:  # duplicate a range, maybe many times
            buf[j:j] = bytes(buf[i:j]) * rng.choice([1, 2, 50])
        elif op == 5:  # insert random bytes
            buf[i:i] = rng.randbytes(rng.randint(1, 64))
        elif op == 6:  # truncate
            del buf[i:]
        elif op == 7:  # splice with another seed
            other = rng.choice(pool)
            k = rng.randrange(len(other) + 1)
            buf[i:] = other[k:]
        else:  # overwrite a byte with an edge value
            if n:
                buf[rng.randrange(n)] = rng.choice([0x00, 0x0A, 0x0D, 0x7F, 0x80, 0xBF, 0xC0,
                                                    0xE4, 0xEF, 0xFE, 0xFF])
    return bytes(buf)


def mutate_zip(data: bytes, rng: random.Random, pool: list[bytes]) -> bytes:
    """Mutate one XML member of a zip archive and pack it again."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        names = src.namelist()
        target = rng.choice([n for n in names if n.endswith((".xml", ".rels"))] or names)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for name in names:
                body = src.read(name)
                dst.writestr(name, mutate(body, rng, pool) if name == target else body)
    return out.getvalue()


def make_input(suffix: str, seeds: dict, rng: random.Random) -> bytes:
    pool = seeds[suffix]
    r = rng.random()
    if r < 0.05:
        return rng.randbytes(rng.randint(0, 2048))
    data = rng.choice(pool)
    if suffix in (".docx", ".xlsx") and r < 0.6:
        return mutate_zip(data, rng, pool)
    return mutate(data, rng, [s for v in seeds.values() for s in v])


# --------------------------------------------------------------------------- running

def run_one(path: Path) -> None:
    if path.suffix in REPORT_SUFFIXES:
        nlp.segment(nlp.read_report(path))
    else:
        nlp.read_labels(path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="time budget (default 60)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--per-input", type=float, default=10.0,
                    help="seconds one input may take before it counts as slow (default 10)")
    ap.add_argument("--save-failures", type=Path, default=None, metavar="DIR",
                    help="copy inputs that raised undocumented exceptions here")
    args = ap.parse_args(argv)

    import logging
    import warnings

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")  # broken files make openpyxl, pdfminer... warn; we count errors
    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    seeds = make_seeds()
    setup = time.perf_counter() - t0
    suffixes = list(seeds)
    tried, accepted, documented, slow = Counter(), Counter(), Counter(), Counter()
    undocumented: Counter = Counter()
    examples: dict[str, str] = {}
    signal.signal(signal.SIGALRM, _on_alarm)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fazhi-fuzz-") as tmp:
        n = 0
        while time.perf_counter() - start < args.seconds:
            suffix = suffixes[n % len(suffixes)]
            n += 1
            data = make_input(suffix, seeds, rng)
            path = Path(tmp) / f"input{suffix}"
            path.write_bytes(data)
            reader = "read_report" if suffix in REPORT_SUFFIXES else "read_labels"
            tried[reader] += 1
            signal.setitimer(signal.ITIMER_REAL, args.per_input)
            try:
                run_one(path)
                accepted[reader] += 1
            except InputError:
                documented[reader] += 1
            except Slow:
                slow[reader] += 1
            except Exception as exc:  # noqa: BLE001 - this is what we count
                key = f"{reader} {suffix} {type(exc).__name__}"
                undocumented[key] += 1
                if key not in examples:
                    examples[key] = "".join(traceback.format_exception_only(type(exc), exc))
                    if args.save_failures:
                        args.save_failures.mkdir(parents=True, exist_ok=True)
                        (args.save_failures / f"{len(examples):03d}{suffix}").write_bytes(data)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"fuzz: {elapsed:.1f} s of fuzzing (+{setup:.1f} s building seeds), seed {args.seed}, "
          f"{len(suffixes)} formats")
    print(f"{'reader':<12} {'inputs':>8} {'accepted':>9} {'InputError':>11} {'slow':>5} "
          f"{'undocumented':>13}")
    for reader in ("read_report", "read_labels"):
        und = sum(v for k, v in undocumented.items() if k.startswith(reader))
        print(f"{reader:<12} {tried[reader]:>8} {accepted[reader]:>9} {documented[reader]:>11} "
              f"{slow[reader]:>5} {und:>13}")
    total_und = sum(undocumented.values())
    print(f"inputs tried: {sum(tried.values())} ({sum(tried.values()) / elapsed:.0f}/s); "
          f"undocumented exceptions: {total_und}; slow inputs (>{args.per_input:g} s): "
          f"{sum(slow.values())}; peak memory {peak_mb:.0f} MB")
    for key, count in undocumented.most_common():
        print(f"  {count:>5} x {key}: {examples[key].strip()[:300]}")
    print(json.dumps({"inputs": sum(tried.values()), "undocumented": total_und,
                      "slow": sum(slow.values())}))
    return 1 if total_und else 0


if __name__ == "__main__":
    sys.exit(main())
