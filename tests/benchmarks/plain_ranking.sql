-- The benchmark's reference: the methodology's ranking as one plain DuckDB query over the
-- raw tables, written by hand without the models' layers (make bench compares the SQL
-- models with it, in the same process, and checks that both give the same ranking).
-- inputs: raw_regions, raw_organizations, raw_pages, raw_page_stats, raw_posts,
-- methodology_indicators, methodology_platforms; the parameters of the models. Any
-- methodology version: I9 ($presence_platform, $presence_org_kind) is null in v1 and dropped
-- with the indicators the methodology does not list; I7 and I8 count only the platforms that
-- report interactions.
with post_totals as (
    select
        page_id,
        count(*) as posts_count,
        sum(coalesce(views, 0))::bigint as views_total,
        sum(coalesce(likes, 0) + coalesce(comments, 0) + coalesce(reposts, 0))::bigint as interactions_total,
        sum(coalesce(comments, 0))::bigint as comments_total
    from raw_posts
    where published_at >= $period_start and published_at < $period_end
    group by page_id
),

page_facts as (
    select
        p.org_id,
        o.region_code,
        p.platform,
        m.is_mandatory,
        m.reports_interactions,
        coalesce(p.gov_mark, false) as gov_mark,
        coalesce(p.pos_connected, false) as pos_connected,
        coalesce(s.status = $live_status, false) as is_live,
        coalesce(t.posts_count, 0) >= $min_posts as is_regular,
        coalesce(t.posts_count, 0) >= $min_posts and coalesce(s.followers, 0) > 0
            and coalesce(t.views_total, 0) > 0 as is_measurable,
        t.posts_count,
        t.views_total,
        t.interactions_total,
        coalesce(t.comments_total, 0) as comments_total,
        s.followers
    from raw_pages as p
    inner join raw_organizations as o on o.org_id = p.org_id
    inner join methodology_platforms as m on m.platform = p.platform
    left join (select * from raw_page_stats where period = $period) as s on s.page_id = p.page_id
    left join post_totals as t on t.page_id = p.page_id
),

orgs as (
    select
        o.region_code,
        count(*) as orgs_count,
        count(*) filter (
            where f.live_mandatory = (select count(*) from methodology_platforms where is_mandatory)
        ) as present,
        count(*) filter (where coalesce(o.admin_qualified, false)) as qualified,
        count(*) filter (where o.org_kind = $presence_org_kind) as presence_kind,
        count(*) filter (where o.org_kind = $presence_org_kind and f.on_presence_platform) as presence_present
    from raw_organizations as o
    left join (
        select
            org_id,
            count(distinct platform) filter (where is_mandatory) as live_mandatory,
            bool_or(platform = $presence_platform) as on_presence_platform
        from page_facts where is_live group by org_id
    ) as f on f.org_id = o.org_id
    group by o.region_code
),

pages as (
    select
        region_code,
        count(*) filter (where is_mandatory) as mandatory,
        count(*) filter (where is_mandatory and gov_mark) as marked,
        count(*) filter (where is_mandatory and pos_connected) as connected,
        count(*) as live,
        count(*) filter (where is_regular) as regular,
        median(case when is_measurable then (views_total / posts_count) / followers end) as reach,
        median(case when is_measurable and reports_interactions then interactions_total / views_total end)
            as engagement,
        sum(comments_total) filter (where reports_interactions) as comments,
        sum(coalesce(views_total, 0)) filter (where reports_interactions) as views
    from page_facts
    where is_live
    group by region_code
),

values_long as (
    select r.region_code, v.indicator, v.value
    from raw_regions as r
    left join orgs as o on o.region_code = r.region_code
    left join pages as p on p.region_code = r.region_code
    cross join lateral (
        values
            ('I1', case when coalesce(o.orgs_count, 0) = 0 then 0.0 else o.present / o.orgs_count end),
            ('I2', case when coalesce(p.mandatory, 0) = 0 then 0.0 else p.marked / p.mandatory end),
            ('I3', case when coalesce(p.mandatory, 0) = 0 then 0.0 else p.connected / p.mandatory end),
            ('I4', case when coalesce(o.orgs_count, 0) = 0 then 0.0 else o.qualified / o.orgs_count end),
            ('I5', case when coalesce(p.live, 0) = 0 then 0.0 else p.regular / p.live end),
            ('I6', p.reach),
            ('I7', p.engagement),
            ('I8', case when coalesce(p.views, 0) > 0 then $dialogue_per_views * p.comments / p.views end),
            ('I9', case when coalesce(o.presence_kind, 0) = 0 then 0.0 else o.presence_present / o.presence_kind end)
    ) as v (indicator, value)
),

scored as (
    select
        v.region_code,
        m.indicator,
        m.block,
        m.weight,
        case
            when m.kind = 'share' then $score_scale * v.value
            when v.value is null then 0.0
            when b.hi = b.lo then $score_scale
            else $score_scale * least(greatest((v.value - b.lo) / (b.hi - b.lo), 0.0), 1.0)
        end as score
    from values_long as v
    inner join methodology_indicators as m on m.indicator = v.indicator
    left join (
        select
            indicator,
            quantile_cont(value, $clip_low_quantile) as lo,
            quantile_cont(value, $clip_high_quantile) as hi
        from values_long where value is not null group by indicator
    ) as b on b.indicator = v.indicator
),

totals as (
    select
        region_code,
        $block1_weight * (
            list_sum(list(score * weight order by indicator) filter (where block = 1))
            / list_sum(list(weight order by indicator) filter (where block = 1))
        )
        + $block2_weight * (
            list_sum(list(score * weight order by indicator) filter (where block = 2))
            / list_sum(list(weight order by indicator) filter (where block = 2))
        ) as total
    from scored
    group by region_code
)

select
    region_code,
    round(round(total::decimal(38, 12), $total_decimals), $points_decimals)::double as points,
    dense_rank() over (order by points desc) as place
from totals
