"""`roundtrip report`: the marketing performance report, one self-contained offline HTML page
(`docs/report.html`) whose every number is read from the published warehouse's marts."""

from roundtrip.report.build import write_report

__all__ = ["write_report"]
