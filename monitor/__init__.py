"""Health checks, alert routing and run history."""
