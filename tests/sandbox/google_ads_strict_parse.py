"""Run by tests/sandbox/test_contracts.py with the `google-ads` venv's Python (its pins conflict
with ours): strictly parse captured REST bodies as the Google Ads API's own protobuf messages
(unknown fields fail). Usage: python google_ads_strict_parse.py VERSION CAPTURE.json; prints
one line per body and exits non-zero on the first that does not parse."""

from __future__ import annotations

import importlib
import json
import sys

from google.protobuf import json_format
from google.rpc import status_pb2


def main(version: str, capture: str) -> int:
    service = importlib.import_module(
        f"google.ads.googleads.{version}.services.types.google_ads_service"
    )
    importlib.import_module(f"google.ads.googleads.{version}.errors.types.errors")  # for Any
    with open(capture) as file:
        bodies = json.load(file)
    kinds = {
        "request": service.SearchGoogleAdsStreamRequest,
        "response": service.SearchGoogleAdsStreamResponse,
    }
    for kind, body in bodies:
        if kind == "error":
            # google.rpc.Status; REST adds `status`, the code's name (Google's JSON error model)
            body = {k: v for k, v in body.items() if k != "status"}
            message = status_pb2.Status()
        else:
            message = type(kinds[kind].pb(kinds[kind]()))()
        try:
            json_format.Parse(json.dumps(body), message)
        except json_format.ParseError as exc:
            print(f"{kind}: {exc}")
            return 1
        print(f"{kind}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
