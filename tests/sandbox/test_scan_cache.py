"""ScanCache: paging straight through a keyset scan runs one page query and then one open scan,
and every page is exactly what one query per page would return."""

from __future__ import annotations

from sandbox.server.scan_cache import ScanCache

ROWS = [(n, f"id-{n:05d}") for n in range(12_345)]


class FakeStream:
    """The rows after a cursor, as a DuckDB cursor would return them."""

    def __init__(self, rows: list[tuple], log: list[str]) -> None:
        self.rows, self.log = rows, log

    def fetchmany(self, size: int) -> list[tuple]:
        taken, self.rows = self.rows[:size], self.rows[size:]
        return taken

    def close(self) -> None:
        self.log.append("close")


def after(cursor: int | None) -> list[tuple]:
    return ROWS[0 if cursor is None else cursor + 1 :]


def page_through(cache: ScanCache, limit: int, log: list[str], start: int | None = None) -> list:
    pages, cursor = [], start
    while True:

        def query(n: int | None, cursor: int | None = cursor) -> FakeStream:
            log.append("page query" if n is not None else "open scan")
            return FakeStream(after(cursor)[:n] if n is not None else after(cursor), log)

        rows = cache.page("scan", cursor, limit, query, lambda row: row[0])
        assert rows == after(cursor)[: limit + 1]  # the same as a query per page
        pages.append(rows[:limit])
        if len(rows) <= limit:
            return pages
        cursor = rows[limit - 1][0]


def test_paging_through_queries_one_page_then_streams_the_rest() -> None:
    log: list[str] = []
    cache = ScanCache()
    pages = page_through(cache, 1000, log)
    assert [row for page in pages for row in page] == ROWS
    assert len(pages) == 13
    assert log == ["page query", "close", "open scan", "close"]
    assert not cache._scans  # nothing kept once the scan ended


def test_a_client_reading_one_page_never_opens_the_scan() -> None:
    log: list[str] = []
    cache = ScanCache()
    pages = page_through(cache, 20_000, log)
    assert pages == [ROWS]
    assert log == ["page query", "close"]


def test_a_scan_ending_on_a_page_boundary() -> None:
    log: list[str] = []
    pages = page_through(ScanCache(), 5, log, start=len(ROWS) - 11)
    assert [len(p) for p in pages] == [5, 5]
    assert [row for page in pages for row in page] == ROWS[-10:]


def test_open_scans_are_bounded_and_closed_when_dropped() -> None:
    log: list[str] = []
    cache = ScanCache(max_open=2)
    for scan in range(5):
        cache.page(scan, None, 10, lambda n: FakeStream(after(None)[:n], log), lambda r: r[0])
    assert len(cache._scans) == 2
