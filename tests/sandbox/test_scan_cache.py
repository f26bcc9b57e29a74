"""ScanCache: paging straight through a keyset scan costs one query per 5,000 rows, and every page
is exactly what one query per page would return."""

from __future__ import annotations

from sandbox.server.scan_cache import ScanCache

ROWS = [(n, f"id-{n:05d}") for n in range(12_345)]


def direct(cursor: int | None, n: int) -> list[tuple]:
    start = 0 if cursor is None else cursor + 1
    return ROWS[start : start + n]


def page_through(cache: ScanCache, limit: int, queries: list[int]) -> list[list[tuple]]:
    pages, cursor = [], None
    while True:

        def query(n: int, after: int | None = cursor) -> list[tuple]:
            queries.append(n)
            return direct(after, n)

        rows = cache.page("scan", cursor, limit, query, lambda row: row[0])
        assert rows == direct(cursor, limit + 1)  # same as a query per page
        pages.append(rows[:limit])
        if len(rows) <= limit:
            return pages
        cursor = rows[limit - 1][0]


def test_paging_through_reads_ahead_and_returns_every_row_once() -> None:
    queries: list[int] = []
    pages = page_through(ScanCache(), 1000, queries)
    assert [row for page in pages for row in page] == ROWS
    assert len(pages) == 13
    assert len(queries) == 3  # pages 1-4, 5-8 and 9-13 (the end of the scan): not 13 queries
    assert all(n <= 5_000 for n in queries)  # DuckDB's Top-N limit


def test_pages_larger_than_the_read_ahead_still_work() -> None:
    queries: list[int] = []
    pages = page_through(ScanCache(ahead_rows=100), 1000, queries)
    assert [row for page in pages for row in page] == ROWS
    assert queries == [1001] * 13


def test_a_cursor_that_does_not_continue_a_scan_queries_afresh() -> None:
    cache = ScanCache()
    queries: list[int] = []

    def query(n: int) -> list[tuple]:
        queries.append(n)
        return direct(41, n)

    assert cache.page("scan", 41, 10, query, lambda row: row[0]) == direct(41, 11)
    assert cache.page("other scan", 51, 10, query, lambda row: row[0]) == direct(41, 11)
    assert len(queries) == 2


def test_remembers_a_bounded_number_of_scans() -> None:
    cache = ScanCache(max_scans=2)
    for scan in range(5):
        cache.page(scan, None, 10, lambda n: direct(None, n), lambda row: row[0])
    assert len(cache._ahead) == 2
