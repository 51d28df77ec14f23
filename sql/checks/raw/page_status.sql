-- check frame raw.page_status
-- grain: one row per platform the methodology rates: its registry pages counted by the status
-- observed in the period (no page_stats row: "missing"), and the share of them not_found
-- against its bound: the share of the previous published period of the same source plus
-- [silent_gaps] max_not_found_rise (expectations/settings.toml), or 1 when there is none.
-- inputs: raw_pages, raw_page_stats; parameters $period, $platforms, $not_found_bounds
-- (parallel to $platforms).
with bounds as (
    select unnest($platforms) as platform, unnest($not_found_bounds) as not_found_share_max
),
observed as (
    select page_id, any_value(status) as status
    from raw_page_stats
    where period = $period
    group by page_id
),
pages as (
    select p.platform, o.status
    from raw_pages as p
    left join observed as o using (page_id)
)

select
    b.platform,
    count(p.platform) as pages_count,
    count(*) filter (where p.status = 'active') as active_count,
    count(*) filter (where p.status = 'private') as private_count,
    count(*) filter (where p.status = 'deleted') as deleted_count,
    count(*) filter (where p.status = 'banned') as banned_count,
    count(*) filter (where p.status = 'not_found') as not_found_count,
    count(*) filter (where p.platform is not null and p.status is null) as missing_count,
    coalesce(
        (count(*) filter (where p.status = 'not_found'))::double / nullif(count(p.platform), 0), 0.0
    ) as not_found_share,
    b.not_found_share_max
from bounds as b
left join pages as p on p.platform = b.platform
group by b.platform, b.not_found_share_max
