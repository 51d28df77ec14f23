-- stg_page_stats
-- grain: one row per page (page_id) for the rated period; uniqueness of page_id per
-- period is checked on the raw table by the raw validation suite.
-- input: raw_page_stats (contract table `page_stats`); parameter $period.
select
    trim(page_id) as page_id,
    lower(trim(platform)) as platform,
    period,
    observed_at,
    lower(trim(status)) as status,
    followers,
    platform_gov_mark
from raw_page_stats
where period = $period
