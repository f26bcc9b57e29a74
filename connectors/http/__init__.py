"""The shared HTTP leaf: what every HTTP caller of ours needs, with no vendor knowledge.

`status` (what an HTTP answer means: one status classifier, one Retry-After parser), `policy`
(the base a vendor's policy overrides), `transport` (rate limits, retries, auth refresh),
`ratelimit`, `auth`, `errors` and `redaction`. Vendor modules (`connectors/<vendor>.py`) build
on it; `monitor/` delivers alerts with it. It imports nothing else of ours.
"""
