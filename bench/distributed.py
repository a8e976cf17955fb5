"""Throughput of one process versus a local Dask cluster, with the same commands.

Usage: ``python bench/distributed.py [--workers 2] [--repeat 1] [--copies 3] [--limit N]
[--chunksize 1000]``

The reports of ``../shared/corpora/government_work_reports.jsonl`` are written
as ``.txt`` files to a temporary folder (``--copies`` times, to make the job
bigger); without that file, the two bundled reports, 150 times each.  Each stage runs once as ``fazhi segment|classify`` runs it without
``--scheduler`` (:mod:`nlp.streaming`, one process) and once as it runs with
``--scheduler tcp://…`` on a ``LocalCluster(n_workers=--workers,
threads_per_worker=1)`` on loopback (:mod:`nlp.distributed`); each writes a
Parquet table and the two tables are compared byte for byte.

Stages: ``segment`` (read, segment, write), ``segment+tokens`` (``--tokens``)
and ``classify`` (reports in, themes out; needs the trained model in
``models/themes``).  Times are wall clock, best of ``--repeat`` runs after a
warm-up run; the cluster's start-up is reported separately and not included,
the client connection and shipping of the tokenizer/model are.  Throughput is
MB of report text (UTF-8) per second.  The token cache is off.  For context,
the script also prints the speed-up the machine itself allows at that moment:
the same pure-Python loop in ``--workers`` processes versus one.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import sys
import tempfile
import time
from pathlib import Path

# this file is named like the ``distributed`` package: keep its folder behind
# the installed packages on the import path
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(HERE)]

import _common as C  # noqa: E402

from nlp.corpus import expand_paths  # noqa: E402
from nlp.errors import FazhiError  # noqa: E402


def bundled_records() -> list[dict]:
    """The two bundled reports as records like the shared corpus's, each repeated 150
    times (about 10 MB with ``--copies 3``): what every checkout can run on."""
    records = []
    for path in sorted((C.ROOT / "corpus" / "reports").glob("*.txt")):
        title, _, body = path.read_text(encoding="utf-8").partition("\n")
        records += [{"title": title, "content": body, "year": None}] * 150
    return records


def write_corpus(folder: Path, copies: int, limit: int | None) -> float:
    """Write the shared corpus (without it: the bundled reports) as text files; return
    its size in MB."""
    if C.have_shared():
        recs = C.corpus_records()[:limit]
    else:
        print(C.skipped("the State Council reports") + "; the bundled reports, repeated, "
              "are used instead")
        recs = bundled_records()[:limit]
    texts = []
    for k in range(copies):
        for i, rec in enumerate(recs):
            name = f"gwr_{k:02d}_{i:03d}_{rec.get('year') or 'nd'}.txt"
            (folder / name).write_text(rec["title"] + "\n\n" + rec["content"], encoding="utf-8")
            texts.append(rec["content"])
    return C.mb(texts)


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def parallel_ceiling(workers: int, n: int = 4_000_000, repeat: int = 3) -> float:
    """Speed-up of the same pure-Python loop in ``workers`` processes over one:
    what this machine allows right now, whatever the software."""
    import multiprocessing as mp

    best1 = best2 = float("inf")
    with mp.get_context("spawn").Pool(workers) as pool:
        pool.map(_spin, [10] * workers)
        for _ in range(repeat):
            t = time.perf_counter()
            for _ in range(workers):
                _spin(n)
            best1 = min(best1, time.perf_counter() - t)
            t = time.perf_counter()
            pool.map(_spin, [n] * workers)
            best2 = min(best2, time.perf_counter() - t)
    return best1 / best2


def load_model():
    try:
        from nlp.classify import ThemeClassifier

        return ThemeClassifier.load()
    except (ImportError, AttributeError, OSError, ValueError, FazhiError) as exc:
        print(f"classify stage skipped: no theme model could be loaded ({exc})")
        return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--copies", type=int, default=3,
                    help="write the corpus this many times (default 3, about 10 MB)")
    ap.add_argument("--limit", type=int, default=None, help="use the first N reports only")
    ap.add_argument("--chunksize", type=int, default=1000,
                    help="units per chunk, the same on both sides (default 1000)")
    args = ap.parse_args(argv)
    os.environ["FAZHI_CACHE"] = "0"  # measure the work, not the token cache

    from distributed import LocalCluster

    import nlp.distributed as nd
    from nlp import streaming as pipeline

    print(C.machine(("jieba", "rjieba", "pandas", "dask", "distributed")))
    tmp = Path(tempfile.mkdtemp(prefix="fazhi-bench-"))
    corpus = tmp / "reports"
    corpus.mkdir()
    size = write_corpus(corpus, args.copies, args.limit)
    n_files = len(expand_paths([corpus]))
    model = load_model()

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    startup = time.perf_counter() - t0
    address, k = cluster.scheduler_address, args.chunksize

    stages = {
        "segment": (
            lambda out: pipeline.segment_to_table([corpus], out, progress=False, chunksize=k),
            lambda out: nd.segment_to_table([corpus], out, scheduler=address, progress=False,
                                            chunksize=k)),
        "segment+tokens": (
            lambda out: pipeline.segment_to_table([corpus], out, progress=False, tokens=True,
                                                  cache=False, chunksize=k),
            lambda out: nd.segment_to_table([corpus], out, scheduler=address, progress=False,
                                            tokens=True, chunksize=k)),
    }
    if model is not None:
        stages["classify"] = (
            lambda out: pipeline.classify_to_table([corpus], out, model, progress=False,
                                                   chunksize=k),
            lambda out: nd.classify_to_table([corpus], out, model, scheduler=address,
                                             progress=False, chunksize=k))

    rows, identical = [], True
    try:
        for name, (single, on_cluster) in stages.items():
            times: dict[str, float] = {}
            for run in range(args.repeat + 1):  # run 0 warms both sides up
                for key, fn in (("single", single), ("cluster", on_cluster)):
                    out = tmp / f"{name}-{key}.parquet"
                    t = time.perf_counter()
                    units = fn(out)
                    if run:
                        times[key] = min(time.perf_counter() - t, times.get(key, float("inf")))
            same = filecmp.cmp(tmp / f"{name}-single.parquet", tmp / f"{name}-cluster.parquet",
                               shallow=False)
            identical &= same
            t1, t2 = times["single"], times["cluster"]
            rows.append([name, units, f"{t1:.2f}", f"{size / t1:.2f}", f"{t2:.2f}",
                         f"{size / t2:.2f}", f"{t1 / t2:.2f}x", "yes" if same else "NO"])
    finally:
        cluster.close()

    print(f"{n_files} report files, {size:.2f} MB of text, chunks of {k} units; "
          f"{args.workers}-worker LocalCluster started in {startup:.1f} s (not counted); "
          f"best of {args.repeat} after a warm-up; load average at the end "
          f"{os.getloadavg()[0]:.1f}")
    ceiling = parallel_ceiling(args.workers)
    print(f"parallel ceiling of this machine now: {ceiling:.2f}x (a pure-Python loop in "
          f"{args.workers} processes vs 1)")
    print(C.table(rows, ["stage", "units", "1 proc s", "1 proc MB/s",
                         f"{args.workers} workers s", f"{args.workers} workers MB/s",
                         "speed-up", "identical"]))
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
