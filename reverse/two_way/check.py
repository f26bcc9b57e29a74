"""A two-way spec against both vendors' metadata, before anything is sent: every mapped field
exists on its object, is writable where values flow into it, has a type the mapping converts,
and every enumeration value the mapping writes is one the receiving field accepts. Each problem
is one line naming the sync, the field and the value."""

from __future__ import annotations

from connectors.hubspot import OPT_OUT_CHANNELS
from reverse.specs import SpecError
from reverse.two_way.spec import CRM, MAP, FieldMap, TwoWaySpec
from reverse.writers import FieldInfo

# mapping type → the vendor types it converts to and from
COMPATIBLE = {
    "text": {
        "string", "enumeration", "phone_number", "textarea", "email", "phone", "picklist", "url",
        "id", "reference", "combobox",
    },
    "number": {"number", "double", "int", "currency", "percent"},
    "boolean": {"bool", "boolean", "enumeration"},
    "date": {"date", "datetime"},
    "email": {"string", "email"},
    "owner": {"enumeration", "reference", "string", "id"},  # hubspot_owner_id, OwnerId
}  # fmt: skip


def check_side(
    spec: TwoWaySpec,
    side: str,
    object_name: str,
    fields: dict[str, FieldInfo],
) -> None:
    """Check the mappings of one side's object (`fields`: the vendor's metadata of it)."""
    title = "HubSpot contacts" if side == MAP else f"Salesforce {object_name}"
    for fm in spec.fields:
        name = fm.map if side == MAP else fm.crm.get(object_name)
        if name is None:
            continue
        where = f"two-way sync {spec.name}: field {fm.map}: {title} {name!r}"
        info = fields.get(name)
        if info is None:
            raise SpecError(f"{where} does not exist (create it, or fix the mapping)")
        if fm.writes_to(side) and not info.writable and not _opt_out_write(fm, side, name):
            raise SpecError(
                f"{where} is read-only; use a direction that does not write it (a read-only "
                "opt-out property is written only by a mapping with `opt_out: true`)"
            )
        if info.type and info.type not in COMPATIBLE[fm.type]:
            raise SpecError(f"{where} is of type {info.type}, which type {fm.type} cannot convert")
        _check_values(fm, side, info, where)


def _opt_out_write(fm: FieldMap, side: str, name: str) -> bool:
    """A read-only HubSpot opt-out property the writer sets through the preferences API."""
    return fm.opt_out and side == MAP and name in OPT_OUT_CHANNELS


def _check_values(fm: FieldMap, side: str, info: FieldInfo, where: str) -> None:
    """Written values are among the receiving field's options; with a value table, every option
    of a field that is read for the other side has a mapping."""
    if not (fm.values and info.options and fm.type == "text"):
        return
    own = fm.values.values() if side == MAP else fm.values.keys()
    if fm.writes_to(side):
        for value in own:
            if value not in info.options:
                raise SpecError(
                    f"{where}: value {value!r} is not one of its options "
                    f"({', '.join(info.options)})"
                )
    if fm.writes_to(CRM if side == MAP else MAP):
        for option in info.options:
            if option not in own:
                raise SpecError(f"{where}: value {option!r} has no mapping in `values`")
