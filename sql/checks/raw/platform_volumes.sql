-- check frame raw.platform_volumes
-- grain: one row per platform that the methodology rates or that appears in the raw data:
-- how much data arrived for it (a platform outside the methodology shows up here).
-- inputs: methodology_platforms, raw_pages, raw_page_stats, raw_posts.
with pages as (select platform, count(*) as pages_count from raw_pages group by platform),
stats as (select platform, count(*) as page_stats_count from raw_page_stats group by platform),
posts as (select platform, count(*) as posts_count from raw_posts group by platform),
platforms as (
    select platform from methodology_platforms
    union select platform from pages
    union select platform from stats
    union select platform from posts
)

select
    m.platform,
    coalesce(p.pages_count, 0) as pages_count,
    coalesce(s.page_stats_count, 0) as page_stats_count,
    coalesce(t.posts_count, 0) as posts_count
from platforms as m
left join pages as p on p.platform = m.platform
left join stats as s on s.platform = m.platform
left join posts as t on t.platform = m.platform
