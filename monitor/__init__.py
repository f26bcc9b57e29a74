"""Health checks, alert routing and delivery, run history and status. The systems to watch and the
clock are handed in as plain values (`monitor/systems.py`, by roundtrip/stages/); HTTP delivery
uses the shared leaf `connectors.http`."""
