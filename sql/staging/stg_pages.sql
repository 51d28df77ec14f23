-- stg_pages
-- grain: one row per declared official page (page_id); unique ids of the form
-- {platform}:{platform_page_id}, rated platforms and known organisations are guaranteed by
-- the raw validation suites, which stop a run before staging.
-- input: raw_pages (contract table `pages`).
-- A missing gov_mark or pos_connected counts as false: only a confirmed mark counts.
select
    page_id,
    org_id,
    platform,
    platform_page_id,
    coalesce(gov_mark, false) as gov_mark,
    coalesce(pos_connected, false) as pos_connected
from raw_pages
