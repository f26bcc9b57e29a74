"""read_ahead: pages are fetched in a worker thread while the consumer works on the last one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from pipelines.read_ahead import read_ahead


def test_yields_every_item_in_order() -> None:
    assert list(read_ahead(range(1000), depth=3)) == list(range(1000))


def test_the_next_item_is_read_while_the_consumer_holds_the_current_one() -> None:
    second_read = threading.Event()

    def pages() -> Iterator[str]:
        yield "first"
        second_read.set()
        yield "second"

    items = read_ahead(pages())
    assert next(items) == "first"
    # without a worker thread nothing would read "second" until the consumer asked for it
    assert second_read.wait(timeout=5)
    assert list(items) == ["second"]


def test_an_error_arrives_after_the_items_read_before_it() -> None:
    class VendorDown(Exception):
        pass

    def pages() -> Iterator[int]:
        yield 1
        yield 2
        raise VendorDown("HTTP 503 from GET /events")

    seen = []
    with pytest.raises(VendorDown, match="HTTP 503"):
        for item in read_ahead(pages()):
            seen.append(item)
    assert seen == [1, 2]


def test_stopping_early_stops_the_worker_and_closes_the_source() -> None:
    produced = []
    closed = threading.Event()

    def pages() -> Iterator[int]:
        try:
            for n in range(1_000_000):
                produced.append(n)
                yield n
        finally:
            closed.set()

    items = read_ahead(pages(), depth=2)
    assert next(items) == 0
    items.close()
    assert closed.is_set()
    assert len(produced) <= 4  # the one consumed, the buffer, the one in hand
    assert not [t for t in threading.enumerate() if t.name == "read-ahead"]


def test_the_worker_reads_inside_the_given_context() -> None:
    entered: list[str] = []

    @contextmanager
    def charging() -> Iterator[None]:
        entered.append(threading.current_thread().name)
        yield

    assert list(read_ahead(range(3), name="reader", within=charging)) == [0, 1, 2]
    assert entered == ["reader"]
