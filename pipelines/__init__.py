"""dlt sources (one module per system) and the load runner."""
