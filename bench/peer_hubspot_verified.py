"""Run dlt's verified HubSpot source (dlt-hub/verified-sources, `sources/hubspot`) against the
HubSpot stand-in: contacts, companies and deals into a DuckDB file, as its README shows.

    python -m bench.peer_hubspot_verified CHECKOUT BASE_URL TOKEN WORKDIR

CHECKOUT holds `sources/hubspot` (never vendored here: bench/peer_hubspot.py says how to get it).
The source calls `https://api.hubapi.com/` through `sources.hubspot.helpers.BASE_URL`, which is
pointed at the stand-in before the source runs; the token is the stand-in's private-app token.
Writes WORKDIR/rows.json: rows loaded per table (dlt's normalize counts).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CRM = ("contacts", "companies", "deals")


def main() -> None:
    checkout, base_url, token, workdir = sys.argv[1:5]
    sys.path.insert(0, checkout)
    import dlt
    from sources import hubspot as verified  # type: ignore[import-not-found]
    from sources.hubspot import helpers  # type: ignore[import-not-found]

    helpers.BASE_URL = base_url.rstrip("/") + "/"  # get_url() joins on the module's BASE_URL
    work = Path(workdir)
    pipeline = dlt.pipeline(
        pipeline_name="verified_hubspot",
        pipelines_dir=str(work / "dlt"),
        destination=dlt.destinations.duckdb(str(work / "verified.duckdb")),
        dataset_name="hubspot",
    )
    pipeline.run(verified.hubspot(api_key=token).with_resources(*CRM))
    rows = pipeline.last_trace.last_normalize_info.row_counts
    counts = {t: n for t, n in rows.items() if not t.startswith("_dlt")}
    (work / "rows.json").write_text(json.dumps(counts))


if __name__ == "__main__":
    main()
