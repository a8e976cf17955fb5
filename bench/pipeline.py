"""End-to-end pipeline: time per stage, peak memory, and the cache's effect on ``fazhi report``.

Usage: ``python bench/pipeline.py [--sizes 25,100] [--keep DIR]``

1. On the shared corpus (``../shared/corpora/government_work_reports.jsonl``,
   72 reports written as text files) and on scaled corpora of ``--sizes`` MB,
   built at run time in a temporary folder by repeating the shared corpus
   with perturbations (numbers shifted, paragraphs swapped, sentences
   dropped), it runs each stage in a fresh process and records its time and
   peak resident memory (RSS):

   * ``segment``: ``fazhi segment DIR -o units.parquet`` (streams report by report);
   * ``tokenize``: the units table tokenized ``5000`` rows at a time with the
     default ``Tokenizer()`` (token cache off);
   * ``classify``: ``fazhi classify units.parquet -o themes.parquet`` (streams
     ``5000`` rows at a time, shipped model);
   * ``topics``: ``TopicModel(n_topics=10).fit`` on every unit's tokens
     (shared corpus only: it holds all tokens in memory by design).

2. Runs ``fazhi report corpus -o DIR`` twice on the bundled corpus with a fresh
   cache folder and prints the wall times and their ratio.

Each stage's time is measured inside its process (interpreter start-up
excluded); the ``fazhi report`` times are wall-clock times of the whole command.
Without the shared corpus, part 1 is skipped (and says so) and part 2 runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# bench/tokenize.py is named like the standard-library module ``tokenize``: keep
# this folder behind the standard library on the import path
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]

import _common as C  # noqa: E402

STAGE_MARK = "BENCH-STAGE "


# --------------------------------------------------------------------------- corpus

def _perturb(text: str, rng: random.Random, shift: int) -> str:
    paras = text.split("\n")
    for i in range(len(paras) - 1):
        if rng.random() < 0.1:
            paras[i], paras[i + 1] = paras[i + 1], paras[i]
    out = []
    for p in paras:
        sentences = re.split(r"(?<=。)", p)
        out.append("".join(s for s in sentences if rng.random() >= 0.05 or len(sentences) < 3))
    body = "\n".join(out)
    return re.sub(r"\d", lambda m: str((int(m.group()) + shift) % 10), body)


def build_corpus(dest: Path, target_mb: float | None, seed: int = 0) -> tuple[int, float]:
    """Write the shared corpus as text files; with ``target_mb``, repeat it perturbed."""
    dest.mkdir(parents=True, exist_ok=True)
    records = C.corpus_records()
    rng = random.Random(seed)
    size, files, copy = 0, 0, 0
    while True:
        for i, rec in enumerate(records):
            body = rec["content"] if copy == 0 else _perturb(rec["content"], rng, copy)
            text = f"{rec['title']}\n\n{body}\n"
            data = text.encode("utf-8")
            (dest / f"c{copy:03d}_{i:02d}.txt").write_bytes(data)
            size += len(data)
            files += 1
            if target_mb is not None and size >= target_mb * 1e6:
                return files, size / 1e6
        copy += 1
        if target_mb is None:
            return files, size / 1e6


# --------------------------------------------------------------------------- stages

def run_stage(argv: list[str], env=None) -> dict:
    """Run ``bench/pipeline.py --stage ...`` in a fresh process; its time and peak RSS
    (measured by the process itself at the end of the stage: ``getrusage`` ru_maxrss)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stage", *argv]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode:
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        return {"error": lines[-1][:300] if lines else f"exit code {proc.returncode}"}
    info = {}
    for line in proc.stdout.splitlines():
        if line.startswith(STAGE_MARK):
            info = json.loads(line[len(STAGE_MARK):])
    return info


def stage_main(argv: list[str]) -> int:
    """Child side: run one stage, print its figures as one JSON line."""
    name, *rest = argv
    os.environ.setdefault("TQDM_DISABLE", "1")
    t0 = time.perf_counter()
    info: dict = {}
    if name == "cli":
        from nlp.cli import main

        code = main(rest)
        if code:
            return code
    elif name == "tokenize":
        from nlp.streaming import tokenize_to_table

        info["rows"] = tokenize_to_table(rest[0], rest[1], cache=False, progress=False)
    elif name == "topics":
        from nlp.persist import read_table
        from nlp.topics import TopicModel

        tokens = [t.split() for t in read_table(rest[0], columns=["tokens"])["tokens"]]
        TopicModel(n_topics=10, random_state=0).fit(tokens)
        info["rows"] = len(tokens)
    else:
        raise SystemExit(f"unknown stage {name!r}")
    info["seconds"] = time.perf_counter() - t0
    info["peak_rss_mb"] = C.peak_rss_mb()
    print(STAGE_MARK + json.dumps(info))
    return 0


def pipeline_rows(label: str, src: Path, work: Path, mb: float, topics: bool) -> list[dict]:
    units, tokens, themes = work / "units.parquet", work / "tokens.parquet", work / "themes.parquet"
    env = {**os.environ, "FAZHI_CACHE": "0"}
    rows = []
    steps = [("segment", ["cli", "segment", str(src), "-o", str(units), "-q", "--no-cache"]),
             ("tokenize", ["tokenize", str(units), str(tokens)]),
             ("classify", ["cli", "classify", str(units), "-o", str(themes), "-q",
                           "--no-cache"])]
    if topics:
        steps.append(("topics", ["topics", str(tokens)]))
    for stage, argv in steps:
        info = run_stage(argv, env)
        rows.append({"input": label, "stage": stage, "mb": mb, **info})
        if "error" in info:
            print(f"  {label:>14} {stage:<9} FAILED: {info['error']}", flush=True)
        else:
            print(f"  {label:>14} {stage:<9} {info['seconds']:7.1f} s  "
                  f"{info['peak_rss_mb']:6.0f} MB RSS", flush=True)
    for p in (units, tokens, themes):
        p.unlink(missing_ok=True)
    return rows


def report_twice(work: Path) -> tuple[float, float, int]:
    """Wall times of two ``fazhi report corpus`` runs sharing a fresh cache folder."""
    cache = work / "cache"
    env = {**os.environ, "FAZHI_CACHE_DIR": str(cache), "TQDM_DISABLE": "1"}
    env.pop("FAZHI_CACHE", None)
    fazhi = [sys.executable, "-m", "nlp"]
    version = [sys.executable, "-c", "from nlp.cache import code_version; print(code_version())"]
    before = subprocess.run(version, capture_output=True, text=True, cwd=C.ROOT).stdout
    times = []
    for run in (1, 2):
        t0 = time.perf_counter()
        proc = subprocess.run([*fazhi, "report", str(C.ROOT / "corpus"), "-o",
                               str(work / f"report{run}"), "-q"], env=env, cwd=C.ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if proc.returncode:
            lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
            raise RuntimeError(lines[-1][:300] if lines else f"exit code {proc.returncode}")
        times.append(time.perf_counter() - t0)
    if subprocess.run(version, capture_output=True, text=True, cwd=C.ROOT).stdout != before:
        raise RuntimeError("the package's source changed between the two runs (cache keys "
                           "include it); run the benchmark again")
    a = (work / "report1" / "report.html").read_text(encoding="utf-8")
    b = (work / "report2" / "report.html").read_text(encoding="utf-8")
    strip = re.compile(r"generated [0-9T:\-]+")
    same = int(strip.sub("", a) == strip.sub("", b))
    return times[0], times[1], same


# --------------------------------------------------------------------------- main

def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--stage"]:
        return stage_main(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="25,100",
                    help="scaled corpus sizes in MB, comma-separated (default 25,100)")
    ap.add_argument("--keep", type=Path, help="build the corpora here and keep them")
    args = ap.parse_args(argv)
    sizes = [float(s) for s in args.sizes.split(",") if s.strip()]

    print("== bench/pipeline.py: stages end to end, peak memory, cached report ==")
    print(f"machine: {C.machine(('jieba', 'rjieba', 'pandas', 'pyarrow', 'gensim'))}")
    t_start = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="fazhi-bench-")) if args.keep is None else args.keep
    rows: list[dict] = []
    report_error = ""
    if not C.have_shared():
        print(C.skipped("per-stage times and memory on the shared and scaled corpora"))
        sizes = []
    try:
        for size in ([None, *sizes] if C.have_shared() else []):
            src = root / ("shared" if size is None else f"scaled-{size:g}mb")
            files, mb = build_corpus(src, size, seed=0)
            label = "shared corpus" if size is None else f"{size:g} MB scaled"
            print(f"  built {label}: {files} files, {mb:.1f} MB", flush=True)
            work = root / "work"
            work.mkdir(exist_ok=True)
            rows += pipeline_rows(label, src, work, mb, topics=size is None)
            if args.keep is None:
                shutil.rmtree(src)
        try:
            first, second, same = report_twice(root)
        except RuntimeError as exc:
            first = second = same = None
            report_error = str(exc)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)

    print()
    table = [[r["input"], r["stage"], f"{r['mb']:.1f}", r.get("rows", ""),
              f"{r['seconds']:.1f}", f"{r['mb'] / r['seconds']:.2f}",
              f"{r['peak_rss_mb']:.0f}"] if "error" not in r else
             [r["input"], r["stage"], f"{r['mb']:.1f}", "", "failed", "", ""] for r in rows]
    if table:
        print(C.table(table, ["input", "stage", "MB", "rows", "seconds", "MB/s", "peak RSS MB"]))
        print()
    if first is not None:
        ratio = first / second
        print(C.table([["first run (empty cache)", f"{first:.1f}"],
                       ["second run (cache filled)", f"{second:.1f}"],
                       ["speed-up", f"{ratio:.1f}x"]],
                      ["fazhi report corpus -o DIR", "seconds"]))
        print(f"(the two report.html files are {'identical' if same else 'DIFFERENT'} apart "
              f"from the time stamp)")
    print()
    failed = [r for r in rows if "error" in r]
    for r in failed:
        print(C.check(f"{r['stage']} on {r['input']}", False, r["error"]))
    streaming = [r for r in rows if r["stage"] in ("segment", "classify")
                 and r["input"] != "shared corpus" and "error" not in r]
    if streaming:
        peak = max(r["peak_rss_mb"] for r in streaming)
        print(C.check("memory", peak <= 1500,
                      f"peak RSS of fazhi segment/classify {peak:.0f} MB on up to "
                      f"{max(sizes):g} MB, target <= 1500 MB"))
        if len(sizes) > 1:
            for stage in ("segment", "classify"):
                by = {r["mb"]: r["peak_rss_mb"] for r in streaming if r["stage"] == stage}
                if len(by) < 2:
                    continue
                lo, hi = min(by), max(by)
                grow = by[hi] / by[lo]
                print(C.check(f"flat memory ({stage})", grow <= 1.25,
                              f"peak RSS {by[lo]:.0f} MB at {lo:.0f} MB input, {by[hi]:.0f} MB "
                              f"at {hi:.0f} MB input ({grow:.2f}x for {hi / lo:.1f}x the input)"))
    if first is None:
        print(C.check("cache", False, f"fazhi report failed: {report_error}"))
    else:
        print(C.check("cache", ratio >= 5 and same,
                      f"second fazhi report {ratio:.1f}x faster than the first, target >= 5x"))
    print(f"bench/pipeline.py finished in {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
