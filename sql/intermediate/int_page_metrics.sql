-- int_page_metrics
-- grain: one row per registry page (page_id) of an organisation in the registry.
-- inputs: stg_pages, stg_organizations, stg_page_stats, stg_posts, methodology_platforms;
-- parameters $live_status, $min_posts.
-- Everything an indicator needs about a page: its flags (live, regular, measurable) and
-- its sums over the period's posts. A page with no page_stats row is not live.
-- reports_interactions: the page's platform reports likes, comments and reposts
-- (methodology_platforms); on one that does not (max in v2) the sums of likes, comments,
-- reposts and interactions, and engagement_ratio, are null: unknown, not zero.
-- The sums are exact BIGINT (DuckDB sums BIGINT as HUGEINT, which Parquet would store as
-- DOUBLE: inexact above 2^53, and a DOUBLE -> BIGINT failure at publication); the raw
-- stage bounds every counter (expectations/settings.toml), so a sum cannot overflow.
with post_totals as (
    select
        page_id,
        count(*) as posts_count,
        sum(views)::bigint as views_total,
        sum(likes)::bigint as likes_total,
        sum(comments)::bigint as comments_total,
        sum(reposts)::bigint as reposts_total
    from stg_posts
    group by page_id
),

pages as (
    select
        p.page_id,
        p.org_id,
        o.region_code,
        p.platform,
        m.is_mandatory,
        m.reports_interactions,
        p.gov_mark,
        p.pos_connected,
        s.status,
        s.followers,
        coalesce(s.status = $live_status, false) as is_live,
        coalesce(t.posts_count, 0) as posts_count,
        coalesce(t.views_total, 0) as views_total,
        case when m.reports_interactions then coalesce(t.likes_total, 0) end as likes_total,
        case when m.reports_interactions then coalesce(t.comments_total, 0) end as comments_total,
        case when m.reports_interactions then coalesce(t.reposts_total, 0) end as reposts_total
    from stg_pages as p
    inner join stg_organizations as o on o.org_id = p.org_id
    inner join methodology_platforms as m on m.platform = p.platform
    left join stg_page_stats as s on s.page_id = p.page_id
    left join post_totals as t on t.page_id = p.page_id
),

flagged as (
    select
        *,
        likes_total + comments_total + reposts_total as interactions_total,
        posts_count >= $min_posts as is_regular
    from pages
),

measured as (
    select
        *,
        is_regular and coalesce(followers, 0) > 0 and views_total > 0 as is_measurable
    from flagged
)

select
    page_id,
    org_id,
    region_code,
    platform,
    is_mandatory,
    reports_interactions,
    gov_mark,
    pos_connected,
    status,
    followers,
    is_live,
    posts_count,
    views_total,
    likes_total,
    comments_total,
    reposts_total,
    interactions_total,
    is_regular,
    is_measurable,
    case when is_measurable then (views_total / posts_count) / followers end as reach_ratio,
    case when is_measurable and reports_interactions then interactions_total / views_total end as engagement_ratio
from measured
