"""One field of one linked pair: which side changed since the last synced value, who wins, and why.

Each side's value is compared with the hash of the value both sides last agreed on (written by
Roundtrip and accepted, or found equal): a side whose value still hashes the same has not changed
(this is also how a value Roundtrip wrote is recognised when it comes back: no echo). Rules, in
order: equal values need nothing; an opt-out flag set on either side wins (compliance); the
owner of a one-way field wins; a value changed on one side only crosses; a value changed on both
sides (or differing at the first sync) is a conflict, settled by the mapping's `conflict` rule,
and the losing value is kept in `sync_conflicts`. At the first sync an empty side is filled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reverse.two_way.spec import CRM, MAP, FieldMap
from reverse.two_way.values import value_hash

EQUAL, OPT_OUT, OWNER, CHANGED, FILL, NEWEST, CRM_WINS, MAP_WINS = (
    "equal", "opt-out wins", "owner", "changed on one side", "fill empty", "newest", "crm wins",
    "map wins",
)  # fmt: skip


@dataclass(frozen=True)
class Observed:
    """A side's canonical value and when that side's record was last modified."""

    value: str | None
    at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    field: str  # the MAP property naming the mapping
    winner: str  # map | crm: whose value both sides hold afterwards
    value: str | None  # the canonical value both sides hold afterwards
    write_to: str | None  # the side that must be written, None when both already agree
    rule: str
    map_before: Observed
    crm_before: Observed
    conflict: bool  # both sides changed (or differed at the first sync): the loser is recorded

    @property
    def value_hash(self) -> str:
        return value_hash(self.value)


def _other(side: str) -> str:
    return CRM if side == MAP else MAP


def decide(
    fm: FieldMap, synced_hash: str | None, map_side: Observed, crm_side: Observed
) -> Decision:
    """What to do with one field of a linked pair."""
    observed = {MAP: map_side, CRM: crm_side}

    def settle(winner: str, rule: str, conflict: bool) -> Decision:
        value = observed[winner].value
        return Decision(fm.map, winner, value, _other(winner), rule, map_side, crm_side, conflict)

    if map_side.value == crm_side.value:
        return Decision(fm.map, CRM, crm_side.value, None, EQUAL, map_side, crm_side, False)
    changed = {
        side: synced_hash is None or value_hash(obs.value) != synced_hash
        for side, obs in observed.items()
    }
    both_changed = changed[MAP] and changed[CRM]
    if fm.opt_out and "true" in (map_side.value, crm_side.value):
        winner = MAP if map_side.value == "true" else CRM
        return settle(winner, OPT_OUT, both_changed or changed[_other(winner)])
    if fm.direction != "both":
        owner = CRM if fm.direction == "crm_to_map" else MAP
        return settle(owner, f"{OWNER}: {owner}", changed[_other(owner)])
    if synced_hash is None and None in (map_side.value, crm_side.value):
        return settle(MAP if crm_side.value is None else CRM, FILL, False)
    if not both_changed:
        return settle(MAP if changed[MAP] else CRM, CHANGED, False)
    if fm.conflict == "crm_wins":
        return settle(CRM, CRM_WINS, True)
    if fm.conflict == "map_wins":
        return settle(MAP, MAP_WINS, True)
    newer_map = (map_side.at is not None) and (crm_side.at is None or map_side.at > crm_side.at)
    return settle(MAP if newer_map else CRM, NEWEST, True)
