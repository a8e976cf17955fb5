"""Segment, tokenize, classify and apply topic models on a Dask cluster.

When a corpus outgrows one machine, the same per-report and per-unit code
runs on the workers of a `Dask <https://www.dask.org>`_ cluster.

==============  ==========================================================
``cluster``     clients, :func:`ship`, and lazy dask DataFrames:
                :func:`segment_files`, :func:`tokenize_units`,
                :func:`classify_units`, :func:`transform_topics`
``runs``        ``fazhi segment|classify --scheduler``: streaming runs that
                write a file byte-identical to the single-process one
``shipment``    objects sent once to every worker (a worker plugin)
==============  ==========================================================

Workers read the report files themselves, so they must see them at the same
path (one machine, or a shared filesystem).  Dask is an optional extra.

Examples
--------
>>> check_scheduler("local:2")
'local:2'
"""

from .cluster import (
    DaskMissingError,
    check_scheduler,
    classify_units,
    connect,
    segment_files,
    ship,
    tokenize_units,
    transform_topics,
    unship,
)
from .runs import classify_to_table, segment_to_table, write_partitions

__all__ = ["DaskMissingError", "check_scheduler", "connect", "ship", "unship", "segment_files",
           "tokenize_units", "classify_units", "transform_topics", "write_partitions",
           "segment_to_table", "classify_to_table"]
