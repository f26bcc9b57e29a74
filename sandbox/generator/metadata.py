"""Property definitions (hubspot_properties) and field metadata (salesforce_fields), read off the world tables."""

from __future__ import annotations

import re

import duckdb
import pandas as pd

BOOKKEEPING = {"id", "created_at", "updated_at", "archived", "archived_at"}
CUSTOM_HUBSPOT = {
    "lead_score": "number",
    "fit_score": "number",
    "engagement_score": "number",
    "lead_tier": "enumeration",
    "last_engagement_date": "date",
    "roundtrip_customer_id": "string",
}
HUBSPOT_TYPES = {
    "lifecyclestage": "enumeration",
    "hs_lead_status": "enumeration",
    "hs_analytics_source": "enumeration",
    "dealstage": "enumeration",
    "pipeline": "enumeration",
    "industry": "enumeration",
    "country": "string",
    "numberofemployees": "number",
    "annualrevenue": "number",
    "amount": "number",
    "closedate": "datetime",
    "hubspot_owner_id": "enumeration",
    "hs_email_optout": "enumeration",
}
HUBSPOT_LABELS = {
    "firstname": "First Name",
    "lastname": "Last Name",
    "jobtitle": "Job Title",
    "lifecyclestage": "Lifecycle Stage",
    "hs_lead_status": "Lead Status",
    "hs_analytics_source": "Original Source",
    "hs_analytics_source_data_1": "Original Source Drill-Down 1",
    "hubspot_owner_id": "Contact owner",
    "hs_email_optout": "Unsubscribed from all email",
    "salesforceleadid": "Salesforce Lead ID",
    "salesforcecontactid": "Salesforce Contact ID",
    "numberofemployees": "Number of Employees",
    "annualrevenue": "Annual Revenue",
    "dealname": "Deal Name",
    "dealstage": "Deal Stage",
    "closedate": "Close Date",
    "createdate": "Create Date",
    "lastmodifieddate": "Last Modified Date",
    "hs_lastmodifieddate": "Last Modified Date",
}
FIELD_TYPE = {
    "string": "text",
    "number": "number",
    "enumeration": "select",
    "date": "date",
    "datetime": "date",
    "bool": "booleancheckbox",
}
SOBJECTS = {
    "salesforce_lead": "Lead",
    "salesforce_contact": "Contact",
    "salesforce_account": "Account",
    "salesforce_opportunity": "Opportunity",
    "salesforce_opportunity_contact_role": "OpportunityContactRole",
    "salesforce_campaign": "Campaign",
    "salesforce_campaign_member": "CampaignMember",
    "salesforce_task": "Task",
    "salesforce_user": "User",
}
EXTERNAL_IDS = {"Roundtrip_Customer_Id__c", "Roundtrip_Event_Id__c"}
SF_SPECIAL = {
    "Email": "email",
    "Phone": "phone",
    "Amount": "currency",
    "AnnualRevenue": "currency",
    "Status": "picklist",
    "StageName": "picklist",
    "LeadSource": "picklist",
    "Industry": "picklist",
    "Type": "picklist",
    "Role": "picklist",
    "Lead_Tier__c": "picklist",
    "Website": "url",
    "NumberOfEmployees": "int",
    "Probability": "percent",
}
SF_BY_DUCK = {
    "BOOLEAN": "boolean",
    "TIMESTAMP": "datetime",
    "DATE": "date",
    "DOUBLE": "double",
    "INTEGER": "int",
    "VARCHAR": "string",
}
ALWAYS_SET = {"Id", "CreatedDate", "LastModifiedDate", "SystemModstamp"}
REQUIRED = {
    ("Lead", "LastName"),
    ("Lead", "Company"),
    ("Lead", "Status"),
    ("Contact", "LastName"),
    ("Account", "Name"),
    ("Opportunity", "Name"),
    ("Opportunity", "StageName"),
    ("Opportunity", "CloseDate"),
    ("Campaign", "Name"),
    ("CampaignMember", "CampaignId"),
    ("OpportunityContactRole", "OpportunityId"),
    ("OpportunityContactRole", "ContactId"),
}
SYSTEM_FIELDS = {
    "Id",
    "IsDeleted",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
    "IsConverted",
    "ConvertedDate",
    "ConvertedContactId",
    "ConvertedAccountId",
    "ConvertedOpportunityId",
    "IsClosed",
    "IsWon",
}


def _label(name: str) -> str:
    """`Lead_Score__c` → "Lead Score", `LastModifiedDate` → "Last Modified Date", `jobtitle` → "Jobtitle"."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name.removesuffix("__c")).replace("_", " ").strip()
    return spaced[:1].upper() + spaced[1:]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()]


def hubspot_properties(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One definition per property column of hubspot_contacts / companies / deals."""
    rows = []
    for object_type in ("contacts", "companies", "deals"):
        for name, _ in _columns(con, f"hubspot_{object_type}"):
            if name in BOOKKEEPING:
                continue
            kind = CUSTOM_HUBSPOT.get(name) or HUBSPOT_TYPES.get(name, "string")
            group = "roundtrip" if name in CUSTOM_HUBSPOT else f"{object_type[:-1]}information"
            rows.append(
                (
                    object_type,
                    name,
                    HUBSPOT_LABELS.get(name) or _label(name),
                    kind,
                    FIELD_TYPE[kind],
                    group,
                    name not in CUSTOM_HUBSPOT,
                )
            )
    # the date properties the stand-in renders from the bookkeeping columns
    stamps = {
        "contacts": "lastmodifieddate",
        "companies": "hs_lastmodifieddate",
        "deals": "hs_lastmodifieddate",
    }
    rows += [
        (o, p, HUBSPOT_LABELS[p], "datetime", "date", f"{o[:-1]}information", True)
        for o, modified in stamps.items()
        for p in ("createdate", modified)
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "object_type",
            "name",
            "label",
            "type",
            "field_type",
            "group_name",
            "hubspot_defined",
        ],
    )


def salesforce_fields(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """describe-style metadata for every column of every salesforce_* table."""
    rows = []
    for table, sobject in SOBJECTS.items():
        for name, duck_type in _columns(con, table):
            if name == "Id":
                kind = "id"
            elif name.endswith("Id") or name.endswith("ContactId") or name.endswith("AccountId"):
                kind = "reference"
            else:
                kind = SF_SPECIAL.get(name) or SF_BY_DUCK.get(
                    duck_type.split("(")[0],
                    "double" if duck_type.startswith("DECIMAL") else "string",
                )
            custom = name.endswith("__c")
            rows.append(
                (
                    sobject,
                    name,
                    _label(name),
                    kind,
                    custom,
                    kind != "boolean"
                    and name not in ALWAYS_SET
                    and (sobject, name) not in REQUIRED,
                    name not in SYSTEM_FIELDS,
                    name in EXTERNAL_IDS,
                )
            )
    return pd.DataFrame(
        rows,
        columns=[
            "sobject",
            "name",
            "label",
            "type",
            "custom",
            "nillable",
            "updateable",
            "external_id",
        ],
    )
