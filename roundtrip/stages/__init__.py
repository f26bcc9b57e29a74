"""One home for the stages of the round trip, side by side: `load`, `transform`, `sync`, `health`
and `status`. Each takes the resolved `Settings` and hands plain values (endpoints, the enabled
systems, the clock, paths) to the package doing the work (pipelines/, dbt_project/, reverse/,
monitor/), so none of those imports `roundtrip`. The CLI (roundtrip/cli.py) is a thin shell over
these functions.
"""
