-- check frame raw.page_stats: the page statistics as delivered, with whether the page is
-- in the registry and whether the row's platform is its page's platform.
with registry as (select page_id, min(platform) as platform from raw_pages group by page_id)

select
    s.*,
    r.page_id is not null as page_in_registry,
    coalesce(s.platform = r.platform, false) as platform_matches_page,
    r.platform as page_platform
from raw_page_stats as s
left join registry as r on r.page_id = s.page_id
