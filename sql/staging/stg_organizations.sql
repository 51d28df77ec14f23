-- stg_organizations
-- grain: one row per obliged organisation (org_id); uniqueness is checked on the raw table
-- by the raw validation suite, which stops a run before staging.
-- input: raw_organizations (contract table `organizations`).
-- A missing admin_qualified counts as "not qualified": the methodology credits only a
-- confirmed, trained administrator.
select
    trim(org_id) as org_id,
    trim(region_code) as region_code,
    org_name,
    org_kind,
    coalesce(admin_qualified, false) as admin_qualified
from raw_organizations
