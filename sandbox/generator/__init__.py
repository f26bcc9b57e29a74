"""The sandbox world generator: a deterministic synthetic B2B company as each vendor stores it.

`generate(paths, seed, scale)` builds a world from scratch; `advance(paths, days)` moves its clock.
"""

from sandbox.generator.advance import advance
from sandbox.generator.generate import generate

__all__ = ["advance", "generate"]
