"""Two-way contact sync between the MAP (HubSpot contacts) and the CRM (Salesforce Lead / Contact).

| module | job |
|---|---|
| `spec.py` | the `two_way:` list of `reverse/syncs.yml` parsed into `TwoWaySpec`s: field mappings with direction, conflict rule, type and value table |
| `values.py` | each side's raw value → one canonical form (the MAP's representation), and back for a write |
| `owners.py` | owner fields: HubSpot owners ↔ Salesforce users by e-mail address, cached in the state |
| `check.py` | the specs against both vendors' metadata: fields exist, writable, convertible, enumerations mapped |
| `decide.py` | one field of one link: which side changed since the last synced value, who wins, by which rule |
| `links.py` | which HubSpot contact is which Salesforce record: stored link → vendor link fields → normalized email |
| `state.py` | links, last synced value hash per link and field, conflicts, unlinked records, runs (SQLite) |
| `apply.py` | `apply_change`: one record's change from one side (the real-time path's entry point) |
| `send.py` | the plans' writes to both vendors in batches (one-way writers), with what each accepted |
| `scheduled.py` | the scheduled path: both sides as the last load read them, diffed against the state, written in batches |

Both paths share the state: a value Roundtrip wrote is recognised when it comes back (its
canonical hash equals the synced one), so a change crosses once and stops.
"""
