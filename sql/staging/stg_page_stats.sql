-- stg_page_stats
-- grain: one row per page (page_id) for the rated period; uniqueness of page_id per period
-- and known statuses are guaranteed by the raw validation suites.
-- input: raw_page_stats (contract table `page_stats`); parameter $period.
select page_id, platform, period, observed_at, status, followers, platform_gov_mark
from raw_page_stats
where period = $period
