"""The vendors' APIs as Roundtrip speaks them: one module per vendor (`<system>.py`: its `VENDOR`
descriptor, its policy and its client), `registry.py` collecting every vendor, and `http/`, the
shared HTTP leaf (transport, retries, status classification, Retry-After, rate limits, auth,
redaction). Imports nothing else of ours."""
