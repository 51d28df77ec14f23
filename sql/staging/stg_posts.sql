-- stg_posts
-- grain: one row per post (page_id, post_id) published in the rated period.
-- input: raw_posts (contract table `posts`); parameters $period_start, $period_end
-- (the period's bounds, Moscow midnight, as timestamptz).
-- A post delivered twice is kept once with its largest counters: counters only grow, so
-- the largest is the latest observation.
select
    page_id,
    any_value(platform) as platform,
    post_id,
    min(published_at) as published_at,
    max(coalesce(views, 0)) as views,
    max(coalesce(likes, 0)) as likes,
    max(coalesce(comments, 0)) as comments,
    max(coalesce(reposts, 0)) as reposts
from raw_posts
where published_at >= $period_start and published_at < $period_end
group by page_id, post_id
