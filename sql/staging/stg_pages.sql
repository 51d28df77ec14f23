-- stg_pages
-- grain: one row per declared official page (page_id) on a platform the methodology
-- rates; uniqueness is checked on the raw table by the raw validation suite.
-- inputs: raw_pages (contract table `pages`), methodology_platforms.
-- A missing gov_mark or pos_connected counts as false: only a confirmed mark counts.
select
    trim(page_id) as page_id,
    trim(org_id) as org_id,
    lower(trim(platform)) as platform,
    trim(platform_page_id) as platform_page_id,
    coalesce(gov_mark, false) as gov_mark,
    coalesce(pos_connected, false) as pos_connected
from raw_pages
where lower(trim(platform)) in (select platform from methodology_platforms)
