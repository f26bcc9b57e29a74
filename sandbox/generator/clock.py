"""The sandbox clock: a fixed, seed-independent "now" and helpers for epoch-second arrays.

Inside the generator every timestamp is an int64 of epoch seconds (UTC); conversion to DuckDB
TIMESTAMP happens when the tables are written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

GENESIS_NOW = datetime(2026, 11, 1, tzinfo=UTC)
DAY = 86_400


def epoch(moment: datetime) -> int:
    """Epoch seconds; a naive datetime is taken as UTC."""
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def to_datetime(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@dataclass(frozen=True)
class Window:
    """The half-open stretch of time (start, end] in which records and activity are created."""

    start: int
    end: int

    @classmethod
    def of(cls, start: datetime, end: datetime) -> Window:
        return cls(epoch(start), epoch(end))

    def days(self) -> np.ndarray:
        """Midnights (epoch seconds) of the days this window covers, each day [d, d+1)."""
        return np.arange(self.start // DAY, -(-self.end // DAY), dtype=np.int64) * DAY

    def uniform(
        self, rng: np.random.Generator, n: int, low: np.ndarray | int | None = None
    ) -> np.ndarray:
        """n instants uniformly in (max(start, low), end]."""
        lo = np.maximum(self.start, low) if low is not None else np.full(n, self.start)
        return (lo + np.ceil(rng.random(n) * (self.end - lo))).astype(np.int64)


def history(now: datetime, days: int) -> Window:
    return Window.of(now - timedelta(days=days), now)


def timestamps(seconds: np.ndarray | pd.Series) -> pd.Series:
    """Epoch seconds → a pandas datetime Series (for TIMESTAMP/DATE columns)."""
    return pd.Series(pd.to_datetime(np.asarray(seconds, dtype=np.int64), unit="s"))


def modified_after(rng: np.random.Generator, created: np.ndarray, end: int) -> np.ndarray:
    """A last-modified instant ≥ created: unchanged for 40 %, else some time up to `end`."""
    later = created + (rng.random(len(created)) * np.maximum(end - created, 0)).astype(np.int64)
    return np.where(rng.random(len(created)) < 0.4, created, later)


def epoch_seconds(values: pd.Series | np.ndarray) -> np.ndarray:
    """Datetimes or dates → int64 epoch seconds."""
    return pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[s]").astype(np.int64)
