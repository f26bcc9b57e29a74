"""One client per vendor API plus the shared HTTP transport (retries, rate limits, auth, redaction)."""
