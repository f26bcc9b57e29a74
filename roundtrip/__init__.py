"""Roundtrip: the CLI, the settings, and the stages (`stages/`) that tie the round trip together."""
