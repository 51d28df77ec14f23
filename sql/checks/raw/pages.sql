-- check frame raw.pages: the pages table as delivered, with the region of its
-- organisation (null when the organisation is not in the registry), whether page_id
-- is `{platform}:{platform_page_id}`, and whether platform_page_id has the form of the
-- contract ($platform_page_id_pattern, expectations/settings.toml; a full match, so no
-- trailing newline or space slips through).
select
    p.*,
    o.region_code as org_region_code,
    coalesce(p.page_id = p.platform || ':' || p.platform_page_id, false) as page_id_matches_platform,
    coalesce(regexp_full_match(p.platform_page_id, $platform_page_id_pattern), false) as platform_page_id_well_formed
from raw_pages as p
left join (select distinct org_id, region_code from raw_organizations) as o on o.org_id = p.org_id
