"""Read pages ahead in a background thread, so the vendor works on the next page while this
process converts the current one (network or server time overlaps our own CPU time)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import TypeVar

T = TypeVar("T")

_DONE = object()
_POLL_SECONDS = 0.1


class _Failed:
    """Carries an exception raised while reading ahead to the consumer."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(
    items: Iterable[T],
    depth: int = 2,
    name: str = "read-ahead",
    within: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> Iterator[T]:
    """Yield `items` in order while a worker thread reads up to `depth` of them in advance.

    An exception raised by `items` is re-raised here, in order, after the items read before it.
    Closing this generator early (the consumer stops) stops the worker after its current item.
    The worker reads inside `within()` (e.g. to charge its requests to whoever asked).
    """
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def offer(item: object) -> bool:
        """Put `item` unless the consumer went away; False once it has."""
        while not stopped.is_set():
            try:
                buffer.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        with within():
            source = iter(items)
            try:
                for item in source:
                    if not offer(item):
                        return
            except BaseException as exc:  # handed to the consumer, which re-raises it
                offer(_Failed(exc))
                return
            finally:
                close = getattr(source, "close", None)
                if close is not None:  # a generator left early runs its cleanup in its own thread
                    close()
        offer(_DONE)

    worker = threading.Thread(target=work, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stopped.set()
        worker.join()
