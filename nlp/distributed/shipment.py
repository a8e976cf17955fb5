"""Objects sent once to every Dask worker, and the handles tasks use to reach them.

A tokenizer or a model is pickled once on the client and registered as a
worker plugin: every worker — including one that joins later or restarts —
unpickles it exactly once, in the plugin's ``setup``, and keeps it in this
module's registry.  Tasks carry only a small :class:`Shipped` handle.

Unlike a broadcast ``client.scatter``, the copies are not ordinary data: the
scheduler's memory manager never drops a worker's copy to free memory, so a
worker never has to fetch and unpickle the object a second time.
"""

from __future__ import annotations

import hashlib
import logging

from distributed import WorkerPlugin
from distributed.protocol.pickle import dumps, loads

from ..errors import FazhiError

log = logging.getLogger(__name__)

_SHIPPED: dict[str, object] = {}


class ShipmentPlugin(WorkerPlugin):
    """Holds a pickled object; unpickles it into the worker's registry on setup."""

    def __init__(self, name: str, payload: bytes):
        self.name = name
        self.payload = payload

    def setup(self, worker) -> None:
        _SHIPPED[self.name] = loads(self.payload)
        log.debug("%s: received %s", getattr(worker, "address", "worker"), self.name)

    def teardown(self, worker) -> None:
        _SHIPPED.pop(self.name, None)


class Shipped:
    """A handle to an object shipped to the workers; :meth:`get` returns it in a task."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __getstate__(self):
        return self.name

    def __setstate__(self, name):
        self.name = name

    def get(self):
        try:
            return _SHIPPED[self.name]
        except KeyError:
            raise FazhiError(f"{self.name} is not on this worker: it was released "
                             "(nlp.distributed.unship) or the worker never set it up") from None

    def __repr__(self) -> str:
        return f"Shipped({self.name!r})"


def ship_to_workers(obj, client) -> Shipped:
    """Register ``obj`` on every worker of ``client`` (once each); return its handle."""
    payload = dumps(obj)
    digest = hashlib.sha256(payload).hexdigest()[:16]
    name = f"fazhi-{type(obj).__name__}-{digest}"
    client.register_plugin(ShipmentPlugin(name, payload), name=name)
    log.debug("shipped %s (%d bytes) to %d workers", name, len(payload),
              len(client.scheduler_info().get("workers", {})))
    return Shipped(name)


def unship(handle: Shipped, client) -> None:
    """Drop a shipped object from every worker."""
    client.unregister_worker_plugin(handle.name)


def resolve(obj):
    """The object behind a :class:`Shipped` handle, or ``obj`` itself."""
    return obj.get() if isinstance(obj, Shipped) else obj
