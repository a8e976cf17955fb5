"""Helpers shared by the benchmark scripts: the machine, the shared corpus, timing."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GOV_REPORTS = SHARED / "corpora" / "government_work_reports.jsonl"


def machine(packages=("jieba", "rjieba", "pandas", "scikit-learn")) -> str:
    """One line describing the machine and the versions that matter."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    try:
        import psutil

        ram = f"{psutil.virtual_memory().total / 2**30:.0f} GB RAM"
    except ImportError:
        ram = "RAM unknown"
    vers = []
    for p in packages:
        try:
            vers.append(f"{p} {version(p)}")
        except PackageNotFoundError:
            vers.append(f"{p} missing")
    load = f", load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (f"{cpu}, {os.cpu_count()} cores, {ram}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; {', '.join(vers)}{load}")


def have_shared(path: Path = GOV_REPORTS) -> bool:
    """Whether the shared corpus (beside the checkout, not in it) is there."""
    return path.is_file()


def skipped(part: str, path: Path = GOV_REPORTS) -> str:
    """The line a benchmark prints for a part it skips because the shared corpus is absent."""
    return (f"[SKIP] {part}: needs the shared corpus {path} (72 State Council work reports, "
            "kept outside the repository), which is not there")


def corpus_records(path: Path = GOV_REPORTS) -> list[dict]:
    """The shared corpus; without it, say what is skipped and exit successfully, so
    that ``make bench`` goes on with the benchmarks that need only the repository."""
    if not path.is_file():
        print(skipped("this benchmark", path))
        sys.exit(0)
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def bundled_units() -> list[str]:
    """Texts of the units of the two bundled reports (``corpus/``): what every checkout has."""
    import nlp

    return nlp.load_corpus(ROOT / "corpus").units(progress=False)["text"].tolist()


def paragraphs(path: Path = GOV_REPORTS) -> list[str]:
    """Non-blank paragraphs (lines) of every report in the shared corpus."""
    return [p for rec in corpus_records(path) for p in rec["content"].split("\n") if p.strip()]


def mb(texts) -> float:
    """Size of texts in MB of UTF-8."""
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6


@contextmanager
def timer(store: dict, key: str):
    """Record the wall time of a block in ``store[key]`` (keeps the best of repeats)."""
    t0 = time.perf_counter()
    yield
    dt = time.perf_counter() - t0
    store[key] = min(dt, store.get(key, float("inf")))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


def table(rows: list[list], header: list[str]) -> str:
    """A plain-text table (right-aligned numbers)."""
    cells = [[str(c) for c in header]] + [[str(c) for c in r] for r in rows]
    width = [max(_w(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for n, r in enumerate(cells):
        lines.append("  ".join(c + " " * (width[i] - _w(c)) if i == 0 else
                               " " * (width[i] - _w(c)) + c for i, c in enumerate(r)))
        if n == 0:
            lines.append("  ".join("-" * w for w in width))
    return "\n".join(lines)


def _w(s: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def check(label: str, ok: bool, detail: str) -> str:
    """One target line: PASS/FAIL, the target and what was measured."""
    return f"[{'PASS' if ok else 'FAIL'}] {label}: {detail}"
