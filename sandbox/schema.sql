-- The sandbox world: what each vendor stores, as the vendor stores it (`world.duckdb`).
-- The generator writes these tables; the stand-in servers read and write them. Column names are
-- the vendor's own field/property names where the vendor has one, so a stand-in renders a row
-- without a mapping table. Timestamps are UTC (TIMESTAMP without zone, microseconds).
-- Nothing here is ground truth: that lives in truth.duckdb (see truth.sql).

CREATE TABLE world_meta (
    key   VARCHAR PRIMARY KEY,  -- seed, scale, started_at, now, format_version
    value VARCHAR NOT NULL
);

-- ---------------------------------------------------------------- HubSpot (one portal)
-- Property definitions served by /crm/v3/properties/{objectType}; every column of
-- hubspot_{contacts,companies,deals} below that is not a bookkeeping column is a property here.
CREATE TABLE hubspot_properties (
    object_type     VARCHAR NOT NULL,  -- contacts | companies | deals
    name            VARCHAR NOT NULL,
    label           VARCHAR NOT NULL,
    type            VARCHAR NOT NULL,  -- string | number | datetime | date | enumeration | bool
    field_type      VARCHAR NOT NULL,  -- text | number | date | select | booleancheckbox | ...
    group_name      VARCHAR NOT NULL,
    hubspot_defined BOOLEAN NOT NULL,  -- false for the portal's custom properties (lead_score ...)
    PRIMARY KEY (object_type, name)
);

-- Every value written through the API (batch update/upsert), newest last: served as
-- `propertiesWithHistory` on GET /crm/v3/objects/{objectType}/{id}; empty in a new world.
CREATE TABLE hubspot_property_history (
    object_type VARCHAR NOT NULL,
    object_id   BIGINT NOT NULL,
    property    VARCHAR NOT NULL,
    value       VARCHAR,
    timestamp   TIMESTAMPTZ NOT NULL,
    source_type VARCHAR NOT NULL   -- INTEGRATION for API writes
);

-- Bookkeeping columns: id, created_at, updated_at, archived, archived_at. The stand-in renders
-- createdate / lastmodifieddate (contacts) or hs_lastmodifieddate (companies, deals) from
-- created_at / updated_at. Every other column is a property stored as the string HubSpot returns
-- (NULL = unset). Writes (batch update/upsert) set property columns and bump updated_at.
CREATE TABLE hubspot_contacts (
    id                   BIGINT PRIMARY KEY,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    archived             BOOLEAN NOT NULL DEFAULT FALSE,
    archived_at          TIMESTAMP,
    email                VARCHAR,  -- messy on purpose: case, padding, personal domains
    firstname            VARCHAR,
    lastname             VARCHAR,
    jobtitle             VARCHAR,
    company              VARCHAR,
    phone                VARCHAR,
    country              VARCHAR,
    city                 VARCHAR,
    lifecyclestage       VARCHAR,  -- subscriber | lead | marketingqualifiedlead | salesqualifiedlead | opportunity | customer
    hs_lead_status       VARCHAR,
    hs_analytics_source  VARCHAR,  -- ORGANIC_SEARCH | PAID_SEARCH | PAID_SOCIAL | EMAIL_MARKETING | DIRECT_TRAFFIC | REFERRALS | OFFLINE
    hs_analytics_source_data_1 VARCHAR,  -- utm_campaign of the first touch when known
    hubspot_owner_id     VARCHAR,
    salesforceleadid     VARCHAR,  -- HubSpot's stored Salesforce ids (from the SF integration)
    salesforcecontactid  VARCHAR,
    -- custom properties the reverse sync writes (defined in hubspot_properties, hubspot_defined=false)
    lead_score           VARCHAR,
    lead_tier            VARCHAR,
    fit_score            VARCHAR,
    engagement_score     VARCHAR,
    last_engagement_date VARCHAR,
    roundtrip_customer_id VARCHAR,
    hs_email_optout      VARCHAR   -- 'true' once unsubscribed from all email; read-only (set by the preferences API)
);

-- Unsubscribes from all email (Communication Preferences API, unsubscribe-all): one row per
-- address and channel; the contacts with that address read hs_email_optout = 'true'.
CREATE TABLE hubspot_unsubscribed_all (
    email            VARCHAR NOT NULL,  -- lower-cased, trimmed
    channel          VARCHAR NOT NULL,  -- EMAIL
    unsubscribed_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (email, channel)
);

CREATE TABLE hubspot_companies (
    id                BIGINT PRIMARY KEY,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    archived          BOOLEAN NOT NULL DEFAULT FALSE,
    archived_at       TIMESTAMP,
    name              VARCHAR,
    domain            VARCHAR,
    industry          VARCHAR,
    numberofemployees VARCHAR,
    annualrevenue     VARCHAR,
    country           VARCHAR,
    city              VARCHAR,
    lifecyclestage    VARCHAR
);

CREATE TABLE hubspot_deals (
    id                BIGINT PRIMARY KEY,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    archived          BOOLEAN NOT NULL DEFAULT FALSE,
    archived_at       TIMESTAMP,
    dealname          VARCHAR,
    amount            VARCHAR,
    dealstage         VARCHAR,  -- appointmentscheduled | qualifiedtobuy | presentationscheduled | decisionmakerboughtin | contractsent | closedwon | closedlost
    pipeline          VARCHAR,
    closedate         VARCHAR,  -- ISO 8601 datetime string, as HubSpot returns it
    hubspot_owner_id  VARCHAR
);

-- v4 associations; both directions are served from one row.
CREATE TABLE hubspot_associations (
    from_object_type    VARCHAR NOT NULL,  -- contacts | companies | deals
    from_id             BIGINT NOT NULL,
    to_object_type      VARCHAR NOT NULL,
    to_id               BIGINT NOT NULL,
    association_type_id INTEGER NOT NULL,  -- HubSpot-defined: 279 contact→company, 3 deal→contact, 341 deal→company
    PRIMARY KEY (from_object_type, from_id, to_object_type, to_id)
);

CREATE TABLE hubspot_email_campaigns (
    id         BIGINT PRIMARY KEY,
    name       VARCHAR NOT NULL,
    subject    VARCHAR,
    created_at TIMESTAMP NOT NULL
);

-- /email/public/v1/events; `created` is rendered as epoch milliseconds.
CREATE TABLE hubspot_email_events (
    id                VARCHAR PRIMARY KEY,
    type              VARCHAR NOT NULL,  -- SENT | DELIVERED | OPEN | CLICK | BOUNCE | UNSUBSCRIBED
    recipient         VARCHAR NOT NULL,
    created           TIMESTAMP NOT NULL,
    email_campaign_id BIGINT NOT NULL,
    url               VARCHAR            -- CLICK only
);

CREATE TABLE hubspot_forms (
    guid       VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- /form-integrations/v1/submissions/forms/{guid}; `values` is a JSON array of {name, value}
-- (email, firstname, lastname, company, jobtitle, utm_source, utm_medium, utm_campaign,
-- gclid, fbclid, li_fat_id, hutk).
CREATE TABLE hubspot_form_submissions (
    conversion_id VARCHAR PRIMARY KEY,
    form_guid     VARCHAR NOT NULL,
    submitted_at  TIMESTAMP NOT NULL,
    page_url      VARCHAR,
    "values"      VARCHAR NOT NULL
);

-- ---------------------------------------------------------------- Salesforce (one org)
-- Field metadata for describe and SOQL validation: one row per sObject field.
CREATE TABLE salesforce_fields (
    sobject     VARCHAR NOT NULL,  -- Lead | Contact | Account | Opportunity | Campaign | CampaignMember | OpportunityContactRole
    name        VARCHAR NOT NULL,
    label       VARCHAR NOT NULL,
    type        VARCHAR NOT NULL,  -- id | string | email | phone | picklist | boolean | datetime | date | double | currency | reference
    custom      BOOLEAN NOT NULL,
    nillable    BOOLEAN NOT NULL,
    updateable  BOOLEAN NOT NULL,
    external_id BOOLEAN NOT NULL,
    PRIMARY KEY (sobject, name)
);

-- One table per sObject, columns named as the API names. 18-character ids with the real key
-- prefixes (00Q Lead, 003 Contact, 001 Account, 006 Opportunity, 701 Campaign,
-- 00v CampaignMember, 00K OpportunityContactRole, 005 User). Deletes set IsDeleted (queryAll).
CREATE TABLE salesforce_lead (
    Id                     VARCHAR PRIMARY KEY,
    IsDeleted              BOOLEAN NOT NULL DEFAULT FALSE,
    FirstName              VARCHAR,
    LastName               VARCHAR,
    Email                  VARCHAR,
    Title                  VARCHAR,
    Company                VARCHAR,
    Phone                  VARCHAR,
    Country                VARCHAR,
    Industry               VARCHAR,
    NumberOfEmployees      INTEGER,
    LeadSource             VARCHAR,
    Status                 VARCHAR,  -- Open - Not Contacted | Working - Contacted | Closed - Converted | Closed - Not Converted
    OwnerId                VARCHAR,
    IsConverted            BOOLEAN NOT NULL DEFAULT FALSE,
    ConvertedDate          DATE,
    ConvertedContactId     VARCHAR,
    ConvertedAccountId     VARCHAR,
    ConvertedOpportunityId VARCHAR,
    CreatedDate            TIMESTAMP NOT NULL,
    LastModifiedDate       TIMESTAMP NOT NULL,
    SystemModstamp         TIMESTAMP NOT NULL,
    Lead_Score__c          DOUBLE,
    Lead_Tier__c           VARCHAR,
    Fit_Score__c           DOUBLE,
    Engagement_Score__c    DOUBLE,
    Last_Engagement_Date__c DATE,
    Roundtrip_Customer_Id__c VARCHAR, -- external id for upserts
    -- custom fields a marketing org adds for web-to-lead attribution (written by real-time flows)
    UTM_Source__c          VARCHAR,
    UTM_Medium__c          VARCHAR,
    UTM_Campaign__c        VARCHAR,
    GCLID__c               VARCHAR,
    Last_Form__c           VARCHAR,
    HasOptedOutOfEmail     BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE salesforce_contact (
    Id                     VARCHAR PRIMARY KEY,
    IsDeleted              BOOLEAN NOT NULL DEFAULT FALSE,
    AccountId              VARCHAR,
    FirstName              VARCHAR,
    LastName               VARCHAR,
    Email                  VARCHAR,
    Title                  VARCHAR,
    Phone                  VARCHAR,
    MailingCountry         VARCHAR,
    LeadSource             VARCHAR,
    OwnerId                VARCHAR,
    CreatedDate            TIMESTAMP NOT NULL,
    LastModifiedDate       TIMESTAMP NOT NULL,
    SystemModstamp         TIMESTAMP NOT NULL,
    Lead_Score__c          DOUBLE,
    Lead_Tier__c           VARCHAR,
    Fit_Score__c           DOUBLE,
    Engagement_Score__c    DOUBLE,
    Last_Engagement_Date__c DATE,
    Roundtrip_Customer_Id__c VARCHAR,
    HasOptedOutOfEmail     BOOLEAN NOT NULL DEFAULT FALSE
);

-- The org's users: the OwnerId of every record (SELECT Id, Email FROM User).
CREATE TABLE salesforce_user (
    Id               VARCHAR PRIMARY KEY,
    IsDeleted        BOOLEAN NOT NULL DEFAULT FALSE,
    Username         VARCHAR NOT NULL,
    Email            VARCHAR NOT NULL,
    FirstName        VARCHAR,
    LastName         VARCHAR NOT NULL,
    IsActive         BOOLEAN NOT NULL DEFAULT TRUE,
    CreatedDate      TIMESTAMP NOT NULL,
    LastModifiedDate TIMESTAMP NOT NULL,
    SystemModstamp   TIMESTAMP NOT NULL
);

CREATE TABLE salesforce_account (
    Id                VARCHAR PRIMARY KEY,
    IsDeleted         BOOLEAN NOT NULL DEFAULT FALSE,
    Name              VARCHAR,
    Website           VARCHAR,
    Industry          VARCHAR,
    NumberOfEmployees INTEGER,
    AnnualRevenue     DOUBLE,
    BillingCountry    VARCHAR,
    BillingCity       VARCHAR,
    OwnerId           VARCHAR,
    CreatedDate       TIMESTAMP NOT NULL,
    LastModifiedDate  TIMESTAMP NOT NULL,
    SystemModstamp    TIMESTAMP NOT NULL
);

CREATE TABLE salesforce_opportunity (
    Id               VARCHAR PRIMARY KEY,
    IsDeleted        BOOLEAN NOT NULL DEFAULT FALSE,
    AccountId        VARCHAR,
    Name             VARCHAR,
    Amount           DOUBLE,
    StageName        VARCHAR,  -- Prospecting | Qualification | Proposal | Negotiation | Closed Won | Closed Lost
    Probability      DOUBLE,
    IsClosed         BOOLEAN NOT NULL,
    IsWon            BOOLEAN NOT NULL,
    CloseDate        DATE,
    CampaignId       VARCHAR,
    LeadSource       VARCHAR,
    OwnerId          VARCHAR,
    CreatedDate      TIMESTAMP NOT NULL,
    LastModifiedDate TIMESTAMP NOT NULL,
    SystemModstamp   TIMESTAMP NOT NULL
);

CREATE TABLE salesforce_opportunity_contact_role (
    Id               VARCHAR PRIMARY KEY,
    IsDeleted        BOOLEAN NOT NULL DEFAULT FALSE,
    OpportunityId    VARCHAR NOT NULL,
    ContactId        VARCHAR NOT NULL,
    Role             VARCHAR,
    IsPrimary        BOOLEAN NOT NULL,
    CreatedDate      TIMESTAMP NOT NULL,
    LastModifiedDate TIMESTAMP NOT NULL,
    SystemModstamp   TIMESTAMP NOT NULL
);

-- Campaign names follow the ad platforms' UTM convention (utm_campaign value) where the
-- campaign is a paid one, so CRM and ad data can be joined by name.
CREATE TABLE salesforce_campaign (
    Id               VARCHAR PRIMARY KEY,
    IsDeleted        BOOLEAN NOT NULL DEFAULT FALSE,
    Name             VARCHAR NOT NULL,
    Type             VARCHAR,  -- Advertisement | Email | Webinar | Conference | Other
    Status           VARCHAR,
    StartDate        DATE,
    EndDate          DATE,
    IsActive         BOOLEAN NOT NULL,
    CreatedDate      TIMESTAMP NOT NULL,
    LastModifiedDate TIMESTAMP NOT NULL,
    SystemModstamp   TIMESTAMP NOT NULL
);

CREATE TABLE salesforce_campaign_member (
    Id                  VARCHAR PRIMARY KEY,
    IsDeleted           BOOLEAN NOT NULL DEFAULT FALSE,
    CampaignId          VARCHAR NOT NULL,
    LeadId              VARCHAR,
    ContactId           VARCHAR,
    Status              VARCHAR,  -- Sent | Responded
    HasResponded        BOOLEAN NOT NULL,
    FirstRespondedDate  DATE,
    CreatedDate         TIMESTAMP NOT NULL,
    LastModifiedDate    TIMESTAMP NOT NULL,
    SystemModstamp      TIMESTAMP NOT NULL
);

-- Activities on a Lead/Contact (WhoId); none are generated: real-time flows create them, upserted
-- on the external id Roundtrip_Event_Id__c so a replayed event never makes a second Task.
CREATE TABLE salesforce_task (
    Id                    VARCHAR PRIMARY KEY,
    IsDeleted             BOOLEAN NOT NULL DEFAULT FALSE,
    WhoId                 VARCHAR,
    WhatId                VARCHAR,
    Subject               VARCHAR,
    Status                VARCHAR,  -- Not Started | Completed
    Priority              VARCHAR,  -- High | Normal | Low
    ActivityDate          DATE,
    TaskSubtype           VARCHAR,  -- Task | Email | Call
    Description           VARCHAR,
    OwnerId               VARCHAR,
    CreatedDate           TIMESTAMP NOT NULL,
    LastModifiedDate      TIMESTAMP NOT NULL,
    SystemModstamp        TIMESTAMP NOT NULL,
    Roundtrip_Event_Id__c VARCHAR
);

-- ---------------------------------------------------------------- Google Ads
-- Ids are int64 rendered as strings; cost in micros of the account currency (USD).
CREATE TABLE google_ads_campaigns (
    customer_id              VARCHAR NOT NULL,  -- 10 digits, no dashes
    campaign_id              BIGINT NOT NULL,
    name                     VARCHAR NOT NULL,  -- the utm_campaign value
    status                   VARCHAR NOT NULL,  -- ENABLED | PAUSED | REMOVED
    advertising_channel_type VARCHAR NOT NULL,  -- SEARCH | DISPLAY | VIDEO
    start_date               DATE,
    PRIMARY KEY (customer_id, campaign_id)
);

CREATE TABLE google_ads_ad_groups (
    customer_id VARCHAR NOT NULL,
    ad_group_id BIGINT NOT NULL,
    campaign_id BIGINT NOT NULL,
    name        VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,
    PRIMARY KEY (customer_id, ad_group_id)
);

-- Restated: `sandbox advance` rewrites the last few days of rows.
CREATE TABLE google_ads_ad_group_daily (
    customer_id VARCHAR NOT NULL,
    ad_group_id BIGINT NOT NULL,
    campaign_id BIGINT NOT NULL,
    date        DATE NOT NULL,
    impressions BIGINT NOT NULL,
    clicks      BIGINT NOT NULL,
    cost_micros BIGINT NOT NULL,
    conversions DOUBLE NOT NULL,
    PRIMARY KEY (customer_id, ad_group_id, date)
);

-- ---------------------------------------------------------------- Meta (Marketing API)
CREATE TABLE meta_campaigns (
    account_id   VARCHAR NOT NULL,  -- without the act_ prefix
    campaign_id  VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    objective    VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,
    created_time TIMESTAMP NOT NULL,
    updated_time TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, campaign_id)
);

CREATE TABLE meta_adsets (
    account_id  VARCHAR NOT NULL,
    adset_id    VARCHAR NOT NULL,
    campaign_id VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,
    PRIMARY KEY (account_id, adset_id)
);

-- spend in account currency with cents; `leads` is rendered in the `actions` list.
CREATE TABLE meta_adset_daily (
    account_id  VARCHAR NOT NULL,
    adset_id    VARCHAR NOT NULL,
    campaign_id VARCHAR NOT NULL,
    date        DATE NOT NULL,
    impressions BIGINT NOT NULL,
    clicks      BIGINT NOT NULL,
    spend       DECIMAL(14, 2) NOT NULL,
    leads       BIGINT NOT NULL,
    PRIMARY KEY (account_id, adset_id, date)
);

-- ---------------------------------------------------------------- LinkedIn
-- A LinkedIn campaign group is our campaign; a LinkedIn campaign is our ad group.
CREATE TABLE linkedin_campaign_groups (
    account_id BIGINT NOT NULL,
    id         BIGINT NOT NULL,
    name       VARCHAR NOT NULL,
    status     VARCHAR NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE linkedin_campaigns (
    account_id        BIGINT NOT NULL,
    id                BIGINT NOT NULL,
    campaign_group_id BIGINT NOT NULL,
    name              VARCHAR NOT NULL,
    status            VARCHAR NOT NULL,
    type              VARCHAR NOT NULL,  -- SPONSORED_UPDATES | TEXT_AD
    PRIMARY KEY (account_id, id)
);

CREATE TABLE linkedin_campaign_daily (
    account_id               BIGINT NOT NULL,
    campaign_id              BIGINT NOT NULL,
    date                     DATE NOT NULL,
    impressions              BIGINT NOT NULL,
    clicks                   BIGINT NOT NULL,
    cost_in_local_currency   DECIMAL(14, 2) NOT NULL,
    one_click_leads          BIGINT NOT NULL,
    PRIMARY KEY (account_id, campaign_id, date)
);

-- ---------------------------------------------------------------- GA4 (one property)
CREATE TABLE ga4_daily (
    property_id           VARCHAR NOT NULL,
    date                  DATE NOT NULL,
    session_source        VARCHAR NOT NULL,  -- google | facebook | linkedin | newsletter | (direct) | ...
    session_medium        VARCHAR NOT NULL,  -- cpc | paid_social | email | organic | referral | (none)
    session_campaign_name VARCHAR NOT NULL,  -- utm_campaign or (not set) / (organic) / (direct)
    sessions              BIGINT NOT NULL,
    total_users           BIGINT NOT NULL,
    engaged_sessions      BIGINT NOT NULL,
    key_events            BIGINT NOT NULL,
    PRIMARY KEY (property_id, date, session_source, session_medium, session_campaign_name)
);
