-- stg_organizations
-- grain: one row per obliged organisation (org_id); unique keys and known regions are
-- guaranteed by the raw validation suites, which stop a run before staging.
-- input: raw_organizations (contract table `organizations`).
-- A missing admin_qualified counts as "not qualified": the methodology credits only a
-- confirmed, trained administrator.
select
    org_id,
    region_code,
    org_name,
    org_kind,
    coalesce(admin_qualified, false) as admin_qualified
from raw_organizations
