"""No `roundtrip serve` outlives its test, whatever the test's outcome."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.realtime.serve_support import STARTED


@pytest.fixture(autouse=True)
def _stop_serve_processes() -> Iterator[None]:
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
