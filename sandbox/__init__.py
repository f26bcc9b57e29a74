"""The sandbox: a synthetic B2B company behind local stand-ins of the vendor APIs.

This package is the vendors' side of the wire: it never imports Roundtrip's product code.
"""
