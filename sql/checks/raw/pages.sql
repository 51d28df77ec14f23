-- check frame raw.pages: the pages table as delivered, with the region of its
-- organisation (null when the organisation is not in the registry) and whether page_id
-- is `{platform}:{platform_page_id}`.
select
    p.*,
    o.region_code as org_region_code,
    coalesce(p.page_id = p.platform || ':' || p.platform_page_id, false) as page_id_matches_platform
from raw_pages as p
left join (select distinct org_id, region_code from raw_organizations) as o on o.org_id = p.org_id
