"""Roundtrip: the CLI and settings that tie the stages of the round trip together."""
