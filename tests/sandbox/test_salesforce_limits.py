"""The Salesforce stand-in tells its two request limits apart, as Salesforce does: a burst hits
the concurrent-request limit (over in a moment), the rate_limit fault the 24-hour allowance."""

from __future__ import annotations

from sandbox.faults import set_faults


def test_a_burst_is_the_concurrent_limit_and_the_allowance_is_total_requests(crm_sandbox):
    with crm_sandbox.salesforce() as sf:
        set_faults(crm_sandbox.paths, "salesforce", burst_429=1)
        try:
            refused = sf.get("/limits")
            assert refused.status_code == 403 and "Retry-After" not in refused.headers
            assert refused.json() == [
                {
                    "message": "ConcurrentRequests (Concurrent API Requests) Limit exceeded",
                    "errorCode": "REQUEST_LIMIT_EXCEEDED",
                }
            ]
            assert sf.get("/limits").status_code == 200  # over after the burst
            set_faults(crm_sandbox.paths, "salesforce", rate_limit="1/86400")
            assert sf.get("/limits").status_code == 200
            used_up = sf.get("/limits")
            assert used_up.status_code == 403
            assert used_up.json()[0]["message"] == "TotalRequests Limit exceeded."
        finally:
            set_faults(crm_sandbox.paths, "salesforce")
