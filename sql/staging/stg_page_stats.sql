-- stg_page_stats
-- grain: one row per page (page_id) for the rated period.
-- input: raw_page_stats (contract table `page_stats`); parameter $period.
-- When a page was observed more than once, the latest observation wins.
select
    trim(page_id) as page_id,
    lower(trim(platform)) as platform,
    period,
    observed_at,
    lower(trim(status)) as status,
    followers,
    platform_gov_mark
from raw_page_stats
where period = $period and page_id is not null
qualify row_number() over (partition by trim(page_id) order by observed_at desc nulls last, followers desc nulls last) = 1
