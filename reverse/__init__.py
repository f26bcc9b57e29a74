"""Reverse sync: push computed fields from the warehouse back to the CRM and MAP (specs, diff plan,
state, engine, and `writers/<system>.py` per writable vendor). Speaks to vendors only through
connectors/."""
