-- Ground truth of the sandbox world (`truth.duckdb`). Written by the generator, read only by
-- tests and benchmarks to score identity resolution, attribution and lead scoring. Product
-- code never opens this file. Documented table by table in sandbox/README.md.

CREATE TABLE people (
    person_id        BIGINT PRIMARY KEY,
    company_id       BIGINT,            -- NULL for people without an employer on record
    first_name       VARCHAR NOT NULL,
    last_name        VARCHAR NOT NULL,
    email            VARCHAR NOT NULL,  -- the clean, canonical work address
    personal_email   VARCHAR,           -- a free-mail address some records use instead
    title            VARCHAR NOT NULL,
    seniority        VARCHAR NOT NULL,  -- ic | manager | director | vp | cxo
    country          VARCHAR NOT NULL,
    created_at       TIMESTAMP NOT NULL, -- first appearance in any system
    fit              DOUBLE NOT NULL,    -- latent fit (title, company size, industry), 0..1
    engagement_rate  DOUBLE NOT NULL     -- latent activity level
);

CREATE TABLE companies (
    company_id BIGINT PRIMARY KEY,
    name       VARCHAR NOT NULL,
    domain     VARCHAR NOT NULL,
    industry   VARCHAR NOT NULL,
    employees  INTEGER NOT NULL,
    country    VARCHAR NOT NULL
);

-- Every person-like record in every system and the person behind it.
-- system: hubspot | salesforce; object: contacts | form_submissions (hubspot), Lead | Contact (salesforce).
CREATE TABLE record_person (
    system    VARCHAR NOT NULL,
    object    VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    person_id BIGINT NOT NULL,
    PRIMARY KEY (system, object, record_id)
);

-- Spend per platform, day and campaign, in account currency, as the platform reports it now
-- (after restatements). campaign_id: Google Ads campaign id, Meta campaign id, LinkedIn
-- campaign group id, as strings.
CREATE TABLE ad_spend_daily (
    platform    VARCHAR NOT NULL,  -- google_ads | meta_ads | linkedin_ads
    date        DATE NOT NULL,
    campaign_id VARCHAR NOT NULL,
    spend       DECIMAL(14, 2) NOT NULL,
    PRIMARY KEY (platform, date, campaign_id)
);

-- Closed-won opportunities and the person who converted (primary contact).
CREATE TABLE opportunities (
    opportunity_id VARCHAR PRIMARY KEY,  -- Salesforce Opportunity Id
    person_id      BIGINT NOT NULL,
    amount         DECIMAL(14, 2) NOT NULL,
    closed_won_at  TIMESTAMP             -- NULL while open or lost
);

-- Whether and when each person converted (first closed-won opportunity).
CREATE TABLE person_outcome (
    person_id    BIGINT PRIMARY KEY,
    converted    BOOLEAN NOT NULL,
    converted_at TIMESTAMP
);

-- Every marketing touch a person made (for attribution scoring).
CREATE TABLE touches (
    person_id  BIGINT NOT NULL,
    touched_at TIMESTAMP NOT NULL,
    channel    VARCHAR NOT NULL,  -- paid_search | paid_social | email | organic | direct | referral
    campaign   VARCHAR            -- utm_campaign when the touch carried one
);

-- The furthest lifecycle stage each person reached, by the sandbox's own rules (the same as the
-- HubSpot lifecycle it writes): a form submission makes a lead, a Salesforce lead (not deleted) a
-- marketing-qualified lead, a lead being worked ('Working - Contacted') a sales-qualified lead, an
-- opportunity an opportunity, a closed-won one a customer; everyone else is a subscriber.
CREATE TABLE person_stage (
    person_id BIGINT PRIMARY KEY,
    stage     VARCHAR NOT NULL  -- subscriber | lead | marketingqualifiedlead | salesqualifiedlead | opportunity | customer
);
