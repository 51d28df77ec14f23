-- check frame raw.run_volume
-- grain: one row: the run's volume and page-stats coverage.
-- inputs: raw_pages, raw_page_stats, raw_posts; parameter $period.
-- page_stats_coverage = registry pages with a page_stats row of the period / registry pages.
with registry as (select distinct page_id from raw_pages),
observed as (select distinct page_id from raw_page_stats where period = $period)

select
    (select count(*) from registry) as pages_count,
    (select count(*) from raw_posts) as posts_count,
    case
        when (select count(*) from registry) = 0 then 0.0
        else (select count(*) from registry where page_id in (select page_id from observed))
            / (select count(*) from registry)
    end as page_stats_coverage
