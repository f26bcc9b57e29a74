"""Reverse sync: push computed fields from the warehouse back to the CRM and MAP."""
