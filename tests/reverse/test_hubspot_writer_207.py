"""HubSpot's batch update can answer 207 with an id in neither `results` nor `errors`: the writer
must report that record as not written, never as accepted (issue #15)."""

from __future__ import annotations

from types import SimpleNamespace

from reverse.writers import Change
from reverse.writers.hubspot import Writer


class Batch207:
    """A client whose batch update answers as HubSpot's 207 does: one result, one error item
    (with its `errors` and `links`), and silence about the third id."""

    def batch_update(self, object_type: str, inputs: list[dict]) -> dict:
        return {
            "status": "COMPLETE",
            "results": [{"id": "1", "properties": {"lead_score": "80"}}],
            "numErrors": 1,
            "errors": [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": "Could not get some CONTACT objects, they may be deleted or not exist.",
                    "context": {"ids": ["2"]},
                    "errors": [],
                    "links": {},
                }
            ],
        }


def change(key: str) -> Change:
    return Change(key, "update", {"lead_score": 80}, "h", "{}")


def test_an_id_hubspot_is_silent_about_is_not_accepted() -> None:
    spec = SimpleNamespace(
        mode="update", destination=SimpleNamespace(object="contacts", match_field="hs_object_id")
    )
    results = {r.key: r for r in Writer(Batch207()).write(spec, [change(k) for k in "123"])}
    assert results["1"].accepted and results["1"].record_id == "1"
    assert not results["2"].accepted and results["2"].reason.startswith("OBJECT_NOT_FOUND")
    assert not results["3"].accepted
    assert results["3"].reason == "the destination returned no result"
