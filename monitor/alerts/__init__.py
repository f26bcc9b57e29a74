"""Alert routing: severity routes to PagerDuty, Slack, email and tickets, with dedup, repeat,
resolve and an outbox that retries failed deliveries (see `router.dispatch`)."""
