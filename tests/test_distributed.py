"""Running on a Dask cluster: a 2-worker LocalCluster on loopback, compared with
the single-process path byte for byte."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest

from nlp import FazhiError, InputError, Tokenizer
from nlp.cli import main
from nlp.corpus import expand_paths, iter_reports, units_of
from nlp.streaming import CHUNK_ROWS, classify_to_table, segment_to_table
from nlp.streaming import tokenize_units as tokenize_table

distributed = pytest.importorskip("distributed", reason="the [dask] extra is not installed")
dd = pytest.importorskip("dask.dataframe")

import nlp.distributed as nd  # noqa: E402
from nlp.classify import LexiconClassifier  # noqa: E402
from nlp.distributed import (  # noqa: E402
    DaskMissingError,
    check_scheduler,
    classify_units,
    connect,
    segment_files,
    tokenize_units,
    write_partitions,
)
from nlp.distributed.cluster import tokenize_partition  # noqa: E402

# -- counters that live in each worker process (this module is imported there) --------------
LOADS = 0   # tokenizers unpickled in this process
BUILDS = 0  # jieba dictionaries built in this process
CALLS = 0   # texts tokenized in this process


class CountingTokenizer(Tokenizer):
    """A Tokenizer that counts, per process, how often it is unpickled and built."""

    def __setstate__(self, state):
        global LOADS
        LOADS += 1
        super().__setstate__(state)

    def _segmenter(self):
        global BUILDS
        if self._seg is None:
            BUILDS += 1
        return super()._segmenter()

    def pipe(self, texts, *args, **kwargs):
        global CALLS
        texts = list(texts)
        CALLS += len(texts)
        return super().pipe(texts, *args, **kwargs)


class CountingLexicon(LexiconClassifier):
    """A LexiconClassifier that counts, per process, how often it is unpickled."""

    def __setstate__(self, state):
        global LOADS
        LOADS += 1
        super().__setstate__(state)


def _counts():
    return {"loads": LOADS, "builds": BUILDS, "calls": CALLS}


def _reset():
    global LOADS, BUILDS, CALLS
    LOADS = BUILDS = CALLS = 0


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cl:
        yield cl


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def reports_dir(corpus_dir):
    return corpus_dir / "reports"


@pytest.fixture(scope="module")
def local_units(reports_dir):
    """The single-process units of each bundled report."""
    return [units_of(r) for r in iter_reports([reports_dir])]


@pytest.fixture()
def many_reports(tmp_path, baoshan_path, tieshan_path):
    """Ten report files (copies of the two bundled ones, alternating) in one folder."""
    folder = tmp_path / "reports"
    folder.mkdir()
    for i in range(10):
        src = baoshan_path if i % 2 else tieshan_path
        shutil.copy(src, folder / f"r{i:02d}_{src.name}")
    return folder


# --------------------------------------------------------------------------- segment

def test_segment_files_partitions_equal_single_process(client, reports_dir, local_units):
    units = segment_files([reports_dir], client)
    assert units.npartitions == len(local_units) == 2
    parts = client.compute(units.to_delayed(), sync=True)
    for got, want in zip(parts, local_units):
        pd.testing.assert_frame_equal(got, want)  # values, order and dtypes
    whole = units.compute()
    assert whole["report_id"].tolist() == pd.concat(local_units)["report_id"].tolist()


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_written_table_is_byte_identical(client, reports_dir, tmp_path, suffix):
    on_cluster, single = tmp_path / f"cluster{suffix}", tmp_path / f"single{suffix}"
    n = write_partitions(segment_files([reports_dir], client), on_cluster, client,
                         chunksize=CHUNK_ROWS, progress=False)
    assert n == segment_to_table([reports_dir], single, progress=False) == 45
    assert filecmp.cmp(on_cluster, single, shallow=False)


def test_results_come_back_in_input_order(client, many_reports, baoshan_path, tieshan_path,
                                          tmp_path):
    # more partitions than the in-flight window, so several rounds of submission
    paths = [tieshan_path, many_reports, baoshan_path]
    units = segment_files(paths, client)
    assert units.npartitions == 12
    out, ref = tmp_path / "cluster.csv", tmp_path / "single.csv"
    write_partitions(units, out, client, progress=False, in_flight=3)
    segment_to_table(paths, ref, progress=False)
    assert filecmp.cmp(out, ref, shallow=False)
    ids = pd.read_csv(out, encoding="utf-8-sig")["report_id"].drop_duplicates().tolist()
    assert ids[0] == "tieshan_2024" and ids[-1] == "baoshan_2021" and len(ids) >= 3


@pytest.mark.parametrize("tokens", [False, True])
def test_segment_run_matches_single_process_chunks(cluster, many_reports, tmp_path, tokens):
    # chunks of >= 50 units group 2-3 reports: the same chunks, written as row groups
    out, ref = tmp_path / "cluster.parquet", tmp_path / "single.parquet"
    n = nd.segment_to_table([many_reports], out, scheduler=cluster.scheduler_address,
                            progress=False, tokens=tokens, chunksize=50)
    assert n == segment_to_table([many_reports], ref, progress=False, tokens=tokens,
                                 chunksize=50, cache=False)
    assert filecmp.cmp(out, ref, shallow=False)
    import pyarrow.parquet as pq

    assert pq.ParquetFile(out).num_row_groups == 4


def test_bad_file_names_the_file_and_writes_nothing(client, many_reports, tmp_path):
    bad = many_reports / "r99_empty.txt"
    bad.write_bytes(b"")
    out = tmp_path / "units.csv"
    with pytest.raises(InputError, match="r99_empty.txt"):
        write_partitions(segment_files([many_reports], client), out, client, progress=False)
    assert not out.exists()
    assert not list(tmp_path.glob(".units.csv*"))  # no temporary file left behind


# --------------------------------------------------------------------------- tokenize

def test_tokenize_units_matches_local_tokenizer(client, reports_dir, tokenizer):
    on_cluster = tokenize_units(segment_files([reports_dir], client), client=client).compute()
    local = tokenize_table(on_cluster.drop(columns="tokens"), tokenizer, cache=False)
    pd.testing.assert_frame_equal(on_cluster, local)


def test_tokenizer_is_shipped_once_per_worker(client, local_units):
    units = pd.concat(local_units, ignore_index=True)
    client.run(_reset)
    result = tokenize_units(units, CountingTokenizer(), client, npartitions=9)
    assert result.npartitions == 9
    out = result.compute()
    counts = client.run(_counts)
    assert len(counts) == 2
    assert sum(c["calls"] for c in counts.values()) == len(units) == len(out)
    for worker, c in counts.items():
        assert c["loads"] == 1, (worker, c)          # unpickled once, not once per task
        assert c["builds"] <= 1, (worker, c)         # dictionary built at most once
    assert out["tokens"].tolist() == tokenize_table(units, Tokenizer())["tokens"].tolist()


def test_shipped_copy_stays_on_workers_until_unshipped(client, local_units):
    units = pd.concat(local_units, ignore_index=True)
    client.run(_reset)
    handle = nd.ship(CountingTokenizer(), client)
    ddf = dd.from_pandas(units, npartitions=6, sort=False)
    meta = ddf._meta.assign(tokens=pd.Series(dtype=str))
    result = ddf.map_partitions(tokenize_partition, handle, "text", meta=meta)
    first = result.compute()
    time.sleep(2.5)  # longer than the scheduler's memory-manager interval (2 s)
    pd.testing.assert_frame_equal(result.compute(), first)
    assert [c["loads"] for c in client.run(_counts).values()] == [1, 1]
    nd.unship(handle, client)
    with pytest.raises(FazhiError, match="is not on this worker"):
        result.compute()


def test_counter_sees_per_task_shipping(client, local_units):
    """Control for the test above: an object put straight into the graph is
    unpickled once per task, and the counter shows it."""
    units = pd.concat(local_units, ignore_index=True)
    client.run(_reset)
    ddf = dd.from_pandas(units, npartitions=9, sort=False)
    meta = ddf._meta.assign(tokens=pd.Series(dtype=object))
    ddf.map_partitions(tokenize_partition, CountingTokenizer(), "text", meta=meta).compute()
    assert sum(c["loads"] for c in client.run(_counts).values()) == 9


# --------------------------------------------------------------------------- classify

def test_classify_units_matches_local_and_ships_model_once(client, local_units):
    units = pd.concat(local_units, ignore_index=True)
    model = CountingLexicon().fit()
    client.run(_reset)
    result = classify_units(units, model, client, npartitions=9)
    assert result.npartitions == 9
    got = result.compute()
    from nlp.classify import classify_units as classify_table

    pd.testing.assert_frame_equal(got, classify_table(units, model))
    assert {"p_普法宣传", "p_校园安全", "p_行政执法", "p_放管服", "labels"} <= set(got.columns)
    assert [c["loads"] for c in client.run(_counts).values()] == [1, 1]


def test_one_shipped_model_serves_many_calls(client, local_units):
    units = pd.concat(local_units, ignore_index=True)
    model = CountingLexicon().fit()
    client.run(_reset)
    handle = nd.ship(model, client)
    try:
        first = classify_units(units, handle, client, npartitions=3).compute()
        second = classify_units(units.iloc[:10], handle, client, npartitions=2).compute()
    finally:
        nd.unship(handle, client)
    from nlp.classify import classify_units as classify_table

    pd.testing.assert_frame_equal(first, classify_table(units, model))
    pd.testing.assert_frame_equal(second, first.iloc[:10])
    assert [c["loads"] for c in client.run(_counts).values()] == [1, 1]


@pytest.mark.parametrize("from_table", [False, True])
def test_classify_run_is_byte_identical_and_ships_once(cluster, client, many_reports,
                                                       tmp_path, from_table):
    model = CountingLexicon().fit()
    if from_table:
        inputs = tmp_path / "units.jsonl"
        segment_to_table([many_reports], inputs, progress=False)
    else:
        inputs = many_reports
    out, ref = tmp_path / "cluster.csv", tmp_path / "single.csv"
    client.run(_reset)
    n = nd.classify_to_table([inputs], out, model, scheduler=cluster.scheduler_address,
                             chunksize=40, progress=False)
    assert n == classify_to_table([inputs], ref, model, chunksize=40, progress=False) == 225
    assert filecmp.cmp(out, ref, shallow=False)
    # six chunks or more, yet the model was unpickled once on each worker
    assert [c["loads"] for c in client.run(_counts).values()] == [1, 1]


def test_report_without_units_and_table_errors(cluster, many_reports, tmp_path, capsys):
    # a report of headings only has no units: chunks then mix empty and full frames
    (many_reports / "r05b_headings.txt").write_text("一、总体情况\n\n（一）加强组织领导\n",
                                                    encoding="utf-8")
    model = LexiconClassifier().fit()
    out, ref = tmp_path / "cluster.parquet", tmp_path / "single.parquet"
    nd.classify_to_table([many_reports], out, model, scheduler=cluster.scheduler_address,
                         chunksize=30, progress=False)
    classify_to_table([many_reports], ref, model, chunksize=30, progress=False)
    assert filecmp.cmp(out, ref, shallow=False)
    # a units table without a text column: exit 2, the file named, nothing written
    bad = tmp_path / "no_text.csv"
    pd.DataFrame({"unit_id": ["a-1"], "body": ["开展普法"]}).to_csv(bad, index=False)
    target = tmp_path / "t.csv"
    assert main(["classify", str(bad), "-o", str(target), "--lexicon", "-q",
                 "--scheduler", cluster.scheduler_address]) == 2
    err = capsys.readouterr().err
    assert "no_text.csv" in err and "no 'text' column" in err
    assert not target.exists()


def test_workers_that_cannot_see_the_files_are_named(reports_dir):
    class BlindClient:
        def run(self, func, *args):
            return {"tcp://10.0.0.7:4000": False, "tcp://10.0.0.8:4000": func(*args)}

    files = [(str(f), m) for f, m in expand_paths([reports_dir])]
    with pytest.raises(InputError, match=r"tcp://10\.0\.0\.7:4000 cannot see.*shared"):
        nd.cluster._check_visible(BlindClient(), files)


@pytest.fixture(scope="module")
def theme_model():
    from nlp.classify import ThemeClassifier

    try:
        return ThemeClassifier.load()
    except (FileNotFoundError, FazhiError) as exc:
        pytest.skip(f"no trained theme model: {exc}")


def test_cli_classify_with_trained_model(cluster, theme_model, many_reports, tmp_path):
    out, ref = tmp_path / "cluster.parquet", tmp_path / "single.parquet"
    assert main(["classify", str(many_reports), "-o", str(out), "-q", "--chunksize", "60",
                 "--scheduler", cluster.scheduler_address]) == 0
    assert main(["classify", str(many_reports), "-o", str(ref), "-q", "--chunksize", "60",
                 "--no-cache"]) == 0
    assert filecmp.cmp(out, ref, shallow=False)


# --------------------------------------------------------------------------- topics

def test_topic_model_fitted_on_a_sample_transforms_on_the_cluster(client, local_units):
    from nlp.topics import TopicModel

    units = tokenize_table(pd.concat(local_units, ignore_index=True), Tokenizer(), cache=False)
    sample = units.sample(n=30, random_state=0)
    tm = TopicModel(3, random_state=0, no_below=1, passes=2).fit(sample["tokens"].str.split())
    shares = nd.transform_topics(units, tm, client, npartitions=3)
    got = shares.compute()
    cols = ["topic_0", "topic_1", "topic_2"]
    assert list(got.columns) == list(units.columns) + cols
    assert got[cols].sum(axis=1).round(9).eq(1).all()
    # each partition is the model's own transform of that partition's documents
    first = client.compute(shares.partitions[0].to_delayed()[0], sync=True)
    local = tm.transform(first["tokens"].str.split())
    assert (first[cols].to_numpy() == local).all()
    with pytest.raises(InputError, match="tokenize first"):
        nd.transform_topics(units.drop(columns="tokens"), tm, client)


# --------------------------------------------------------------------------- CLI

def test_cli_scheduler_address_gives_identical_file(cluster, reports_dir, tmp_path):
    out, ref = tmp_path / "cluster.parquet", tmp_path / "single.parquet"
    assert main(["segment", str(reports_dir), "-o", str(out), "-q", "--tokens",
                 "--scheduler", cluster.scheduler_address]) == 0
    assert main(["segment", str(reports_dir), "-o", str(ref), "-q", "--tokens", "--no-cache"]) == 0
    assert filecmp.cmp(out, ref, shallow=False)


@pytest.mark.parametrize("value", ["cluster", "local:x", "local:0", "http://host:8786", ""])
def test_bad_scheduler_value_is_a_usage_error(value, reports_dir, tmp_path, capsys):
    with pytest.raises(InputError, match="scheduler must be"):
        check_scheduler(value)
    if value:
        out = tmp_path / "u.csv"
        assert main(["segment", str(reports_dir), "-o", str(out), "--scheduler", value]) == 2
        assert "scheduler must be" in capsys.readouterr().err
        assert not out.exists()


def test_local_scheduler_starts_and_stops_its_own_cluster(reports_dir, tmp_path):
    out, ref = tmp_path / "cluster.tsv", tmp_path / "single.tsv"
    assert nd.segment_to_table([reports_dir], out, scheduler="local:1", progress=False) == 45
    segment_to_table([reports_dir], ref, progress=False)
    assert filecmp.cmp(out, ref, shallow=False)


def test_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(InputError, match="cannot reach the Dask scheduler at tcp://127.0.0.1"):
        with connect("tcp://127.0.0.1:9", timeout="1s"):
            pass


# --------------------------------------------------------------------------- optional extra

def test_core_does_not_import_dask():
    code = ("import sys, nlp, nlp.streaming, nlp.cli, nlp.distributed; "
            "nlp.cli.build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_missing_extra_says_how_to_install(monkeypatch, reports_dir):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import now fails
    with pytest.raises(DaskMissingError, match=r"pip install \"\.\[dask\]\" in a clone"):
        segment_files([reports_dir])
    assert issubclass(DaskMissingError, ImportError)


def test_missing_extra_is_exit_2_from_cli(monkeypatch, reports_dir, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main(["segment", str(reports_dir), "-o", str(tmp_path / "u.csv"),
                 "--scheduler", "local"]) == 2
    assert '.[dask]' in capsys.readouterr().err


def test_paths_expand_like_the_single_process_path(reports_dir):
    files = [str(f) for f, _ in expand_paths([reports_dir])]
    units = segment_files([reports_dir], client=None)
    assert units.npartitions == len(files)
    # no client: the local threaded scheduler runs the same per-file code
    assert len(units.compute(scheduler="sync")) == 45


def test_resource_limits_apply_on_the_workers(cluster, reports_dir, tmp_path, capsys):
    out = tmp_path / "u.csv"
    code = main(["segment", str(reports_dir), "-o", str(out), "-q", "--max-units", "5",
                 "--scheduler", cluster.scheduler_address])
    err = capsys.readouterr().err
    assert code == 2 and "baoshan_2021.txt" in err
    assert not out.exists()
