"""`roundtrip docs --serve`: the docs server hands out dbt's site from its folder."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from roundtrip.docs import docs_server


def test_docs_server_serves_the_site(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html>dbt docs</html>")
    (tmp_path / "manifest.json").write_text("{}")
    server = docs_server(tmp_path, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert httpx.get(f"{base}/").text == "<html>dbt docs</html>"
        assert httpx.get(f"{base}/manifest.json").json() == {}
        assert httpx.get(f"{base}/missing.json").status_code == 404
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
