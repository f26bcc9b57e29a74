"""The DuckDB warehouse: its location, the single-writer lock and the published read-only copy."""
