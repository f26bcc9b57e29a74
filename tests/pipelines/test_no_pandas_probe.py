"""A load process converts pages without importing pandas (pyarrow would, only to ask whether a
page is a pandas object), and pandas conversions still work if anything asks for one later."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
import pyarrow as pa
from pipelines.arrow_pages import PageConverter, without_pandas_probe

without_pandas_probe()
converter = PageConverter("t", {"id": pa.int64(), "name": pa.string()}, ("id",), print, print)
table = converter.convert([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
assert table.num_rows == 2, table
assert "pandas" not in sys.modules, "pandas was imported"
import pandas as pd
assert pa.Table.from_pandas(pd.DataFrame({"x": [1]})).num_rows == 1
assert pa.array(pd.Series([1, 2])).type == pa.int64()
"""


def test_pages_convert_without_importing_pandas() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
