-- int_region_indicators
-- grain: one row per region (region_code) and indicator of the methodology
-- (methodology_indicators: I1..I8 in v1, I1..I9 in v2).
-- inputs: stg_regions, stg_organizations, int_page_metrics, methodology_platforms,
-- methodology_indicators; parameters $dialogue_per_views, $presence_platform,
-- $presence_org_kind.
-- value: the indicator as docs/methodology.md defines it (a share in [0, 1], a median, or
-- comments per $dialogue_per_views views). numerator / denominator: what the value was
-- computed from, for audit (for the medians I6, I7: denominator = measurable pages counted).
-- A share whose denominator is 0 is 0; a median over no page, and I8 with no views, are null.
-- I5 and I6 count live pages of every platform; I7 and I8 only pages of the platforms that
-- report interactions (methodology_platforms.reports_interactions). I9: organisations of
-- kind $presence_org_kind with a live page on $presence_platform (both null in v1, which
-- has no I9: nothing is counted, and the row is not kept).
with mandatory as (
    select count(*) as platforms_count from methodology_platforms where is_mandatory
),

org_presence as (
    select org_id, count(distinct platform) as live_mandatory_platforms_count
    from int_page_metrics
    where is_live and is_mandatory
    group by org_id
),

presence_platform_orgs as (
    select distinct org_id
    from int_page_metrics
    where is_live and platform = $presence_platform
),

org_counts as (
    select
        o.region_code,
        count(*) as orgs_count,
        count(*) filter (where p.live_mandatory_platforms_count = m.platforms_count) as orgs_present_count,
        count(*) filter (where o.admin_qualified) as orgs_qualified_count,
        count(*) filter (where o.org_kind = $presence_org_kind) as presence_kind_orgs_count,
        count(*) filter (where o.org_kind = $presence_org_kind and x.org_id is not null) as presence_kind_present_count
    from stg_organizations as o
    left join org_presence as p on p.org_id = o.org_id
    left join presence_platform_orgs as x on x.org_id = o.org_id
    cross join mandatory as m
    group by o.region_code
),

page_counts as (
    select
        region_code,
        count(*) filter (where is_mandatory) as mandatory_pages_count,
        count(*) filter (where is_mandatory and gov_mark) as gov_mark_pages_count,
        count(*) filter (where is_mandatory and pos_connected) as pos_connected_pages_count,
        count(*) as live_pages_count,
        count(*) filter (where is_regular) as regular_pages_count,
        count(*) filter (where is_measurable) as measurable_pages_count,
        count(*) filter (where is_measurable and reports_interactions) as engagement_pages_count,
        median(reach_ratio) as reach_median,
        median(engagement_ratio) filter (where reports_interactions) as engagement_median,
        sum(comments_total) filter (where reports_interactions) as comments_total,
        sum(views_total) filter (where reports_interactions) as dialogue_views_total
    from int_page_metrics
    where is_live
    group by region_code
),

facts as (
    select
        r.region_code,
        coalesce(o.orgs_count, 0) as orgs_count,
        coalesce(o.orgs_present_count, 0) as orgs_present_count,
        coalesce(o.orgs_qualified_count, 0) as orgs_qualified_count,
        coalesce(o.presence_kind_orgs_count, 0) as presence_kind_orgs_count,
        coalesce(o.presence_kind_present_count, 0) as presence_kind_present_count,
        coalesce(p.mandatory_pages_count, 0) as mandatory_pages_count,
        coalesce(p.gov_mark_pages_count, 0) as gov_mark_pages_count,
        coalesce(p.pos_connected_pages_count, 0) as pos_connected_pages_count,
        coalesce(p.live_pages_count, 0) as live_pages_count,
        coalesce(p.regular_pages_count, 0) as regular_pages_count,
        coalesce(p.measurable_pages_count, 0) as measurable_pages_count,
        coalesce(p.engagement_pages_count, 0) as engagement_pages_count,
        p.reach_median,
        p.engagement_median,
        coalesce(p.comments_total, 0) as comments_total,
        coalesce(p.dialogue_views_total, 0) as dialogue_views_total
    from stg_regions as r
    left join org_counts as o on o.region_code = r.region_code
    left join page_counts as p on p.region_code = r.region_code
),

shares as (
    select region_code, 'I1' as indicator, orgs_present_count as numerator, orgs_count as denominator from facts
    union all
    select region_code, 'I2', gov_mark_pages_count, mandatory_pages_count from facts
    union all
    select region_code, 'I3', pos_connected_pages_count, mandatory_pages_count from facts
    union all
    select region_code, 'I4', orgs_qualified_count, orgs_count from facts
    union all
    select region_code, 'I5', regular_pages_count, live_pages_count from facts
    union all
    select region_code, 'I9', presence_kind_present_count, presence_kind_orgs_count from facts
),

computed as (
    select
        region_code,
        indicator,
        case when denominator = 0 then 0.0 else numerator / denominator end as value,
        numerator::double as numerator,
        denominator::double as denominator
    from shares
    union all
    select region_code, 'I6', reach_median, null, measurable_pages_count::double from facts
    union all
    select region_code, 'I7', engagement_median, null, engagement_pages_count::double from facts
    union all
    select
        region_code,
        'I8',
        case when dialogue_views_total > 0 then $dialogue_per_views * comments_total / dialogue_views_total end,
        comments_total::double,
        dialogue_views_total::double
    from facts
)

select c.region_code, c.indicator, c.value, c.numerator, c.denominator
from computed as c
semi join methodology_indicators as m on m.indicator = c.indicator
