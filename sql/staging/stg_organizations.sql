-- stg_organizations
-- grain: one row per obliged organisation (org_id).
-- input: raw_organizations (contract table `organizations`).
-- A missing admin_qualified counts as "not qualified": the methodology credits only a
-- confirmed, trained administrator.
with cleaned as (
    select
        trim(org_id) as org_id,
        trim(region_code) as region_code,
        org_name,
        org_kind,
        coalesce(admin_qualified, false) as admin_qualified
    from raw_organizations
    where org_id is not null
)

select org_id, region_code, org_name, org_kind, admin_qualified
from cleaned
qualify row_number() over (partition by org_id order by region_code, org_name) = 1
