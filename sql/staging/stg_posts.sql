-- stg_posts
-- grain: one row per post (page_id, post_id) published in the rated period; uniqueness of
-- post_id per page is checked on the raw table by the raw validation suite, which stops a
-- run before staging (a duplicate is an extraction fault to fix, not to paper over).
-- inputs: raw_posts (contract table `posts`), methodology_platforms; parameters $period_start,
-- $period_end (the period's bounds, Moscow midnight, as timestamptz). A missing counter
-- counts as 0, except likes, comments and reposts on a platform that reports no
-- interactions (methodology_platforms.reports_interactions false, e.g. max in v2): they stay
-- null, so that nothing downstream can count them as zeros.
select
    p.page_id,
    p.platform,
    p.post_id,
    p.published_at,
    coalesce(p.views, 0) as views,
    case when coalesce(m.reports_interactions, true) then coalesce(p.likes, 0) end as likes,
    case when coalesce(m.reports_interactions, true) then coalesce(p.comments, 0) end as comments,
    case when coalesce(m.reports_interactions, true) then coalesce(p.reposts, 0) end as reposts
from raw_posts as p
left join methodology_platforms as m on m.platform = p.platform
where p.published_at >= $period_start and p.published_at < $period_end
