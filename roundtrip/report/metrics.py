"""The marketing metrics as defined once in dbt_project.yml (var `marketing_metrics`): each a ratio
of two additive columns of marts.campaign_performance_daily. Over a period a metric is
sum(numerator) / sum(denominator), the same definition the marts apply per row."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    numerator: str
    denominator: str
    unit: str  # currency | ratio | multiple
    description: str

    def sql(self) -> str:
        """The metric over the rows of a group: null when the denominator sums to zero."""
        return f"cast(sum({self.numerator}) as double) / nullif(sum({self.denominator}), 0)"


@cache
def marketing_metrics() -> dict[str, Metric]:
    """Every metric by name, in the order dbt_project.yml defines them."""
    defined = yaml.safe_load(DBT_PROJECT.read_text())["vars"]["marketing_metrics"]
    return {name: Metric(name=name, **fields) for name, fields in defined.items()}
